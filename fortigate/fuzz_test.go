package fortigate_test

import (
	"errors"
	"testing"

	"github.com/sitekit/sitekit/fortigate"
)

// FuzzDecodeEnvelope checks that envelope decoding never panics, that an error envelope
// always becomes an *APIError, and that a decoded success keeps status "success"-like data.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"http_method":"GET","size":17,"limit_reached":false,"matched_count":1,"next_idx":5,"revision":"bd002ee1735120907182831e7528dc8b","results":[{"name":"SSLVPN_TUNNEL_ADDR1","q_origin_key":"SSLVPN_TUNNEL_ADDR1","comment":""}],"vdom":"root","path":"firewall","name":"address","status":"success","http_status":200,"serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`,
		`{"http_method":"POST","revision":"c63617e0167c28ac6b3dba21da9ffdac","revision_changed":true,"old_revision":"9de5069c5afe602b2ea0a04b66beb2c0","mkey":"officeNetwork","status":"success","http_status":200,"vdom":"root","path":"system","name":"interface","serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`,
		`{"http_method":"POST","revision":"d9f1","revision_changed":false,"cli_error":"node_check_object fail! for name homeNetwork\n\nvalue parse error before 'homeNetwork'\nCommand fail. Return code -651\n","error":-651,"status":"error","http_status":500,"vdom":"root","path":"firewall","name":"policy"}`,
		`[{"http_method":"GET","results":[],"vdom":"root","status":"success","http_status":200}]`,
		`{"status":"error","cli_error":["admin's password required."],"error":-8102}`,
		`{"mkey":7,"status":"success"}`, `[]`, `null`, `[null]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		envs, err := fortigate.DecodeEnvelopes(b)
		if err != nil {
			var ae *fortigate.APIError
			if errors.As(err, &ae) && ae.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		for _, e := range envs {
			if e == nil || e.Status == "error" {
				t.Fatalf("error envelope returned as success: %+v", e)
			}
			_ = e.MKeyString()
			_ = e.CLIErrorText()
		}
	})
}
