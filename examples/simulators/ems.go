package main

import "github.com/sitekit/sitekit/ems/emstest"

// The EMS simulator (order 3); links.go wires it to the FortiGate simulator.
func init() {
	register(simulator{name: "ems", order: 3, start: func(addr string) (map[string]string, func(), error) {
		var opts []emstest.Option
		if addr != "" {
			opts = append(opts, emstest.WithAddr(addr))
		}
		srv, err := emstest.NewServer(opts...)
		if err != nil {
			return nil, nil, err
		}
		emsSim = srv
		return map[string]string{"url": srv.URL(), "user": srv.Username(), "password": srv.Password(), "sha256": srv.Fingerprint()}, srv.Close, nil
	}})
}
