package truenas_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
)

// Frames from reference §2.3 and what they must decode to.
var errorFrames = []struct {
	frame string
	kind  error
	check func(*truenas.APIError) bool
}{
	{`{"jsonrpc":"2.0","error":{"code":-32001,"message":"Method call error","data":{"error":2,"errname":"ENOENT","reason":"[ENOENT] Dataset \"tank/nope\" does not exist.","trace":{"class":"CallError","formatted":"Traceback","repr":"CallError(...)"},"extra":null}},"id":"6841f242"}`,
		sitekit.ErrNotFound, func(e *truenas.APIError) bool {
			return e.Errno == 2 && e.ErrName == "ENOENT" && e.Trace.Class == "CallError"
		}},
	{`{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params","data":{"error":22,"errname":"EINVAL","reason":"[EINVAL] pool_dataset_create.name: Path /mnt/tank/backups already exists\n","trace":{"class":"ValidationErrors","formatted":"...","repr":"..."},"extra":[["pool_dataset_create.name","Path /mnt/tank/backups already exists",22]]}}}`,
		sitekit.ErrExists, func(e *truenas.APIError) bool {
			return len(e.Validation) == 1 && e.Validation[0].Attribute == "pool_dataset_create.name" && e.Validation[0].Errno == 22
		}},
	{`{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params","data":{"error":22,"errname":"EINVAL","reason":"[EINVAL] data.quota: Input should be greater than or equal to 1073741824\n","trace":null,"extra":[["data.quota","Input should be greater than or equal to 1073741824",22]]}}}`,
		sitekit.ErrInvalid, func(e *truenas.APIError) bool { return e.Field("quota") != "" }},
	{`{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"Invalid params","data":{"error":22,"errname":"EINVAL","reason":"[ENOENT] None: Dataset tank/x does not exist","extra":[[null,"Dataset tank/x does not exist",2]]}}}`,
		sitekit.ErrNotFound, func(e *truenas.APIError) bool { return e.Validation[0].Attribute == "" && e.Validation[0].Errno == 2 }},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"Method call error","data":{"error":22,"errname":"EINVAL","reason":"MatchNotFound()","trace":null,"extra":null}}}`,
		sitekit.ErrNotFound, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"Method call error","data":{"error":17,"errname":"EEXIST","reason":"[EEXIST] exists","extra":null}}}`,
		sitekit.ErrExists, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"Method call error","data":{"error":16,"errname":"EBUSY","reason":"[EBUSY] Rate Limit Exceeded","extra":null}}}`,
		sitekit.ErrRateLimited, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"Method call error","data":{"error":207,"errname":"ENOTAUTHENTICATED","reason":"[ENOTAUTHENTICATED] Not authenticated","extra":null}}}`,
		sitekit.ErrUnauthorized, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32000,"message":"Maximum number of concurrent calls (20) has exceeded"}}`,
		sitekit.ErrRateLimited, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32601,"message":"Method does not exist"}}`, sitekit.ErrInvalid, nil},
	{`{"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"Method call error","data":{"error":22,"errname":"EINVAL","reason":"[EINVAL] bad","extra":null}}}`,
		sitekit.ErrInvalid, nil},
}

func TestDecodeError(t *testing.T) {
	for _, tc := range errorFrames {
		e, err := truenas.DecodeError("m", []byte(tc.frame))
		if err != nil || e == nil {
			t.Fatalf("%s: %v", tc.frame, err)
		}
		if !errors.Is(e, tc.kind) {
			t.Errorf("%s: kind %v, want %v", tc.frame, e.Kind, tc.kind)
		}
		if tc.check != nil && !tc.check(e) {
			t.Errorf("%s: decoded %+v", tc.frame, e)
		}
		if e.Method != "m" || !strings.HasPrefix(e.Error(), "truenas: m") {
			t.Errorf("%q", e.Error())
		}
	}
	if e, err := truenas.DecodeError("m", []byte(`{"jsonrpc":"2.0","id":1,"result":null}`)); e != nil || err != nil {
		t.Fatal(e, err)
	}
}

// FuzzDecode feeds arbitrary frames to the error decoder and the lenient result types: no
// panic, and a decoded error always has a code and matches at most one sentinel.
func FuzzDecode(f *testing.F) {
	for _, tc := range errorFrames {
		f.Add([]byte(tc.frame))
	}
	f.Add([]byte(`{"id":1,"state":"RUNNING","progress":{"percent":null},"time_started":{"$date":"17"}}`))
	f.Add([]byte(`{"compression":{"parsed":"lz4","rawvalue":"lz4","value":"LZ4","source":"INHERITED"},"quota":"10G"}`))
	f.Add([]byte(`[["a","b",22],[null,"x","2"]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if e, err := truenas.DecodeError("m", data); err == nil && e != nil {
			n := 0
			for _, k := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInvalid, sitekit.ErrUnauthorized, sitekit.ErrRateLimited, sitekit.ErrInUse} {
				if errors.Is(e, k) {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("%d sentinels for %s", n, data)
			}
			_ = e.Error()
		}
		var j truenas.Job
		_ = json.Unmarshal(data, &j)
		var d truenas.Dataset
		_ = json.Unmarshal(data, &d)
		_ = d.Quota.Int()
		var vs []truenas.ValidationError
		_ = json.Unmarshal(data, &vs)
		var s truenas.SMBShare
		_ = json.Unmarshal(data, &s)
		var ts truenas.Time
		_ = json.Unmarshal(data, &ts)
	})
}
