package truenas_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

// A dataset for XO backups exported over NFS to the virtualisation host, found again by name.
func Example() {
	srv, err := truenastest.NewServer(truenastest.WithRelease("25.10"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := truenas.New(srv.URL(),
		sitekit.WithToken(sitekit.NewSecret(srv.APIKey())), truenas.WithAPIKeyUser(srv.Username()),
		sitekit.WithCertSHA256(srv.Fingerprint()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	ds, err := c.Datasets.Create(ctx, truenas.DatasetRequest{
		Name: "tank/xo-backups", ShareType: "NFS", Compression: "ZSTD",
		Quota: truenas.Ptr(int64(2 << 40)), Comments: truenas.Ptr(sitekit.Marker("pv-pessac")),
	})
	if err != nil {
		log.Fatal(err)
	}
	share, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{
		Path: ds.Mountpoint, Networks: []string{"10.10.20.11/32"},
		MaprootUser: truenas.Ptr("root"), MaprootGroup: truenas.Ptr("root"),
	})
	if err != nil {
		log.Fatal(err)
	}
	v, _ := c.APIVersion(ctx)
	fmt.Println("api:", v)
	fmt.Println("dataset:", ds.Name, ds.Compression.Value, ds.Quota.Value)
	fmt.Println("export:", share.Path, share.Networks)

	got, _ := c.Datasets.Get(ctx, "tank/xo-backups")
	site, _ := sitekit.ParseMarker(got.Comment())
	fmt.Println("managed by:", site)
	// Output:
	// api: v25.10.5
	// dataset: tank/xo-backups ZSTD 2T
	// export: /mnt/tank/xo-backups [10.10.20.11/32]
	// managed by: pv-pessac
}
