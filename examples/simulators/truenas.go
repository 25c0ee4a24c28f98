package main

import (
	"time"

	"github.com/sitekit/sitekit/truenas/truenastest"
)

// The TrueNAS simulator (release 26.0, pool "tank"); jobs last 5 s of real time so that
// progress is visible. Credentials: API key of the user "truenas_admin".
func init() {
	register(simulator{name: "truenas", order: 4, start: func(addr string) (map[string]string, func(), error) {
		srv, err := truenastest.NewServer(truenastest.WithAddr(addr),
			truenastest.WithJobDuration(5*time.Second), truenastest.WithJobTicker(500*time.Millisecond))
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"url": srv.URL(), "api_key": srv.APIKey(), "sha256": srv.Fingerprint()}, srv.Close, nil
	}})
}
