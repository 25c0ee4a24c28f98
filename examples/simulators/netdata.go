package main

import (
	"github.com/sitekit/sitekit/internal/examplekit"
	"github.com/sitekit/sitekit/netdata/netdatatest"
)

func init() {
	register(simulator{name: "netdata", order: 5, start: func(addr string) (map[string]string, func(), error) {
		srv, err := netdatatest.NewServer(netdatatest.WithAddr(addr), netdatatest.WithHostname(examplekit.NetdataParent(examplekit.Pessac())))
		if err != nil {
			return nil, nil, err
		}
		netdataSim = srv
		// token: the health-management key (X-Auth-Token), printed on purpose.
		return map[string]string{"url": srv.URL(), "sha256": srv.Fingerprint(), "token": srv.Token().Reveal()}, srv.Close, nil
	}})
}
