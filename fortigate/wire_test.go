package fortigate_test

// Wire-level tests: a plain httptest mux (not the simulator) asserts the method, path,
// query and body of each request and answers with envelopes copied from the FortiOS
// reference (FNDN tutorial and batch-transaction examples, Fortinet's Terraform provider
// and Ansible collection fixtures, the prometheus fortigate_exporter captures). A client
// and a simulator written together cannot then agree on a wrong shape.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wireToken = "wire-test-token"

type wire struct {
	t   *testing.T
	mux *http.ServeMux
	c   *fortigate.Client
}

func newWire(t *testing.T, opts ...sitekit.Option) *wire {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret(wireToken)), fortigate.WithVDOM("root"),
		sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1})}
	c, err := fortigate.New(srv.URL, append(base, opts...)...)
	require.NoError(t, err)
	return &wire{t: t, mux: mux, c: c}
}

// expect registers one route: the request must have method and escaped path, carry
// exactly query, and, when body is not "", a JSON body equal to it; the answer is status
// and reply.
func (w *wire) expect(method, path string, query url.Values, body string, status int, reply string) {
	t := w.t
	w.mux.HandleFunc(path, func(rw http.ResponseWriter, r *http.Request) {
		assert.Equal(t, method, r.Method, path)
		assert.Equal(t, path, r.URL.EscapedPath())
		assert.Equal(t, query, r.URL.Query(), "query of %s %s", method, path)
		assert.Equal(t, "Bearer "+wireToken, r.Header.Get("Authorization"))
		got, _ := io.ReadAll(r.Body)
		if body != "" {
			assert.JSONEq(t, body, string(got), "body of %s %s", method, path)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		} else {
			assert.Empty(t, string(got), "body of %s %s", method, path)
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		_, _ = io.WriteString(rw, reply)
	})
}

var vdomRoot = url.Values{"vdom": {"root"}}

func q(kv ...string) url.Values {
	v := url.Values{"vdom": {"root"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// writeOK is the FNDN write envelope (batch example, FortiOS 7.4.1) with mkey.
func writeOK(method, path, name, mkey string) string {
	return `{"http_method":"` + method + `","revision":"c63617e0167c28ac6b3dba21da9ffdac","revision_changed":true,
 "old_revision":"9de5069c5afe602b2ea0a04b66beb2c0","mkey":` + mkey + `,"status":"success","http_status":200,
 "vdom":"root","path":"` + path + `","name":"` + name + `","serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`
}

func list(path, name, results string) string {
	return `{"http_method":"GET","size":1,"limit_reached":false,"matched_count":1,"next_idx":0,
 "revision":"bd002ee1735120907182831e7528dc8b","results":` + results + `,
 "vdom":"root","path":"` + path + `","name":"` + name + `","status":"success","http_status":200,
 "serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`
}

// TestWireListFilterFormat replays the FNDN "your first API call" list: format is a pipe
// list, filter a repeated parameter, and the envelope's records carry q_origin_key.
func TestWireListFilterFormat(t *testing.T) {
	w := newWire(t)
	w.expect("GET", "/api/v2/cmdb/firewall/address", q("format", "name|comment", "filter", "name=@SSLVPN", "sort", "name,dsc", "start", "2", "count", "5"), "", 200,
		`{"http_method":"GET","size":17,"limit_reached":false,"matched_count":1,"next_idx":5,
 "revision":"bd002ee1735120907182831e7528dc8b",
 "results":[{"name":"SSLVPN_TUNNEL_ADDR1","q_origin_key":"SSLVPN_TUNNEL_ADDR1","comment":""}],
 "vdom":"root","path":"firewall","name":"address","status":"success","http_status":200,
 "serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`)
	got, err := w.c.Addresses.List(context.Background(), &fortigate.ListOptions{Filter: []string{"name=@SSLVPN"}, Format: []string{"name", "comment"},
		Sort: []string{"name,dsc"}, Start: 2, Count: 5})
	require.NoError(t, err)
	assert.Equal(t, []fortigate.Address{{Name: "SSLVPN_TUNNEL_ADDR1"}}, got)
}

// TestWireAddresses: the §3.3 address bodies; POST answers the mkey only, so Create
// returns what it sent; GET by key answers an array of one; a missing key answers the
// rapid7-captured 404 envelope.
func TestWireAddresses(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("POST", "/api/v2/cmdb/firewall/address", vdomRoot, `{"name":"srv-nas","type":"ipmask","subnet":"10.0.40.10 255.255.255.255","comment":"TrueNAS"}`,
		200, writeOK("POST", "firewall", "address", `"srv-nas"`))
	w.expect("GET", "/api/v2/cmdb/firewall/address/srv-nas", vdomRoot, "", 200,
		list("firewall", "address", `[{"name":"srv-nas","q_origin_key":"srv-nas","uuid":"5cb3c5a4-2a4c-51ee-3f0e-7b1cd2c3c1de","type":"ipmask","subnet":"10.0.40.10 255.255.255.255","comment":"TrueNAS","color":0}]`))
	w.expect("DELETE", "/api/v2/cmdb/firewall/address/Example", vdomRoot, "", 404,
		`{"http_method":"DELETE","revision":"e8e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3","status":"error","http_status":404,"vdom":"root","path":"firewall","name":"address","mkey":"Example","serial":"FGVM02TM20000000","version":"v6.2.3","build":1066}`)
	w.expect("PUT", "/api/v2/cmdb/firewall/address/lan%201%2F8", vdomRoot, `{"comment":""}`, 200, writeOK("PUT", "firewall", "address", `"lan 1/8"`))

	a, err := w.c.Addresses.Create(ctx, fortigate.Address{Name: "srv-nas", Type: "ipmask", Subnet: fortigate.MustIPMask("10.0.40.10/32"), Comment: "TrueNAS"})
	require.NoError(t, err)
	assert.Equal(t, "srv-nas", a.Name)
	got, err := w.c.Addresses.Get(ctx, "srv-nas")
	require.NoError(t, err)
	assert.Equal(t, "5cb3c5a4-2a4c-51ee-3f0e-7b1cd2c3c1de", got.UUID)
	assert.Equal(t, "10.0.40.10 255.255.255.255", got.Subnet.FortiOS())
	err = w.c.Addresses.Delete(ctx, "Example")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	var ae *fortigate.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Example", ae.MKey)
	assert.Equal(t, "v6.2.3", ae.Version)
	// keys are percent-encoded as one path segment, "/" and space included
	require.NoError(t, w.c.Addresses.Patch(ctx, "lan 1/8", map[string]any{"comment": ""}))
}

// TestWirePolicies: the §3.6 policy body with policyid 0 (omitted: auto-allocation), the
// POST answer's numeric mkey (7) filled into Create's result, the FNDN −651 error, and
// the move query (PUT …/policy/<id>?action=move&before=<id>, empty body).
func TestWirePolicies(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("POST", "/api/v2/cmdb/firewall/policy", vdomRoot, `{"name":"compta-to-srv","srcintf":[{"name":"vl20-compta"}],"dstintf":[{"name":"vl40-srv"}],
 "srcaddr":[{"name":"net-compta"}],"dstaddr":[{"name":"srv-nas"}],"service":[{"name":"HTTPS"}],
 "action":"accept","schedule":"always","nat":"disable","logtraffic":"all",
 "utm-status":"enable","inspection-mode":"flow","av-profile":"default","ips-sensor":"default",
 "ssl-ssh-profile":"certificate-inspection"}`, 200, writeOK("POST", "firewall", "policy", `7`))
	w.expect("PUT", "/api/v2/cmdb/firewall/policy/7", q("action", "move", "before", "3"), "", 200, writeOK("PUT", "firewall", "policy", `7`))
	w.expect("PUT", "/api/v2/cmdb/firewall/policy/8", vdomRoot, `{"srcaddr":[{"name":"homeNetwork"}]}`, 500,
		`{"http_method":"PUT","revision":"d9f1c0e2b3a4f5e6d7c8b9a0f1e2d3c4","revision_changed":false,
 "cli_error":"node_check_object fail! for name homeNetwork\n\nvalue parse error before 'homeNetwork'\nCommand fail. Return code -651\n",
 "error":-651,"status":"error","http_status":500,"vdom":"root","path":"firewall","name":"policy",
 "serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`)

	p, err := w.c.Policies.Create(ctx, fortigate.Policy{Name: "compta-to-srv", SrcIntf: fortigate.Refs("vl20-compta"), DstIntf: fortigate.Refs("vl40-srv"),
		SrcAddr: fortigate.Refs("net-compta"), DstAddr: fortigate.Refs("srv-nas"), Service: fortigate.Refs("HTTPS"), Action: "accept",
		Schedule: "always", NAT: "disable", LogTraffic: "all", UTMStatus: "enable", InspectionMode: "flow", AVProfile: "default",
		IPSSensor: "default", SSLSSHProfile: "certificate-inspection"})
	require.NoError(t, err)
	assert.Equal(t, 7, p.PolicyID, "the allocated id from the answer's mkey")
	assert.Equal(t, "compta-to-srv", p.Name)
	require.NoError(t, w.c.Policies.Move(ctx, 7, fortigate.Before, 3))
	_, err = w.c.Policies.Update(ctx, 8, fortigate.Policy{SrcAddr: fortigate.Refs("homeNetwork")})
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	var ae *fortigate.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -651, ae.Code)
	assert.Equal(t, 500, ae.StatusCode)
	assert.Contains(t, ae.CLIError, "Return code -651")
}

// TestWireFamilies: every other CMDB family POSTs its reference body to its own path
// (dotted paths for multi-level CLI trees) and Create fills in the answered key.
func TestWireFamilies(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("POST", "/api/v2/cmdb/system/interface", vdomRoot, `{"name":"vl20-compta","vdom":"root","type":"vlan","interface":"internal","vlanid":20,"mode":"static",
 "ip":"10.0.20.1 255.255.255.0","allowaccess":"ping https","role":"lan","device-identification":"enable",
 "alias":"Comptabilite","status":"up"}`, 200, writeOK("POST", "system", "interface", `"vl20-compta"`))
	w.expect("POST", "/api/v2/cmdb/system.dhcp/server", vdomRoot, `{"status":"enable","interface":"vl20-compta","default-gateway":"10.0.20.1","netmask":"255.255.255.0",
 "dns-service":"default","lease-time":86400,"ip-range":[{"id":1,"start-ip":"10.0.20.100","end-ip":"10.0.20.199"}]}`, 200, writeOK("POST", "system.dhcp", "server", `3`))
	w.expect("POST", "/api/v2/cmdb/firewall.service/custom", vdomRoot, `{"name":"tcp-8006","protocol":"TCP/UDP/UDP-Lite/SCTP","tcp-portrange":"8006","category":"Web Access"}`,
		200, writeOK("POST", "firewall.service", "custom", `"tcp-8006"`))
	w.expect("POST", "/api/v2/cmdb/firewall.service/group", vdomRoot, `{"name":"grp-backup","member":[{"name":"SSH"},{"name":"tcp-8006"}]}`,
		200, writeOK("POST", "firewall.service", "group", `"grp-backup"`))
	w.expect("POST", "/api/v2/cmdb/firewall/vip", vdomRoot, `{"name":"vip-ztna-443","extintf":"wan1","extip":"203.0.113.10","mappedip":[{"range":"10.0.40.20"}],
 "portforward":"enable","protocol":"tcp","extport":"8443","mappedport":"443"}`, 200, writeOK("POST", "firewall", "vip", `"vip-ztna-443"`))
	w.expect("POST", "/api/v2/cmdb/firewall/addrgrp", vdomRoot, `{"name":"g-srv","member":[{"name":"srv-nas"}]}`, 200, writeOK("POST", "firewall", "addrgrp", `"g-srv"`))
	w.expect("POST", "/api/v2/cmdb/router/static", vdomRoot, `{"dst":"0.0.0.0 0.0.0.0","gateway":"198.51.100.1","device":"wan1"}`, 200, writeOK("POST", "router", "static", `1`))
	w.expect("POST", "/api/v2/cmdb/system/zone", vdomRoot, `{"name":"z-lan","interface":[{"interface-name":"vl20-compta"}],"intrazone":"deny"}`, 200, writeOK("POST", "system", "zone", `"z-lan"`))
	w.expect("POST", "/api/v2/cmdb/user/local", vdomRoot, `{"name":"alice","type":"password","passwd":"s3cret"}`, 200, writeOK("POST", "user", "local", `"alice"`))
	w.expect("POST", "/api/v2/cmdb/user/group", vdomRoot, `{"name":"teleworkers","group-type":"firewall","member":[{"name":"alice"}]}`, 200, writeOK("POST", "user", "group", `"teleworkers"`))
	w.expect("POST", "/api/v2/cmdb/endpoint-control/fctems", vdomRoot, `{"ems-id":1,"status":"enable","name":"ems","server":"10.0.20.30"}`, 200, writeOK("POST", "endpoint-control", "fctems", `1`))
	w.expect("POST", "/api/v2/cmdb/firewall/access-proxy", vdomRoot, `{"name":"ztna-erp","vip":"vip-ztna-443","api-gateway":[{"url-map":"/","service":"tcp-forwarding","realservers":[{"ip":"10.0.20.10","port":3389}]}]}`,
		200, writeOK("POST", "firewall", "access-proxy", `"ztna-erp"`))
	w.expect("POST", "/api/v2/cmdb/ztna/web-proxy", vdomRoot, `{"name":"wp1","vip":"vip-ztna-443"}`, 200, writeOK("POST", "ztna", "web-proxy", `"wp1"`))

	iface, err := w.c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl20-compta", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 20, Mode: "static",
		IP: fortigate.MustIPMask("10.0.20.1/24"), AllowAccess: fortigate.Options{"ping", "https"}, Role: "lan", DeviceIdentification: "enable",
		Alias: "Comptabilite", Status: "up"})
	require.NoError(t, err)
	assert.Equal(t, "vl20-compta", iface.Name)
	dhcp, err := w.c.DHCPServers.Create(ctx, fortigate.DHCPServer{Status: "enable", Interface: "vl20-compta", DefaultGateway: "10.0.20.1",
		Netmask: "255.255.255.0", DNSService: "default", LeaseTime: 86400, IPRange: []fortigate.DHCPRange{{ID: 1, StartIP: "10.0.20.100", EndIP: "10.0.20.199"}}})
	require.NoError(t, err)
	assert.Equal(t, 3, dhcp.ID)
	_, err = w.c.Services.Create(ctx, fortigate.Service{Name: "tcp-8006", Protocol: "TCP/UDP/UDP-Lite/SCTP", TCPPortRange: "8006", Category: "Web Access"})
	require.NoError(t, err)
	_, err = w.c.ServiceGroups.Create(ctx, fortigate.ServiceGroup{Name: "grp-backup", Member: fortigate.Refs("SSH", "tcp-8006")})
	require.NoError(t, err)
	_, err = w.c.VIPs.Create(ctx, fortigate.VIP{Name: "vip-ztna-443", ExtIntf: "wan1", ExtIP: "203.0.113.10", MappedIP: []fortigate.VIPRange{{Range: "10.0.40.20"}},
		PortForward: "enable", Protocol: "tcp", ExtPort: "8443", MappedPort: "443"})
	require.NoError(t, err)
	_, err = w.c.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "g-srv", Member: fortigate.Refs("srv-nas")})
	require.NoError(t, err)
	route, err := w.c.StaticRoutes.Create(ctx, fortigate.StaticRoute{Dst: fortigate.MustIPMask("0.0.0.0/0"), Gateway: "198.51.100.1", Device: "wan1"})
	require.NoError(t, err)
	assert.Equal(t, 1, route.SeqNum)
	_, err = w.c.Zones.Create(ctx, fortigate.Zone{Name: "z-lan", Interface: fortigate.ZoneMembers("vl20-compta"), Intrazone: "deny"})
	require.NoError(t, err)
	_, err = w.c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "alice", Type: "password", Passwd: sitekit.NewSecret("s3cret")})
	require.NoError(t, err)
	_, err = w.c.UserGroups.Create(ctx, fortigate.UserGroup{Name: "teleworkers", GroupType: "firewall", Member: fortigate.Refs("alice")})
	require.NoError(t, err)
	ems, err := w.c.EMSConnectors.Create(ctx, fortigate.EMSConnector{EMSID: 1, Status: "enable", Name: "ems", Server: "10.0.20.30"})
	require.NoError(t, err)
	assert.Equal(t, 1, ems.EMSID)
	_, err = w.c.AccessProxies.Create(ctx, fortigate.AccessProxy{Name: "ztna-erp", VIP: "vip-ztna-443", APIGateway: []fortigate.AccessProxyGateway{{
		URLMap: "/", Service: "tcp-forwarding", RealServers: []fortigate.AccessProxyRealServer{{IP: "10.0.20.10", Port: 3389}}}}})
	require.NoError(t, err)
	_, err = w.c.ZTNAWebProxies.Create(ctx, fortigate.ZTNAWebProxy{Name: "wp1", VIP: "vip-ztna-443"})
	require.NoError(t, err)
}

// TestWireUpdateReadsBack: PUT sends only the fields set, then Update reads the record.
func TestWireUpdateReadsBack(t *testing.T) {
	w := newWire(t)
	w.expect("PUT", "/api/v2/cmdb/system/global", vdomRoot, `{"hostname":"fw-pessac"}`, 200, writeOK("PUT", "system", "global", `null`))
	w.mux.HandleFunc("GET /api/v2/cmdb/system/global", func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(rw, `{"http_method":"GET","revision":"c63617e0167c28ac6b3dba21da9ffdac","results":{"hostname":"fw-pessac","timezone":"Europe/Paris","admintimeout":5},
 "vdom":"root","path":"system","name":"global","status":"success","http_status":200,"serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`)
	})
	g, err := w.c.Global.Update(context.Background(), fortigate.Global{Hostname: "fw-pessac"})
	require.NoError(t, err)
	assert.Equal(t, fortigate.Global{Hostname: "fw-pessac", Timezone: "Europe/Paris", AdminTimeout: 5}, g, "singletons answer an object")
}

// TestWireTransactions replays the FNDN batch-transaction protocol: start with a timeout
// in seconds, X-TRANSACTION-ID on CMDB writes, show (7.4.1+), commit with
// "transaction-id" in the body.
func TestWireTransactions(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.mux.HandleFunc("/api/v2/cmdb", func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Query().Get("action") {
		case "transaction-start":
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, q("action", "transaction-start"), r.URL.Query())
			assert.JSONEq(t, `{"timeout":60}`, string(body))
			_, _ = io.WriteString(rw, `{"http_method":"POST","results":{"transaction-id":19},"vdom":"root","action":"transaction-start","status":"success","http_status":200,"serial":"FG5H1E5818906668","version":"v7.4.1","build":2296}`)
		case "transaction-show":
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, q("action", "transaction-show", "transaction-id", "19"), r.URL.Query())
			_, _ = io.WriteString(rw, `{"http_method":"GET","results":[" config vdom"," edit root"," config system interface"],"vdom":"root","action":"transaction-show","status":"success","http_status":200}`)
		case "transaction-commit":
			assert.Equal(t, "POST", r.Method)
			assert.JSONEq(t, `{"transaction-id":19}`, string(body))
			_, _ = io.WriteString(rw, `{"http_method":"POST","vdom":"root","action":"transaction-commit","status":"success","http_status":200}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	})
	w.mux.HandleFunc("POST /api/v2/cmdb/system/interface", func(rw http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "19", r.Header.Get("X-Transaction-Id"))
		_, _ = io.WriteString(rw, `{"http_method":"POST","revision_changed":false,"mkey":"officeNetwork","status":"success","http_status":200,"vdom":"root","path":"system","name":"interface"}`)
	})
	tx, err := w.c.Transactions.Begin(ctx, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 19, tx.ID)
	_, err = tx.Client.Interfaces.Create(ctx, fortigate.Interface{Name: "officeNetwork", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 30})
	require.NoError(t, err)
	lines, err := tx.Show(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{" config vdom", " edit root", " config system interface"}, lines)
	require.NoError(t, tx.Commit(ctx))
}

// TestWireMonitor: monitor paths and queries, with answers shaped as the 7.6.5 swagger
// and the fortigate_exporter captures (status fields in results, serial/version/build in
// the envelope; interfaces as a map keyed by name; policy counters as an array).
func TestWireMonitor(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("GET", "/api/v2/monitor/system/status", vdomRoot, "", 200,
		`{"http_method":"GET","results":{"model_name":"FortiGate","model_number":"80F","model":"FGT80F","hostname":"fw-pessac","log_disk_status":"available"},
 "vdom":"root","path":"system","name":"status","action":"","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}`)
	w.expect("GET", "/api/v2/monitor/system/interface", q("include_vlan", "true", "include_aggregate", "true"), "", 200,
		`{"http_method":"GET","results":{"wan1":{"id":"wan1","name":"wan1","alias":"","mac":"00:09:0f:09:00:01","ip":"198.51.100.2","mask":24,"link":true,"speed":1000.0,"duplex":1,"tx_packets":1,"rx_packets":2,"tx_bytes":3,"rx_bytes":4,"tx_errors":0,"rx_errors":0}},
 "vdom":"root","path":"system","name":"interface","action":"select","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}`)
	w.expect("GET", "/api/v2/monitor/firewall/policy", q("ip_version", "ipv4", "policyid", "7"), "", 200,
		`{"http_method":"GET","results":[{"policyid":7,"uuid":"a1b2","active_sessions":3,"bytes":1000,"packets":10,"hit_count":42,"session_count":5}],
 "vdom":"root","path":"firewall","name":"policy","action":"select","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}`)
	w.expect("GET", "/api/v2/monitor/endpoint-control/ems/status", q("ems_id", "1"), "", 200,
		`{"http_method":"GET","results":[{"ems_id":1,"ems_name":"ems","ems_serial":"FCTEMS0000000001","ems_tenant_id":"","ems_status_id":1,"ems_status":"success","ems_is_connected":true,"ems_is_verified":true}],
 "vdom":"root","path":"endpoint-control","name":"ems","action":"status","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}`)
	w.expect("POST", "/api/v2/monitor/endpoint-control/ems/verify-cert", vdomRoot, `{"ems_id":1,"fingerprint":"AB:CD"}`, 200,
		`{"http_method":"POST","results":{},"vdom":"root","path":"endpoint-control","name":"ems","action":"verify-cert","status":"success","http_status":200}`)
	w.mux.HandleFunc("/api/v2/monitor/system/config/backup", func(rw http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "POST", r.Method, "POST from FortiOS 7.0, GET refused from 7.4.5")
		body, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"scope":"global","destination":"file","file_format":"fos"}`, string(body))
		rw.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(rw, "#config-version=FGT80F-7.6.5-FW-build3651-250101:opmode=0:vdom=0\nconfig system global\nend\n")
	})

	st, err := w.c.Monitor.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, fortigate.SystemStatus{ModelName: "FortiGate", ModelNumber: "80F", Model: "FGT80F", Hostname: "fw-pessac", LogDiskStatus: "available",
		Serial: "FGT80FTK22000001", Version: "v7.6.5", Build: 3651}, st)
	ifs, err := w.c.Monitor.Interfaces(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 24, ifs["wan1"].Mask)
	assert.True(t, ifs["wan1"].Link)
	stats, err := w.c.Monitor.PolicyStats(ctx, 7)
	require.NoError(t, err)
	require.Len(t, stats, 1)
	assert.EqualValues(t, 42, stats[0].HitCount)
	ems, err := w.c.Monitor.EMSStatus(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "success", ems.Status)
	assert.True(t, ems.IsVerified)
	require.NoError(t, w.c.Monitor.VerifyEMSCert(ctx, 1, "AB:CD"))
	cfg, err := w.c.Monitor.Backup(ctx, fortigate.BackupOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(cfg), "config system global")
}

// TestWireAuthErrors: a bad token answers 401 (not retried, it feeds the lockout), a
// locked-out source the web server's HTML 429 page, a missing permission 403.
func TestWireAuthErrors(t *testing.T) {
	w := newWire(t, sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 3}))
	calls := 0
	w.mux.HandleFunc("/api/v2/cmdb/firewall/address", func(rw http.ResponseWriter, r *http.Request) {
		calls++
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(401)
		_, _ = io.WriteString(rw, `{"http_status":401,"status":"error","http_method":"GET"}`)
	})
	w.mux.HandleFunc("/api/v2/cmdb/firewall/vip", func(rw http.ResponseWriter, r *http.Request) {
		calls++
		rw.Header().Set("Content-Type", "text/html")
		rw.WriteHeader(429)
		_, _ = io.WriteString(rw, "<html><head><title>429 Too Many Requests</title></head><body>Access temporarily blocked: Maximum failed authentications reached</body></html>")
	})
	_, err := w.c.Addresses.List(context.Background(), nil)
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	assert.Equal(t, 1, calls, "a 401 is not retried")
	_, err = w.c.VIPs.List(context.Background(), nil)
	require.ErrorIs(t, err, sitekit.ErrRateLimited)
	assert.Equal(t, 2, calls, "a 429 lockout is not retried")
}

// TestWirePerVDOM: with vdom=* (or a list) FortiOS answers a JSON array of per-VDOM
// envelopes (the fortigate_exporter captures of fw-policy-v4, interface and router on
// multi-VDOM units); with global=1 too (Fortinet's fortiosapi and Ansible collection read
// element [0]). One VDOM's error stays in that VDOM's element.
func TestWirePerVDOM(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("GET", "/api/v2/cmdb/firewall/policy", url.Values{"vdom": {"*"}, "format": {"policyid|name"}}, "", 200, `[
 {"http_method":"GET","results":[{"policyid":1,"q_origin_key":1,"name":"lan-out"}],"vdom":"root","path":"firewall","name":"policy","status":"success","http_status":200,"serial":"FGT80FTK22000001","version":"v7.6.5","build":3651},
 {"http_method":"GET","results":[{"policyid":4,"q_origin_key":4,"name":"cust2-out"},{"policyid":5,"q_origin_key":5,"name":"cust2-vpn"}],"vdom":"cust2","path":"firewall","name":"policy","status":"success","http_status":200,"serial":"FGT80FTK22000001","version":"v7.6.5","build":3651},
 {"http_method":"GET","vdom":"cust3","path":"firewall","name":"policy","status":"error","http_status":403,"error":-37,"serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}]`)
	w.expect("GET", "/api/v2/monitor/system/status", url.Values{"vdom": {"root,cust2"}}, "", 200, `[
 {"http_method":"GET","results":{"model_name":"FortiGate","model_number":"80F","model":"FGT80F","hostname":"fw-msp","log_disk_status":"available"},"vdom":"root","path":"system","name":"status","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651},
 {"http_method":"GET","results":{"model_name":"FortiGate","model_number":"80F","model":"FGT80F","hostname":"fw-msp","log_disk_status":"available"},"vdom":"cust2","path":"system","name":"status","status":"success","serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}]`)
	w.expect("GET", "/api/v2/cmdb/system/global", url.Values{"global": {"1"}}, "", 200, `[
 {"http_method":"GET","results":{"hostname":"fw-msp","vdom-mode":"multi-vdom"},"vdom":"root","path":"system","name":"global","status":"success","http_status":200,"serial":"FGT80FTK22000001","version":"v7.6.5","build":3651}]`)

	pols, err := w.c.Policies.ListPerVDOM(ctx, &fortigate.ListOptions{Format: []string{"policyid", "name"}})
	require.NoError(t, err)
	require.Len(t, pols, 3)
	assert.Equal(t, "root", pols[0].VDOM)
	assert.Equal(t, []fortigate.Policy{{PolicyID: 1, Name: "lan-out"}}, pols[0].Value)
	assert.Equal(t, "cust2", pols[1].VDOM)
	assert.Len(t, pols[1].Value, 2)
	assert.Equal(t, "cust3", pols[2].VDOM)
	require.ErrorIs(t, pols[2].Err, sitekit.ErrUnauthorized)

	sts, err := w.c.Monitor.StatusPerVDOM(ctx, "root", "cust2")
	require.NoError(t, err)
	require.Len(t, sts, 2)
	assert.Equal(t, "cust2", sts[1].VDOM)
	assert.Equal(t, "v7.6.5", sts[1].Value.Version)
	_, err = w.c.Monitor.StatusPerVDOM(ctx, "bad,name")
	require.ErrorIs(t, err, sitekit.ErrInvalid)

	g, err := w.c.RawPerVDOM(ctx, http.MethodGet, "/api/v2/cmdb/system/global", url.Values{"global": {"1"}}, nil)
	require.NoError(t, err)
	require.Len(t, g, 1)
	assert.Equal(t, "root", g[0].VDOM)
	assert.JSONEq(t, `{"hostname":"fw-msp","vdom-mode":"multi-vdom"}`, string(g[0].Value.Results))
}

// TestWireErrorEnvelopeOn200: an envelope with status "error" is an error even when the
// HTTP status says 200, for reads and writes.
func TestWireErrorEnvelopeOn200(t *testing.T) {
	w := newWire(t)
	ctx := context.Background()
	w.expect("GET", "/api/v2/cmdb/firewall/address/x", vdomRoot, "", 200,
		`{"http_method":"GET","status":"error","http_status":404,"error":-3,"vdom":"root","path":"firewall","name":"address","mkey":"x"}`)
	w.expect("DELETE", "/api/v2/cmdb/firewall/address/y", vdomRoot, "", 200,
		`{"http_method":"DELETE","status":"error","http_status":500,"error":-23,"vdom":"root","path":"firewall","name":"address","mkey":"y"}`)
	_, err := w.c.Addresses.Get(ctx, "x")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	err = w.c.Addresses.Delete(ctx, "y")
	require.ErrorIs(t, err, sitekit.ErrInUse)
	var ae *fortigate.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "y", ae.MKey)
}
