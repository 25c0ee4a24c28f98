package xo_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
)

// BenchmarkDecodeVMList measures decoding a 200-VM fields=* answer into []xo.VM.
func BenchmarkDecodeVMList(b *testing.B) {
	srv, c := setup(b)
	ctx := ctx(b)
	for i := 0; i < 200; i++ {
		vm := srv.Object("vm-templates", srv.DebianTemplateID)
		id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
		vm["id"], vm["uuid"], vm["type"], vm["name_label"] = id, id, "VM", fmt.Sprint("vm", i)
		srv.Put("vms", vm)
	}
	vms, err := c.VMs.List(ctx, nil)
	if err != nil || len(vms) != 200 {
		b.Fatal(err, len(vms))
	}
	raw, _ := json.Marshal(vms)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var out []xo.VM
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(raw))/200, "bytes/vm")
}

// BenchmarkCreateVMRoundTrip measures create_vm (async action + task wait + tag + read back)
// against the in-process simulator, and reports the HTTP requests per create.
func BenchmarkCreateVMRoundTrip(b *testing.B) {
	srv, c := setup(b)
	ctx := ctx(b)
	srv.Faults().ResetCounters()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		_, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: fmt.Sprint("vm", n), CPUs: 1, Memory: 1 << 30,
			VIFs: []xo.VIFSpec{{Device: "0", Network: srv.ManagementNetworkID}}, CloudConfig: "#cloud-config\n", Tags: []string{sitekit.Marker("bench")}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.Faults().TotalCalls())/float64(n), "requests/create")
}
