package netdata_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sitekit/sitekit/netdata"
)

// BenchmarkDataDecode decodes a 1.37 jsonwrap answer of 600 rows × 9 dimensions (newest
// first, as the agent sends it) and reports data points decoded per second.
func BenchmarkDataDecode(b *testing.B) {
	const rows, dims = 600, 9
	var sb strings.Builder
	sb.WriteString(`{"api":1,"id":"x","view_update_every":1,"update_every":1,"dimension_names":["guest_nice","guest","steal","softirq","irq","user","system","nice","iowait"],"result":{"labels":["time","guest_nice","guest","steal","softirq","irq","user","system","nice","iowait"],"data":[`)
	for r := range rows {
		if r > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "\n [ %d", 1795639200-r)
		for d := range dims {
			if (r+d)%97 == 0 {
				sb.WriteString(",null")
			} else {
				fmt.Fprintf(&sb, ",%.7f", float64(r*d)/7)
			}
		}
		sb.WriteString("]")
	}
	sb.WriteString("]},\"min\":0,\"max\":1}")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		var d netdata.DataResult
		if err := json.Unmarshal(body, &d); err != nil {
			b.Fatal(err)
		}
		if len(d.Rows) != rows {
			b.Fatal("rows")
		}
	}
	b.ReportMetric(float64(rows*dims*b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkParsePrometheus reports samples parsed per second from allmetrics text.
func BenchmarkParsePrometheus(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "netdata_system_cpu_percentage_average{chart=\"system.cpu\",family=\"cpu\",dimension=\"d%d\"} %d.1234567 1795639086000\n", i, i)
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s, err := netdata.ParsePrometheus(strings.NewReader(text))
		if err != nil || len(s) != 1000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "samples/s")
}
