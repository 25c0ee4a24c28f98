package truenas_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sitekit/sitekit/truenas"
)

// datasetFrame is a pool.dataset.query answer of n datasets in the middleware's shape:
// property objects with parsed/rawvalue/value/source/source_info (reference truenas.md §6.2).
func datasetFrame(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"jsonrpc":"2.0","id":42,"result":[`)
	prop := func(name, parsed, raw, value, source string, info string) string {
		return fmt.Sprintf(`"%s":{"parsed":%s,"rawvalue":"%s","value":%s,"source":"%s","source_info":%s}`, name, parsed, raw, value, source, info)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf("tank/sitekit/site%04d", i)
		fmt.Fprintf(&b, `{"id":"%s","type":"FILESYSTEM","name":"%s","pool":"tank","encrypted":false,"encryption_root":null,"key_loaded":false,"children":[],"locked":false,"mountpoint":"/mnt/%s","user_properties":{"msp:site":{"parsed":"pessac","rawvalue":"pessac","value":"pessac","source":"LOCAL","source_info":null}},`, name, name, name)
		props := []string{
			prop("comments", `"managed-by sitekit:pessac"`, "managed-by sitekit:pessac", `"managed-by sitekit:pessac"`, "LOCAL", "null"),
			prop("compression", `"lz4"`, "lz4", `"LZ4"`, "INHERITED", `"tank"`),
			prop("sync", `"standard"`, "standard", `"STANDARD"`, "DEFAULT", "null"),
			prop("atime", `"off"`, "off", `"OFF"`, "INHERITED", `"tank"`),
			prop("exec", `"on"`, "on", `"ON"`, "DEFAULT", "null"),
			prop("readonly", `"off"`, "off", `"OFF"`, "DEFAULT", "null"),
			prop("deduplication", `"off"`, "off", `"OFF"`, "DEFAULT", "null"),
			prop("snapdir", `"hidden"`, "hidden", `"HIDDEN"`, "DEFAULT", "null"),
			prop("copies", `1`, "1", `"1"`, "DEFAULT", "null"),
			prop("acltype", `"posix"`, "posix", `"POSIX"`, "DEFAULT", "null"),
			prop("aclmode", `"discard"`, "discard", `"DISCARD"`, "DEFAULT", "null"),
			prop("casesensitivity", `"sensitive"`, "sensitive", `"SENSITIVE"`, "DEFAULT", "null"),
			prop("quota", `10737418240`, "10737418240", `"10G"`, "LOCAL", "null"),
			prop("refquota", `0`, "0", `null`, "DEFAULT", "null"),
			prop("reservation", `0`, "0", `null`, "DEFAULT", "null"),
			prop("refreservation", `0`, "0", `null`, "DEFAULT", "null"),
			prop("recordsize", `131072`, "131072", `"128K"`, "DEFAULT", "null"),
			prop("used", `98304`, "98304", `"96K"`, "NONE", "null"),
			prop("available", `7681499881472`, "7681499881472", `"6.99T"`, "NONE", "null"),
			prop("compressratio", `"1.00"`, "1.00", `"1.00x"`, "NONE", "null"),
		}
		b.WriteString(strings.Join(props, ","))
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// plainProperty and plainDataset are what a plain encoding/json decode would use: the same
// fields, default decoding, no leniency. They are the floor the client is measured against.
type plainProperty struct {
	Parsed     json.RawMessage `json:"parsed"`
	RawValue   string          `json:"rawvalue"`
	Value      string          `json:"value"`
	Source     string          `json:"source"`
	SourceInfo string          `json:"source_info"`
}

// BenchmarkDecodeDatasets measures what the client spends per dataset of a pool.dataset.query
// answer (the envelope decoded as the JSON-RPC layer does, then the typed, lenient decode)
// against a plain encoding/json decode of the same frame into plain structs, in the same run.
// ns-ratio and allocs-ratio are measured ÷ floor.
func BenchmarkDecodeDatasets(b *testing.B) {
	const rows = 100
	frame := datasetFrame(rows)
	client := func() error {
		var env struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Result  json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(frame, &env); err != nil {
			return err
		}
		var out []truenas.Dataset
		return json.Unmarshal(env.Result, &out)
	}
	floor := func() error {
		var env struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Result  []plainFloorRow `json:"result"`
		}
		return json.Unmarshal(frame, &env)
	}
	// sanity: both decode the same values
	var env struct {
		Result []truenas.Dataset `json:"result"`
	}
	if err := json.Unmarshal(frame, &env); err != nil || len(env.Result) != rows || env.Result[7].Quota.Int() != 10<<30 || env.Result[7].Compression.SourceInfo != "tank" {
		b.Fatalf("decode: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := client(); err != nil {
			b.Fatal(err)
		}
	}
	n := max(b.N, 50)
	floorNS, floorAllocs := measure(n, floor)
	clientNS, clientAllocs := measure(n, client)
	b.ReportMetric(clientNS/rows, "ns/row")
	b.ReportMetric(clientAllocs/rows, "allocs/row")
	b.ReportMetric(floorNS/rows, "floor-ns/row")
	b.ReportMetric(floorAllocs/rows, "floor-allocs/row")
	b.ReportMetric(clientNS/floorNS, "ns-ratio")
	b.ReportMetric(clientAllocs/floorAllocs, "allocs-ratio")
}

// measure runs f n times and returns its mean time and allocations, measured alike for the
// client and the floor.
func measure(n int, f func() error) (ns, allocs float64) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			panic(err)
		}
	}
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	return float64(el.Nanoseconds()) / float64(n), float64(m1.Mallocs-m0.Mallocs) / float64(n)
}

// plainFloorRow is plainDataset with its properties as plain tagged fields.
type plainFloorRow struct {
	ID              string                   `json:"id"`
	Type            string                   `json:"type"`
	Name            string                   `json:"name"`
	Pool            string                   `json:"pool"`
	Encrypted       bool                     `json:"encrypted"`
	EncryptionRoot  string                   `json:"encryption_root"`
	KeyLoaded       bool                     `json:"key_loaded"`
	Locked          bool                     `json:"locked"`
	Mountpoint      string                   `json:"mountpoint"`
	Children        []plainFloorRow          `json:"children"`
	UserProperties  map[string]plainProperty `json:"user_properties"`
	Comments        plainProperty            `json:"comments"`
	Compression     plainProperty            `json:"compression"`
	CompressRatio   plainProperty            `json:"compressratio"`
	Sync            plainProperty            `json:"sync"`
	Atime           plainProperty            `json:"atime"`
	Exec            plainProperty            `json:"exec"`
	Readonly        plainProperty            `json:"readonly"`
	Deduplication   plainProperty            `json:"deduplication"`
	Snapdir         plainProperty            `json:"snapdir"`
	Copies          plainProperty            `json:"copies"`
	ACLType         plainProperty            `json:"acltype"`
	ACLMode         plainProperty            `json:"aclmode"`
	CaseSensitivity plainProperty            `json:"casesensitivity"`
	Quota           plainProperty            `json:"quota"`
	RefQuota        plainProperty            `json:"refquota"`
	Reservation     plainProperty            `json:"reservation"`
	RefReservation  plainProperty            `json:"refreservation"`
	Recordsize      plainProperty            `json:"recordsize"`
	Volsize         plainProperty            `json:"volsize"`
	Volblocksize    plainProperty            `json:"volblocksize"`
	Used            plainProperty            `json:"used"`
	Available       plainProperty            `json:"available"`
}
