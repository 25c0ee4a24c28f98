package main

import "github.com/sitekit/sitekit/fortigate/fortigatetest"

func init() {
	register(simulator{name: "fortigate", order: 1, start: func(addr string) (map[string]string, func(), error) {
		var opts []fortigatetest.Option
		if addr != "" {
			opts = append(opts, fortigatetest.WithAddr(addr))
		}
		s, err := fortigatetest.NewServer(opts...)
		if err != nil {
			return nil, nil, err
		}
		fortigateSim = s
		return map[string]string{"url": s.URL(), "token": s.Token(), "sha256": s.Fingerprint()}, s.Close, nil
	}})
}
