package main

import "github.com/sitekit/sitekit/xo/xotest"

func init() {
	register(simulator{name: "xo", order: 2, start: func(addr string) (map[string]string, func(), error) {
		var opts []xotest.Option
		if addr != "" {
			opts = append(opts, xotest.WithAddr(addr))
		}
		srv, err := xotest.NewServer(opts...)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"url": srv.URL(), "token": srv.Token(), "user": srv.Username(), "password": srv.Password(), "sha256": srv.Fingerprint()}, srv.Close, nil
	}})
}
