package fortigate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
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
		id, err := c.Policies.Create(ctx, policy(n))
		check(t, err)
		ids = append(ids, id)
	}
	check(t, c.Policies.Move(ctx, 5, fortigate.Before, 1))
	if got := s.PolicyOrder(); !slices.Equal(got, []int{5, 1, 2, 3, 4}) {
		t.Fatalf("after move: %v", got)
	}
	check(t, c.Policies.Move(ctx, 5, fortigate.After, 4))
	if got := s.PolicyOrder(); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("after move back: %v", got)
	}
	if err := c.Policies.Move(ctx, 5, fortigate.After, 99); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("move after a missing policy: %v", err)
	}
	n, err := c.Policies.EnsureOrder(ctx, []int{4, 1, 2})
	check(t, err)
	got := s.PolicyOrder()
	if n != 1 || slices.Index(got, 4) > slices.Index(got, 1) || slices.Index(got, 1) > slices.Index(got, 2) {
		t.Fatalf("%d moves, order %v", n, got)
	}
	n, err = c.Policies.EnsureOrder(ctx, []int{4, 1, 2})
	if err != nil || n != 0 {
		t.Fatalf("second EnsureOrder: %d moves, %v", n, err)
	}
	if _, err := c.Policies.EnsureOrder(ctx, []int{1, 42}); !errors.Is(err, sitekit.ErrInvalid) {
		t.Fatalf("unknown id: %v", err)
	}
	_ = ids
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
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
		if len(moves) != tc.moves {
			t.Fatalf("%v→%v: %v", tc.cur, tc.want, moves)
		}
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
			if p := slices.Index(order, id); p < last {
				t.Fatalf("%v→%v: applied %v gives %v", tc.cur, tc.want, moves, order)
			} else {
				last = p
			}
		}
	}
}

func TestListOptionsAndPaging(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	for _, n := range []string{"net-a", "net-b", "net-c", "host.x"} {
		check(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: n, Comment: "managed-by sitekit:pessac"})))
	}
	got, err := c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name=@net-", "comment==managed-by sitekit:pessac"}, Format: []string{"name", "comment"}})
	check(t, err)
	if len(got) != 3 || got[0].Subnet.IsValid() {
		t.Fatalf("filtered/formatted: %+v", got)
	}
	got, err = c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name==net-a,name==" + fortigate.FilterEscape("host.x")}})
	check(t, err)
	if len(got) != 2 {
		t.Fatalf("OR filter: %+v", got)
	}
	var names []string
	for a, err := range c.Addresses.All(ctx, &fortigate.ListOptions{PageSize: 2}) {
		check(t, err)
		names = append(names, a.Name)
	}
	all, _ := c.Addresses.List(ctx, nil)
	if len(names) != len(all) || names[len(names)-1] != "host.x" {
		t.Fatalf("All: %v (list has %d)", names, len(all))
	}
	n := 0
	for _, err := range c.Zones.All(ctx, nil) { // empty table, default page size
		check(t, err)
		n++
	}
	for _, err := range c.Services.All(ctx, &fortigate.ListOptions{PageSize: 1000}) {
		check(t, err)
		n++
	}
	if n != len(must(c.Services.List(ctx, nil))) {
		t.Fatalf("All over a short table: %d", n)
	}
	vlans, err := c.Interfaces.VLANs(ctx, "")
	if err != nil || len(vlans) != 0 {
		t.Fatalf("VLANs: %v %v", vlans, err)
	}
}

func TestMemberHelpersAndClone(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	check(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1"})))
	check(t, errOf(c.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "g", Member: fortigate.Refs("all")})))
	check(t, c.AddressGroups.AddMember(ctx, "g", "a1", "all"))
	check(t, c.AddressGroups.RemoveMember(ctx, "g", "all"))
	g, err := c.AddressGroups.Get(ctx, "g")
	check(t, err)
	if !slices.Equal(fortigate.RefNames(g.Member), []string{"a1"}) {
		t.Fatalf("members %v", g.Member)
	}
	check(t, c.ServiceGroups.AddMember(ctx, "Web Access", "SSH"))
	check(t, c.Addresses.Clone(ctx, "a1", "a2"))
	if ok, _ := c.Addresses.Exists(ctx, "a2"); !ok {
		t.Fatal("clone missing")
	}
	check(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "u", Passwd: sitekit.NewSecret("x")})))
	check(t, errOf(c.UserGroups.Create(ctx, fortigate.UserGroup{Name: "ug"})))
	check(t, c.UserGroups.AddMember(ctx, "ug", "u"))
	check(t, c.UserGroups.RemoveMember(ctx, "ug", "u"))
	// a name with a slash and a space is escaped in the path
	check(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "lan 10.0.0.0/8", Subnet: fortigate.MustIPMask("10.0.0.0/8")})))
	a, err := c.Addresses.Get(ctx, "lan 10.0.0.0/8")
	if err != nil || a.Name != "lan 10.0.0.0/8" {
		t.Fatalf("escaped name: %+v %v", a, err)
	}
	check(t, c.Addresses.Delete(ctx, "lan 10.0.0.0/8"))
}

func TestMonitor(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	id, err := c.Policies.Create(ctx, policy("p"))
	check(t, err)
	s.SetPolicyCounters(id, 42, 1000, 10, 3)
	stats, err := c.Monitor.PolicyStats(ctx, 0)
	check(t, err)
	if len(stats) != 2 || stats[0].PolicyID != id || stats[0].HitCount != 42 || stats[1].PolicyID != 0 {
		t.Fatalf("stats %+v", stats)
	}
	st, err := c.Monitor.Status(ctx)
	check(t, err)
	if st.ModelNumber != "80F" || st.Serial == "" || st.Build != 3651 {
		t.Fatalf("status %+v", st)
	}
	u, err := c.Monitor.ResourceUsage(ctx, "session", "1-min")
	check(t, err)
	if u["session"][0].Current != 3 || len(u["session"][0].Historical["1-min"].Values) == 0 {
		t.Fatalf("usage %+v", u)
	}
	if _, err := c.Monitor.ResourceUsage(ctx, "", "2-min"); !errors.Is(err, sitekit.ErrInvalid) {
		t.Fatal(err)
	}
	check(t, errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl10", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 10, IP: fortigate.MustIPMask("10.0.10.1/24")})))
	s.SetLink("wan1", false)
	ifs, err := c.Monitor.Interfaces(ctx, "")
	check(t, err)
	if ifs["vl10"].Mask != 24 || ifs["vl10"].IP != "10.0.10.1" || ifs["wan1"].Link || !ifs["internal"].Link {
		t.Fatalf("interfaces %+v", ifs)
	}
	lic, err := c.Monitor.Licenses(ctx)
	check(t, err)
	if lic["forticare"].Status != "registered" || lic["vdom"].Max != 10 {
		t.Fatalf("licenses %+v", lic)
	}
	cfg, err := c.Monitor.Backup(ctx, fortigate.BackupOptions{})
	check(t, err)
	if !strings.Contains(string(cfg), "config firewall policy") || !strings.HasPrefix(string(cfg), "#config-version=FGT80F-7.6.5") {
		t.Fatalf("backup:\n%s", cfg)
	}
	check(t, errOf(c.EMSConnectors.Create(ctx, fortigate.EMSConnector{EMSID: 2, Name: "ems", Server: "10.0.20.30", Status: "enable"})))
	ems, err := c.Monitor.EMSStatus(ctx, 2)
	check(t, err)
	if ems.Status != "not_auth" || ems.IsConnected {
		t.Fatalf("ems %+v", ems)
	}
	s.SetEMSStatus(2, "success")
	check(t, c.Monitor.VerifyEMSCert(ctx, 2, "AB:CD"))
	ems, _ = c.Monitor.EMSStatus(ctx, 2)
	if ems.Status != "success" || !ems.IsConnected || !ems.IsVerified || !s.EMSCertVerified(2) {
		t.Fatalf("ems %+v", ems)
	}
	s.SetEMSStatusFunc(func(id int, server, serial string) string { return "auth_denied" })
	if ems, _ = c.Monitor.EMSStatus(ctx, 2); ems.Status != "auth_denied" {
		t.Fatalf("ems hook: %+v", ems)
	}
}

func TestBackupFallsBackToGETBefore745(t *testing.T) {
	for _, v := range []string{"v7.2.8", "v7.6.5"} {
		s, c := newSim(t, fortigatetest.WithVersion(v, 1000))
		cfg, err := c.Monitor.Backup(context.Background(), fortigate.BackupOptions{})
		check(t, err)
		if !strings.Contains(string(cfg), "config system global") {
			t.Fatal(string(cfg))
		}
		if v == "v7.6.5" && s.Faults().Calls("GET /api/v2/monitor/system/config/backup") != 0 {
			t.Fatal("GET used on 7.6.5")
		}
	}
	// a 7.4.5+ unit refuses GET with 405: the client falls back only the other way
	s, c := newSim(t)
	_, err := c.Raw(context.Background(), "GET", "/api/v2/monitor/system/config/backup", nil, nil)
	var ae *fortigate.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 405 {
		t.Fatalf("GET on 7.6.5: %v", err)
	}
	_ = s
}

func TestTransactions(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	tx, err := c.Transactions.Begin(ctx, 0)
	check(t, err)
	check(t, errOf(tx.Client.Addresses.Create(ctx, fortigate.Address{Name: "tx-a"})))
	check(t, errOf(tx.Client.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "tx-g", Member: fortigate.Refs("tx-a")})))
	if _, ok := s.Object("firewall/address", "tx-a"); ok {
		t.Fatal("write visible before commit")
	}
	if _, err := c.Addresses.Create(ctx, fortigate.Address{Name: "outside"}); err == nil {
		t.Fatal("table locked by the transaction accepted an outside write")
	}
	lines, err := tx.Show(ctx)
	check(t, err)
	if !slices.Contains(lines, ` edit "tx-a"`) {
		t.Fatalf("show: %q", lines)
	}
	rev := s.Revision()
	check(t, tx.Commit(ctx))
	if _, ok := s.Object("firewall/addrgrp", "tx-g"); !ok || s.Revision() == rev {
		t.Fatal("commit not applied")
	}
	tx2, err := c.Transactions.Begin(ctx, 30e9)
	check(t, err)
	check(t, errOf(tx2.Client.Addresses.Create(ctx, fortigate.Address{Name: "tx-b"})))
	check(t, tx2.Abort(ctx))
	if _, ok := s.Object("firewall/address", "tx-b"); ok || s.OpenTransactions() != 0 {
		t.Fatal("abort applied the write")
	}
	if err := tx2.Commit(ctx); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("commit after abort: %v", err)
	}
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
		{c.Global.Update(ctx, fortigate.Global{AdminLockoutThreshold: 11}), "AdminLockoutThreshold"},
	}
	for i, tc := range cases {
		var fe *sitekit.FieldError
		if !errors.As(tc.err, &fe) || !errors.Is(tc.err, sitekit.ErrInvalid) || (tc.field != "" && fe.Field != tc.field) {
			t.Fatalf("case %d: %v, want a FieldError on %q", i, tc.err, tc.field)
		}
	}
	if s.Faults().TotalCalls() != before {
		t.Fatal("local validation did I/O")
	}
	if _, err := fortigate.New("https://fw", sitekit.WithToken(sitekit.NewSecret("t")), fortigate.WithVDOM("bad vdom")); !errors.Is(err, sitekit.ErrInvalid) {
		t.Fatal(err)
	}
	if _, err := fortigate.New("https://fw"); !errors.Is(err, sitekit.ErrInvalid) {
		t.Fatal(err)
	}
}

func TestIPMask(t *testing.T) {
	for in, want := range map[string]string{"10.0.20.1/24": "10.0.20.1 255.255.255.0", "10.0.20.1 255.255.255.0": "10.0.20.1 255.255.255.0",
		"10.1.2.3": "10.1.2.3 255.255.255.255", "0.0.0.0 0.0.0.0": "0.0.0.0 0.0.0.0"} {
		m, err := fortigate.ParseIPMask(in)
		if err != nil || m.FortiOS() != want {
			t.Fatalf("%q: %q %v", in, m.FortiOS(), err)
		}
	}
	for _, bad := range []string{"10.0.0.1 255.0.255.0", "10.0.0.256/24", "::1/64", "10.0.0.1/33", "x"} {
		if _, err := fortigate.ParseIPMask(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}
