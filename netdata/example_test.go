package netdata_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

// A deployment gate on a parent: the agent answers, collects, has no critical alarm and its
// children stream to it.
func Example() {
	srv, err := netdatatest.NewServer(netdatatest.WithHostname("monitor"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.AddChild("web")
	c, err := srv.Client() // netdata.New(url, sitekit.WithToken(key)) for a real agent
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	r, err := c.Health(ctx, netdata.HealthOptions{MinVersion: "v1.37", ExpectChildren: []string{"web"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r)

	_ = srv.RaiseAlarm("web", "ram_in_use", "system.ram", netdata.StatusCritical, 97)
	r, _ = c.Host("web").Health(ctx, netdata.HealthOptions{})
	fmt.Println(r)

	d, err := c.Data(ctx, netdata.DataQuery{Chart: "system.cpu", Dimensions: []string{"user", "system"}, After: -60, Points: 6})
	if err != nil {
		log.Fatal(err)
	}
	last, _ := d.Latest()
	fmt.Println(len(d.Rows), "rows of", d.DimensionNames, "oldest first:", d.Rows[0].Time.Before(last.Time))
	// Output:
	// netdata monitor (v1.37.1): healthy
	// netdata web (v1.37.1): critical alarm ram_in_use on system.ram: 97.0% (netdatatest alarm ram_in_use)
	// 6 rows of [user system] oldest first: true
}
