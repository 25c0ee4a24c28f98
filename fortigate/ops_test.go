package fortigate_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func policy(name string) fortigate.Policy {
	return fortigate.Policy{Name: name, SrcIntf: fortigate.Refs("internal"), DstIntf: fortigate.Refs("wan1"), SrcAddr: fortigate.Refs("all"),
		DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Schedule: "always", Action: "accept"}
}

func TestPolicyMoveAndEnsureOrder(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	var ids []int
	for _, n := range []string{"p1", "p2", "p3", "p4", "p5"} {
		p, err := c.Policies.Create(ctx, policy(n))
		require.NoError(t, err)
		ids = append(ids, p.PolicyID)
	}
	require.Equal(t, []int{1, 2, 3, 4, 5}, ids, "FortiOS allocates policy ids in sequence")
	require.NoError(t, c.Policies.Move(ctx, 5, fortigate.Before, 1))
	assert.Equal(t, []int{5, 1, 2, 3, 4}, s.PolicyOrder())
	require.NoError(t, c.Policies.Move(ctx, 5, fortigate.After, 4))
	assert.Equal(t, []int{1, 2, 3, 4, 5}, s.PolicyOrder())
	require.ErrorIs(t, c.Policies.Move(ctx, 5, fortigate.After, 99), sitekit.ErrNotFound, "move after a missing policy")
	n, err := c.Policies.EnsureOrder(ctx, []int{4, 1, 2})
	require.NoError(t, err)
	got := s.PolicyOrder()
	assert.Equal(t, 1, n)
	assert.Less(t, slices.Index(got, 4), slices.Index(got, 1))
	assert.Less(t, slices.Index(got, 1), slices.Index(got, 2))
	n, err = c.Policies.EnsureOrder(ctx, []int{4, 1, 2})
	require.NoError(t, err)
	assert.Zero(t, n, "a second EnsureOrder moves nothing")
	_, err = c.Policies.EnsureOrder(ctx, []int{1, 42})
	require.ErrorIs(t, err, sitekit.ErrInvalid, "unknown id")
}

func TestPlanOrderMinimal(t *testing.T) {
	cases := []struct {
		cur, want []int
		moves     int
	}{
		{[]int{1, 2, 3, 4, 5}, []int{1, 2, 3}, 0},
		{[]int{1, 2, 3, 4, 5}, []int{5, 4, 3, 2, 1}, 4},
		{[]int{1, 2, 3, 4, 5}, []int{2, 3, 4, 5, 1}, 1},
		{[]int{3, 1, 2}, []int{1, 2, 3}, 1},
	}
	for _, tc := range cases {
		moves := fortigate.PlanOrder(tc.cur, tc.want)
		require.Len(t, moves, tc.moves, "%v→%v: %v", tc.cur, tc.want, moves)
		order := slices.Clone(tc.cur)
		for _, m := range moves {
			i := slices.Index(order, m.ID)
			order = slices.Delete(order, i, i+1)
			j := slices.Index(order, m.Ref)
			if m.Pos == fortigate.After {
				j++
			}
			order = slices.Insert(order, j, m.ID)
		}
		last := -1
		for _, id := range tc.want {
			p := slices.Index(order, id)
			require.Greater(t, p, last, "%v→%v: applied %v gives %v", tc.cur, tc.want, moves, order)
			last = p
		}
	}
}

func TestListOptionsAndPaging(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	for _, n := range []string{"net-a", "net-b", "net-c", "host.x"} {
		require.NoError(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: n, Comment: "managed-by sitekit:pessac"})))
	}
	got, err := c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name=@net-", "comment==managed-by sitekit:pessac"}, Format: []string{"name", "comment"}})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.False(t, got[0].Subnet.IsValid(), "format leaves out the subnet")
	got, err = c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name==net-a,name==" + fortigate.FilterEscape("host.x")}})
	require.NoError(t, err)
	assert.Len(t, got, 2, "OR filter")
	var names []string
	for a, err := range c.Addresses.All(ctx, &fortigate.ListOptions{PageSize: 2}) {
		require.NoError(t, err)
		names = append(names, a.Name)
	}
	all, err := c.Addresses.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, names, len(all))
	assert.Equal(t, "host.x", names[len(names)-1])
	n := 0
	for _, err := range c.Zones.All(ctx, nil) { // empty table, default page size
		require.NoError(t, err)
		n++
	}
	for _, err := range c.Services.All(ctx, &fortigate.ListOptions{PageSize: 1000}) {
		require.NoError(t, err)
		n++
	}
	services, err := c.Services.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, services, n, "All over a short table")
	vlans, err := c.Interfaces.VLANs(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, vlans)
}

func TestMemberHelpersAndClone(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	require.NoError(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1"})))
	require.NoError(t, errOf(c.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "g", Member: fortigate.Refs("all")})))
	require.NoError(t, c.AddressGroups.AddMember(ctx, "g", "a1", "all"))
	require.NoError(t, c.AddressGroups.RemoveMember(ctx, "g", "all"))
	g, err := c.AddressGroups.Get(ctx, "g")
	require.NoError(t, err)
	assert.Equal(t, []string{"a1"}, fortigate.RefNames(g.Member))
	require.NoError(t, c.ServiceGroups.AddMember(ctx, "Web Access", "SSH"))
	require.NoError(t, c.Addresses.Clone(ctx, "a1", "a2"))
	ok, err := c.Addresses.Exists(ctx, "a2")
	require.NoError(t, err)
	assert.True(t, ok, "clone")
	require.NoError(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "u", Passwd: sitekit.NewSecret("x")})))
	require.NoError(t, errOf(c.UserGroups.Create(ctx, fortigate.UserGroup{Name: "ug"})))
	require.NoError(t, c.UserGroups.AddMember(ctx, "ug", "u"))
	require.NoError(t, c.UserGroups.RemoveMember(ctx, "ug", "u"))
	// a name with a slash and a space is escaped in the path
	require.NoError(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "lan 10.0.0.0/8", Subnet: fortigate.MustIPMask("10.0.0.0/8")})))
	a, err := c.Addresses.Get(ctx, "lan 10.0.0.0/8")
	require.NoError(t, err)
	assert.Equal(t, "lan 10.0.0.0/8", a.Name)
	require.NoError(t, c.Addresses.Delete(ctx, "lan 10.0.0.0/8"))
}

func TestMonitor(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	p, err := c.Policies.Create(ctx, policy("p"))
	require.NoError(t, err)
	s.SetPolicyCounters(p.PolicyID, 42, 1000, 10, 3)
	stats, err := c.Monitor.PolicyStats(ctx, 0)
	require.NoError(t, err)
	require.Len(t, stats, 2)
	assert.Equal(t, p.PolicyID, stats[0].PolicyID)
	assert.EqualValues(t, 42, stats[0].HitCount)
	assert.Zero(t, stats[1].PolicyID, "the implicit deny")
	st, err := c.Monitor.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, "80F", st.ModelNumber)
	assert.NotEmpty(t, st.Serial)
	assert.Equal(t, 3651, st.Build)
	u, err := c.Monitor.ResourceUsage(ctx, "session", "1-min")
	require.NoError(t, err)
	assert.EqualValues(t, 3, u["session"][0].Current)
	assert.NotEmpty(t, u["session"][0].Historical["1-min"].Values)
	_, err = c.Monitor.ResourceUsage(ctx, "", "2-min")
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	require.NoError(t, errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl10", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 10, IP: fortigate.MustIPMask("10.0.10.1/24")})))
	s.SetLink("wan1", false)
	ifs, err := c.Monitor.Interfaces(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 24, ifs["vl10"].Mask)
	assert.Equal(t, "10.0.10.1", ifs["vl10"].IP)
	assert.False(t, ifs["wan1"].Link)
	assert.True(t, ifs["internal"].Link)
	lic, err := c.Monitor.Licenses(ctx)
	require.NoError(t, err)
	assert.Equal(t, "registered", lic["forticare"].Status)
	assert.EqualValues(t, 10, lic["vdom"].Max)
	cfg, err := c.Monitor.Backup(ctx, fortigate.BackupOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(cfg), "config firewall policy")
	assert.True(t, strings.HasPrefix(string(cfg), "#config-version=FGT80F-7.6.5"), "backup:\n%s", cfg)
	require.NoError(t, errOf(c.EMSConnectors.Create(ctx, fortigate.EMSConnector{EMSID: 2, Name: "ems", Server: "10.0.20.30", Status: "enable"})))
	ems, err := c.Monitor.EMSStatus(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, "not_auth", ems.Status)
	assert.False(t, ems.IsConnected)
	s.SetEMSStatus(2, "success")
	require.NoError(t, c.Monitor.VerifyEMSCert(ctx, 2, "AB:CD"))
	ems, err = c.Monitor.EMSStatus(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, "success", ems.Status)
	assert.True(t, ems.IsConnected)
	assert.True(t, ems.IsVerified)
	assert.True(t, s.EMSCertVerified(2))
	s.SetEMSStatusFunc(func(id int, server, serial string) string { return "auth_denied" })
	ems, err = c.Monitor.EMSStatus(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, "auth_denied", ems.Status)
}

func TestBackupFallsBackToGETBefore745(t *testing.T) {
	for _, v := range []string{"v7.2.8", "v7.6.5"} {
		s, c := newSim(t, fortigatetest.WithVersion(v, 1000))
		cfg, err := c.Monitor.Backup(context.Background(), fortigate.BackupOptions{})
		require.NoError(t, err)
		assert.Contains(t, string(cfg), "config system global")
		if v == "v7.6.5" {
			assert.Zero(t, s.Faults().Calls("GET /api/v2/monitor/system/config/backup"), "no GET on 7.6.5")
		}
	}
	// a 7.4.5+ unit refuses GET with 405
	_, c := newSim(t)
	_, err := c.Raw(context.Background(), "GET", "/api/v2/monitor/system/config/backup", nil, nil)
	var ae *fortigate.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 405, ae.StatusCode)
}

func TestTransactions(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	tx, err := c.Transactions.Begin(ctx, 0)
	require.NoError(t, err)
	a, err := tx.Client.Addresses.Create(ctx, fortigate.Address{Name: "tx-a"})
	require.NoError(t, err)
	assert.Equal(t, "tx-a", a.Name)
	require.NoError(t, errOf(tx.Client.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "tx-g", Member: fortigate.Refs("tx-a")})))
	upd, err := tx.Client.Addresses.Update(ctx, "tx-a", fortigate.Address{Comment: "pending"})
	require.NoError(t, err)
	assert.Equal(t, fortigate.Address{Name: "tx-a", Comment: "pending"}, upd, "inside a transaction Update returns what it sent")
	_, ok := s.Object("firewall/address", "tx-a")
	assert.False(t, ok, "write visible before commit")
	_, err = c.Addresses.Create(ctx, fortigate.Address{Name: "outside"})
	assert.Error(t, err, "table locked by the transaction accepted an outside write")
	lines, err := tx.Show(ctx)
	require.NoError(t, err)
	assert.Contains(t, lines, ` edit "tx-a"`)
	rev := s.Revision()
	require.NoError(t, tx.Commit(ctx))
	_, ok = s.Object("firewall/addrgrp", "tx-g")
	assert.True(t, ok, "commit applied")
	assert.NotEqual(t, rev, s.Revision())
	tx2, err := c.Transactions.Begin(ctx, 30e9)
	require.NoError(t, err)
	require.NoError(t, errOf(tx2.Client.Addresses.Create(ctx, fortigate.Address{Name: "tx-b"})))
	require.NoError(t, tx2.Abort(ctx))
	_, ok = s.Object("firewall/address", "tx-b")
	assert.False(t, ok, "abort applied the write")
	assert.Zero(t, s.OpenTransactions())
	require.ErrorIs(t, tx2.Commit(ctx), sitekit.ErrNotFound, "commit after abort")
}

func TestLocalValidation(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	before := s.Faults().TotalCalls()
	cases := []struct {
		err   error
		field string
	}{
		{errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "this-name-is-too-long", VDOM: "root"})), "Name"},
		{errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 4095})), "VLANID"},
		{errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl", Type: "vlan", VLANID: 5})), "Interface"},
		{errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "x", AllowAccess: fortigate.Options{"ping", "gopher"}})), "AllowAccess"},
		{errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "x", Type: "iprange", StartIP: "10.0.0.1", EndIP: "10.0.0.999"})), "EndIP"},
		{errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "x", Type: "cidr"})), "Type"},
		{errOf(c.DHCPServers.Create(ctx, fortigate.DHCPServer{Interface: "dmz", Netmask: "255.0.255.0"})), "Netmask"},
		{errOf(c.DHCPServers.Create(ctx, fortigate.DHCPServer{Interface: "dmz", IPRange: []fortigate.DHCPRange{{StartIP: "10.0.0.9", EndIP: "10.0.0.1"}}})), "IPRange[0].EndIP"},
		{errOf(c.Services.Create(ctx, fortigate.Service{Name: "s", TCPPortRange: "100-10"})), "TCPPortRange"},
		{errOf(c.Policies.Create(ctx, fortigate.Policy{Name: "p"})), ""},
		{errOf(c.EMSConnectors.Create(ctx, fortigate.EMSConnector{EMSID: 8, Name: "e", Server: "x"})), "EMSID"},
		{errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "nopass"})), "Passwd"},
		{c.Policies.Move(ctx, 1, "above", 2), "pos"},
		{errOf(c.Addresses.Get(ctx, "")), "key"},
		{errOf(c.Global.Update(ctx, fortigate.Global{AdminLockoutThreshold: 11})), "AdminLockoutThreshold"},
	}
	for i, tc := range cases {
		var fe *sitekit.FieldError
		require.ErrorAs(t, tc.err, &fe, "case %d", i)
		assert.ErrorIs(t, tc.err, sitekit.ErrInvalid, "case %d", i)
		if tc.field != "" {
			assert.Equal(t, tc.field, fe.Field, "case %d", i)
		}
	}
	assert.Equal(t, before, s.Faults().TotalCalls(), "local validation does no I/O")
	_, err := fortigate.New("https://fw", sitekit.WithToken(sitekit.NewSecret("t")), fortigate.WithVDOM("bad vdom"))
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	_, err = fortigate.New("https://fw")
	require.ErrorIs(t, err, sitekit.ErrInvalid)
}

func TestIPMask(t *testing.T) {
	for in, want := range map[string]string{"10.0.20.1/24": "10.0.20.1 255.255.255.0", "10.0.20.1 255.255.255.0": "10.0.20.1 255.255.255.0",
		"10.1.2.3": "10.1.2.3 255.255.255.255", "0.0.0.0 0.0.0.0": "0.0.0.0 0.0.0.0"} {
		m, err := fortigate.ParseIPMask(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, m.FortiOS(), in)
	}
	for _, bad := range []string{"10.0.0.1 255.0.255.0", "10.0.0.256/24", "::1/64", "10.0.0.1/33", "x"} {
		_, err := fortigate.ParseIPMask(bad)
		assert.Error(t, err, bad)
	}
}

// IPMask and Options decode escaped and plain JSON strings alike.
func TestJSONStringForms(t *testing.T) {
	var m fortigate.IPMask
	require.NoError(t, json.Unmarshal([]byte(`"10.0.0.1 255.255.255.0"`), &m))
	assert.Equal(t, "10.0.0.1 255.255.255.0", m.FortiOS())
	require.NoError(t, json.Unmarshal([]byte(`"10.0.0.1\u0020255.255.0.0"`), &m))
	assert.Equal(t, "10.0.0.1 255.255.0.0", m.FortiOS())
	require.NoError(t, json.Unmarshal([]byte(`""`), &m))
	assert.True(t, m.IsZero())
	require.Error(t, json.Unmarshal([]byte(`7`), &m))
	var o fortigate.Options
	require.NoError(t, json.Unmarshal([]byte(`"ping https"`), &o))
	assert.Equal(t, fortigate.Options{"ping", "https"}, o)
	require.NoError(t, json.Unmarshal([]byte(`"ping\thttps \"x\""`), &o))
	assert.Equal(t, fortigate.Options{"ping", "https", `"x"`}, o)
	require.NoError(t, json.Unmarshal([]byte{'"', 'c', 'a', 'f', 0xc3, '"'}, &o))
	assert.Equal(t, fortigate.Options{"caf\ufffd"}, o, "invalid UTF-8 is replaced as encoding/json does")
}
