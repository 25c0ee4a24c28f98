package fortigatetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/stretchr/testify/require"
)

type sim struct {
	t  *testing.T
	s  *fortigatetest.Server
	hc *http.Client
}

func newSim(t *testing.T, opts ...fortigatetest.Option) *sim {
	s := fortigatetest.NewTestServer(t, opts...)
	tlsCfg, err := sitekit.TLSConfig{CertSHA256: []string{s.Fingerprint()}}.Build()
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	t.Cleanup(hc.CloseIdleConnections)
	return &sim{t: t, s: s, hc: hc}
}

// do sends a raw request and returns the status and the decoded JSON (map or array).
func (x *sim) do(method, path, token string, body any, hdr ...string) (int, any, string) {
	x.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, x.s.URL()+path, rd)
	if token == "" {
		token = x.s.Token()
	}
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := x.hc.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, v, string(raw)
}

func (x *sim) ok(method, path string, body any, hdr ...string) map[string]any {
	x.t.Helper()
	st, v, raw := x.do(method, path, "", body, hdr...)
	m, _ := v.(map[string]any)
	if st != 200 || m["status"] != "success" {
		x.t.Fatalf("%s %s: %d %s", method, path, st, raw)
	}
	return m
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

// TestReferenceExamples replays the request bodies of reference/fortigate.md §3 and checks
// the answers against the §2.4 envelopes.
func TestReferenceExamples(t *testing.T) {
	x := newSim(t)
	rev0 := x.s.Revision()
	// §3.1 VLAN
	m := x.ok("POST", "/api/v2/cmdb/system/interface?vdom=root", map[string]any{"name": "vl20-compta", "vdom": "root", "type": "vlan",
		"interface": "internal", "vlanid": 20, "mode": "static", "ip": "10.0.20.1 255.255.255.0", "allowaccess": "ping https", "role": "lan",
		"device-identification": "enable", "alias": "Comptabilite", "status": "up"})
	want := []string{"build", "http_method", "http_status", "mkey", "name", "old_revision", "path", "revision", "revision_changed", "serial", "status", "vdom", "version"}
	if !slices.Equal(keys(m), want) || m["mkey"] != "vl20-compta" || m["revision_changed"] != true || m["old_revision"] != rev0 ||
		m["revision"] == rev0 || m["path"] != "system" || m["name"] != "interface" || m["version"] != "v7.6.5" {
		t.Fatalf("write envelope: %v", m)
	}
	x.ok("POST", "/api/v2/cmdb/system/interface?vdom=root", map[string]any{"name": "vl40-srv", "vdom": "root", "type": "vlan",
		"interface": "internal", "vlanid": 40, "ip": "10.0.40.1/24"})
	// §3.2 DHCP server, id 0 → allocated
	m = x.ok("POST", "/api/v2/cmdb/system.dhcp/server?vdom=root", map[string]any{"id": 0, "status": "enable", "interface": "vl20-compta",
		"default-gateway": "10.0.20.1", "netmask": "255.255.255.0", "dns-service": "default", "lease-time": 86400,
		"ip-range": []any{map[string]any{"id": 1, "start-ip": "10.0.20.100", "end-ip": "10.0.20.199"}}})
	if m["mkey"] != 1.0 {
		t.Fatalf("dhcp mkey %v", m["mkey"])
	}
	// §3.3 addresses
	for _, b := range []map[string]any{
		{"name": "srv-nas", "type": "ipmask", "subnet": "10.0.40.10 255.255.255.255", "comment": "TrueNAS"},
		{"name": "r-dhcp-invites", "type": "iprange", "start-ip": "10.0.30.100", "end-ip": "10.0.30.199"},
		{"name": "fqdn-updates", "type": "fqdn", "fqdn": "update.example.com"},
		{"name": "net-compta", "subnet": "10.0.20.0/24"},
	} {
		x.ok("POST", "/api/v2/cmdb/firewall/address?vdom=root", b)
	}
	// §3.5 services
	x.ok("POST", "/api/v2/cmdb/firewall.service/custom", map[string]any{"name": "tcp-8006", "protocol": "TCP/UDP/UDP-Lite/SCTP", "tcp-portrange": "8006", "category": "Web Access"})
	x.ok("POST", "/api/v2/cmdb/firewall.service/group", map[string]any{"name": "grp-backup", "member": []any{map[string]any{"name": "SSH"}, map[string]any{"name": "tcp-8006"}}})
	// §3.6 policy
	m = x.ok("POST", "/api/v2/cmdb/firewall/policy?vdom=root", map[string]any{"policyid": 0, "name": "compta-to-srv",
		"srcintf": []any{map[string]any{"name": "vl20-compta"}}, "dstintf": []any{map[string]any{"name": "vl40-srv"}},
		"srcaddr": []any{map[string]any{"name": "net-compta"}}, "dstaddr": []any{map[string]any{"name": "srv-nas"}},
		"service": []any{map[string]any{"name": "HTTPS"}}, "action": "accept", "schedule": "always", "nat": "disable", "logtraffic": "all",
		"utm-status": "enable", "inspection-mode": "flow", "av-profile": "default", "ips-sensor": "default", "ssl-ssh-profile": "certificate-inspection"})
	if m["mkey"] != 1.0 || m["http_method"] != "POST" {
		t.Fatalf("policy envelope %v", m)
	}
	// §3.7 VIP
	x.ok("POST", "/api/v2/cmdb/firewall/vip", map[string]any{"name": "vip-ztna-443", "extintf": "wan1", "extip": "203.0.113.10",
		"mappedip": []any{map[string]any{"range": "10.0.40.20"}}, "portforward": "enable", "protocol": "tcp", "extport": "8443", "mappedport": "443"})

	// §2.4 list envelope
	m = x.ok("GET", "/api/v2/cmdb/firewall/address?format=name|comment&filter=name=@NAS", nil)
	want = []string{"build", "http_method", "http_status", "limit_reached", "matched_count", "name", "next_idx", "path", "results", "revision", "serial", "size", "status", "vdom", "version"}
	res := m["results"].([]any)
	if !slices.Equal(keys(m), want) || m["matched_count"] != 1.0 || len(res) != 1 {
		t.Fatalf("list envelope: %v", m)
	}
	if r := res[0].(map[string]any); !slices.Equal(keys(r), []string{"comment", "name", "q_origin_key"}) || r["q_origin_key"] != "srv-nas" {
		t.Fatalf("formatted record %v", r)
	}
	// read-back canonical forms
	m = x.ok("GET", "/api/v2/cmdb/system/interface/vl40-srv", nil)
	if r := m["results"].([]any)[0].(map[string]any); r["ip"] != "10.0.40.1 255.255.255.0" {
		t.Fatalf("ip read back as %v", r["ip"])
	}
	m = x.ok("GET", "/api/v2/cmdb/system/interface/vl20-compta", nil)
	if r := m["results"].([]any)[0].(map[string]any); r["allowaccess"] != "ping https" || r["vlanid"] != 20.0 {
		t.Fatalf("interface %v", r)
	}

	// §2.4 not found
	st, v, _ := x.do("GET", "/api/v2/cmdb/firewall/address/Example", "", nil)
	m = v.(map[string]any)
	if st != 404 || m["status"] != "error" || m["http_status"] != 404.0 || m["mkey"] != "Example" || m["error"] != -3.0 {
		t.Fatalf("not found: %d %v", st, m)
	}
	// §2.4 error with CLI detail: unknown reference
	st, v, _ = x.do("POST", "/api/v2/cmdb/firewall/policy", "", map[string]any{"name": "bad", "srcaddr": []any{map[string]any{"name": "homeNetwork"}}})
	m = v.(map[string]any)
	if st != 500 || m["error"] != -651.0 || !strings.Contains(m["cli_error"].(string), "Command fail. Return code -651") || m["revision_changed"] != nil {
		t.Fatalf("invalid reference: %d %v", st, m)
	}
	// no-op PUT keeps the revision
	rev := x.s.Revision()
	m = x.ok("PUT", "/api/v2/cmdb/firewall/address/srv-nas", map[string]any{"comment": "TrueNAS"})
	if m["revision_changed"] != false || x.s.Revision() != rev {
		t.Fatalf("no-op PUT: %v", m)
	}
	// vdom=* answers an array of envelopes; another vdom is unknown
	_, v, _ = x.do("GET", "/api/v2/cmdb/firewall/address?vdom=*", "", nil)
	if arr, ok := v.([]any); !ok || len(arr) != 1 {
		t.Fatalf("vdom=*: %v", v)
	}
	if st, _, _ := x.do("GET", "/api/v2/cmdb/firewall/address?vdom=cust1", "", nil); st != 404 {
		t.Fatalf("unknown vdom: %d", st)
	}
	// escaped keys
	x.ok("POST", "/api/v2/cmdb/firewall/address", map[string]any{"name": "a/b c", "subnet": "10.7.0.0/16"})
	x.ok("GET", "/api/v2/cmdb/firewall/address/a%2Fb%20c", nil)
	// schema and defaults
	m = x.ok("GET", "/api/v2/cmdb/firewall/addrgrp?action=schema", nil)
	sch := m["results"].(map[string]any)
	if sch["mkey"] != "name" || sch["category"] != "table" || sch["children"].(map[string]any)["member"] == nil {
		t.Fatalf("schema %v", keys(sch))
	}
	m = x.ok("GET", "/api/v2/cmdb/router/static?action=default", nil)
	if m["results"].(map[string]any)["distance"] != 10.0 {
		t.Fatalf("defaults %v", m["results"])
	}
	// clone and move
	x.ok("POST", "/api/v2/cmdb/firewall/address/srv-nas?action=clone&nkey=srv-nas2", nil)
	x.ok("POST", "/api/v2/cmdb/firewall/policy", map[string]any{"name": "p2", "srcintf": []any{map[string]any{"name": "any"}},
		"dstintf": []any{map[string]any{"name": "any"}}, "srcaddr": []any{map[string]any{"name": "all"}}, "dstaddr": []any{map[string]any{"name": "all"}},
		"service": []any{map[string]any{"name": "ALL"}}, "schedule": "always"})
	x.ok("PUT", "/api/v2/cmdb/firewall/policy/2?action=move&before=1", nil)
	if got := x.s.PolicyOrder(); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("order %v", got)
	}
	// secrets read back as ENC
	x.ok("POST", "/api/v2/cmdb/user/local", map[string]any{"name": "alice", "type": "password", "passwd": "hunter2"})
	if o, _ := x.s.Object("user/local", "alice"); !strings.HasPrefix(o["passwd"].(string), "ENC ") {
		t.Fatalf("passwd %v", o["passwd"])
	}
}

func TestFilters(t *testing.T) {
	x := newSim(t, fortigatetest.WithoutFactoryData())
	for i, n := range []string{"Alpha", "beta", "gamma.1", "delta,2"} {
		x.ok("POST", "/api/v2/cmdb/firewall/address", map[string]any{"name": n, "color": i, "comment": "t"})
	}
	names := func(q string) []string {
		m := x.ok("GET", "/api/v2/cmdb/firewall/address?filter=comment==t&"+q, nil)
		var out []string
		for _, r := range m["results"].([]any) {
			out = append(out, r.(map[string]any)["name"].(string))
		}
		return out
	}
	cases := map[string][]string{
		"filter=name==alpha":                       nil,
		"filter=name=*alpha":                       {"Alpha"},
		"filter=name!=beta&filter=color<2":         {"Alpha"},
		"filter=name=@A":                           {"Alpha", "beta", "gamma.1", "delta,2"},
		"filter=name!@a":                           nil,
		"filter=name==beta,name==Alpha":            {"Alpha", "beta"},
		"filter=name==gamma%5C.1":                  {"gamma.1"},
		"filter=name==delta%5C,2":                  {"delta,2"},
		"filter=color>=2":                          {"gamma.1", "delta,2"},
		"sort=color,dsc&count=2":                   {"delta,2", "gamma.1"},
		"start=1&count=2":                          {"beta", "gamma.1"},
		"filter=name!*BETA&filter=color%3E0":       {"gamma.1", "delta,2"},
		"filter=name=@amm&format=name%7Cbogusattr": {"gamma.1"},
	}
	for q, want := range cases {
		if got := names(q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	if st, _, _ := x.do("GET", "/api/v2/cmdb/firewall/address?start=9", "", nil); st != 400 {
		t.Errorf("start beyond the table: %d", st)
	}
}

func TestLockoutAndQueryToken(t *testing.T) {
	x := newSim(t)
	for i := range 3 {
		if st, _, _ := x.do("GET", "/api/v2/monitor/system/status", "nope", nil); st != 401 {
			t.Fatalf("bad token %d: %d", i, st)
		}
	}
	st, _, raw := x.do("GET", "/api/v2/monitor/system/status", "", nil)
	if st != 429 || !strings.Contains(raw, "Maximum failed authentications") {
		t.Fatalf("after 3 failures: %d %s", st, raw)
	}
	x.s.ResetLockout()
	if st, _, _ := x.do("GET", "/api/v2/monitor/system/status?access_token="+x.s.Token(), "-", nil); st != 401 {
		t.Fatalf("query token accepted while rest-api-key-url-query is disabled: %d", st)
	}
	x.ok("PUT", "/api/v2/cmdb/system/global", map[string]any{"rest-api-key-url-query": "enable"})
	if st, _, _ := x.do("GET", "/api/v2/monitor/system/status?access_token="+x.s.Token(), "-", nil); st != 200 {
		t.Fatalf("query token refused once enabled: %d", st)
	}
}

func TestTransactionProtocol(t *testing.T) {
	x := newSim(t)
	m := x.ok("POST", "/api/v2/cmdb?action=transaction-start&vdom=root", map[string]any{"timeout": 60})
	id := m["results"].(map[string]any)["transaction-id"].(float64)
	if m["action"] != "transaction-start" || id < 1 {
		t.Fatalf("start %v", m)
	}
	tid := fmt.Sprint(id)
	m = x.ok("POST", "/api/v2/cmdb/firewall/address", map[string]any{"name": "t1"}, "X-TRANSACTION-ID", tid)
	if m["revision_changed"] != false {
		t.Fatalf("write in txn: %v", m)
	}
	// a second transaction cannot touch the locked table
	m2 := x.ok("POST", "/api/v2/cmdb?action=transaction-start", map[string]any{"timeout": 60})
	id2 := fmt.Sprint(m2["results"].(map[string]any)["transaction-id"])
	if st, _, _ := x.do("POST", "/api/v2/cmdb/firewall/address", "", map[string]any{"name": "t2"}, "X-TRANSACTION-ID", id2); st != 500 {
		t.Fatalf("locked table: %d", st)
	}
	m = x.ok("GET", "/api/v2/cmdb?action=transaction-list", nil)
	if len(m["results"].([]any)) != 2 {
		t.Fatalf("list %v", m)
	}
	m = x.ok("GET", "/api/v2/cmdb?action=transaction-show&transaction-id="+tid, nil)
	if !slices.Contains(m["results"].([]any), any(" config firewall address")) {
		t.Fatalf("show %v", m["results"])
	}
	x.ok("POST", "/api/v2/cmdb?action=transaction-commit", map[string]any{"transaction_id": id})
	x.ok("POST", "/api/v2/cmdb?action=transaction-abort", map[string]any{"transaction-id": m2["results"].(map[string]any)["transaction-id"]})
	if _, ok := x.s.Object("firewall/address", "t1"); !ok || x.s.OpenTransactions() != 0 {
		t.Fatal("commit")
	}
	// transaction-show does not exist before 7.4.1
	old := newSim(t, fortigatetest.WithVersion("v7.2.8", 1639))
	old.ok("POST", "/api/v2/cmdb?action=transaction-start", map[string]any{"timeout": 5})
	if st, _, _ := old.do("GET", "/api/v2/cmdb?action=transaction-show&transaction-id=1", "", nil); st != 400 {
		t.Fatalf("show on 7.2.8: %d", st)
	}
}

func TestCallCountersAndTLS(t *testing.T) {
	s := fortigatetest.NewTestServer(t)
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || len(s.Fingerprint()) != 64 {
		t.Fatalf("%s %s", s.URL(), s.Fingerprint())
	}
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := c.Addresses.Create(ctx, fortigate.Address{Name: fmt.Sprintf("c%d", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := s.Faults().Calls("POST /api/v2/cmdb/firewall/address"); n != 8 {
		t.Fatalf("counter %d", n)
	}
	if _, err := fortigatetest.NewServer(fortigatetest.WithToken("")); err == nil {
		t.Fatal("empty token accepted")
	}
	_ = sitekit.ErrNotFound
}

// FortiOS refuses an interface subnet overlapping another interface's (-506): the factory
// dmz port of an 80F holds 10.10.10.1/24.
func TestInterfaceSubnetOverlap(t *testing.T) {
	s := fortigatetest.NewTestServer(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	vlan := func(name string, id int, cidr string) fortigate.Interface {
		ip, err := fortigate.ParseIPMask(cidr)
		if err != nil {
			t.Fatal(err)
		}
		return fortigate.Interface{Name: name, VDOM: "root", Type: "vlan", Interface: "internal", VLANID: id, Mode: "static", IP: ip}
	}
	_, err = c.Interfaces.Create(ctx, vlan("mgmt", 10, "10.10.10.254/24"))
	var ae *fortigate.APIError
	if !errors.As(err, &ae) || ae.Code != -506 || !errors.Is(err, sitekit.ErrInvalid) {
		t.Fatalf("overlap with dmz accepted or wrong error: %v", err)
	}
	if _, err := c.Interfaces.Update(ctx, "dmz", fortigate.Interface{IP: fortigate.IPMask{Prefix: netip.MustParsePrefix("192.168.99.1/24")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Interfaces.Create(ctx, vlan("mgmt", 10, "10.10.10.254/24")); err != nil {
		t.Fatalf("after moving dmz away: %v", err)
	}
}
