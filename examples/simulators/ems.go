package main

import "github.com/sitekit/sitekit/ems/emstest"

// emsServer is the running EMS simulator, so that another simulator started by this command
// (the FortiGate's EMS connector) can seed a pending FortiGate with AddPendingFortiGate and
// observe authorizations with SetAuthorizeHook.
var emsServer *emstest.Server

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
		emsServer = srv
		return map[string]string{"url": srv.URL, "user": srv.Username, "password": srv.Password, "sha256": srv.Fingerprint}, srv.Close, nil
	}})
}
