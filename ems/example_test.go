package ems_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/ems/emstest"
)

// Example signs in to a simulated EMS, reads its license, groups endpoints, creates a ZTNA
// tag carrying the blueprint marker and authorizes a FortiGate. Against a real EMS, build
// the client with ems.New(url, sitekit.WithCredentials(user, sitekit.NewSecret(pw)),
// sitekit.WithCertSHA256(fingerprint)).
func Example() {
	srv, err := emstest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	lic, err := c.System.License(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("EPP seats: %d used of %d\n", lic.Used["epp"], lic.Seats["epp"])

	g, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Compta"})
	if err != nil {
		log.Fatal(err)
	}
	var ids []int
	for e, err := range c.Endpoints.All(ctx, &ems.EndpointListOptions{Connection: "online"}) {
		if err != nil {
			log.Fatal(err)
		}
		if len(ids) < 3 {
			ids = append(ids, e.DeviceID)
		}
	}
	if err := c.Endpoints.Move(ctx, g.ID, ids...); err != nil {
		log.Fatal(err)
	}
	fmt.Println("moved", ids, "to", g.FullPath)

	tag, err := c.ZTNATags.Create(ctx, ems.ZTNATagRequest{
		Name: "ERP-Compliant", Status: true, Comments: sitekit.Marker("pessac"),
		Rules: []ems.Rule{{ID: 1, Type: ems.RuleADGroup, OS: ems.OSWindows, Content: "GROUPS/Compta", DomainName: "corp.local"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	site, _ := sitekit.ParseMarker(tag.Comments)
	fmt.Println("tag", tag.Name, "managed by", site)

	srv.AddPendingFortiGate("FGT60FTK00000001", "fw-pessac") // the FortiGate's connector came up
	fgt, err := c.FortiGates.Authorize(ctx, "FGT60FTK00000001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("authorized", fgt.CN, fgt.Authorized)
	// Output:
	// EPP seats: 12 used of 100
	// moved [1001 1002 1004] to All Groups/Compta
	// tag ERP-Compliant managed by pessac
	// authorized FGT60FTK00000001 true
}
