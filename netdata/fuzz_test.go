package netdata_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sitekit/sitekit/netdata"
)

func FuzzInfoDecode(f *testing.F) {
	f.Add(recorded(f, "v1_info.json"))
	f.Add([]byte(`{"version":"v2.11.0","cores_total":4,"is_k8s_node":true,"labels":{"a":"b"},"functions":[]}`))
	f.Add([]byte(`{"cores_total":"x","alarms":{"normal":"1"},"host_labels":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var info netdata.Info
		if err := json.Unmarshal(b, &info); err != nil {
			return
		}
		info.Semver()
		info.HasAPIv3()
	})
}

func FuzzDataDecode(f *testing.F) {
	f.Add(recorded(f, "v1_data_system.cpu_points10.json"))
	f.Add(recorded(f, "v1_data_system.cpu_jsonwrap.json"))
	f.Add([]byte(`{"view":{"dimensions":{"ids":["a"]}},"result":{"labels":["time","a"],"data":[[1795639200000,[1,0,0]],[1,null]]}}`))
	f.Add([]byte(`{"labels":["time","a"],"data":[[1,"2"],[3,[4,"x]",[5]]]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d netdata.DataResult
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		for i := 1; i < len(d.Rows); i++ {
			if d.Rows[i].Time.Before(d.Rows[i-1].Time) {
				t.Fatalf("rows not oldest first at %d", i)
			}
		}
		if r, ok := d.Latest(); ok {
			r.Sum()
		}
	})
}

func FuzzParsePrometheus(f *testing.F) {
	f.Add(string(recorded(f, "v1_allmetrics_prometheus_head.txt")))
	f.Add("m{a=\"x\\\"y\",b=\"\\n\"} NaN\nm 1 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		samples, err := netdata.ParsePrometheus(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, x := range samples {
			if x.Name == "" {
				t.Fatal("sample without a name")
			}
		}
	})
}
