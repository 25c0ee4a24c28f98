package temporal_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/temporal"
)

// The names a deployment uses: a site's workflow IDs (its apply lock and its drift), and
// the queue of a Xen Orchestra shared by several sites, served by one worker capped at the
// appliance's write limit.
func Example() {
	fmt.Println(temporal.SiteWorkflowID("pv-pessac"))
	fmt.Println(temporal.DriftWorkflowID("pv-pessac"))
	fmt.Println(temporal.ApplianceQueue("xo", "xo.msp.example"))
	// Output:
	// sitekit-site-pv-pessac
	// sitekit-drift-pv-pessac
	// sitekit-xo-xo.msp.example
}

// Payloads sealed with AES-256-GCM: the server stores ciphertext; every client and worker
// uses the same data converter.
func ExampleEncryptionCodec() {
	codec, err := temporal.NewEncryptionCodec("2026-12", bytes.Repeat([]byte{1}, 32), nil)
	if err != nil {
		log.Fatal(err)
	}
	dc := codec.DataConverter() // client.Options.DataConverter, on clients and workers alike
	p, err := dc.ToPayload(temporal.SiteSpec{Site: blueprint.Site{Name: "pv-pessac"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(p.Metadata["encoding"]), bytes.Contains(p.Data, []byte("pv-pessac")))
	var back temporal.SiteSpec
	if err := dc.FromPayload(p, &back); err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Name())
	// Output:
	// binary/encrypted false
	// pv-pessac
}
