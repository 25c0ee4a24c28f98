package fortigate_test

import (
	"context"
	"iter"
	"slices"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSim(t testing.TB, opts ...fortigatetest.Option) (*fortigatetest.Server, *fortigate.Client) {
	t.Helper()
	s := fortigatetest.NewTestServer(t, opts...)
	c, err := s.Client(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return s, c
}

func errOf[T any](_ T, err error) error { return err }

// crud exercises Create, Get, List, All, Update, Exists, Delete and the not-found and
// duplicate answers of one family against the simulator. The simulator's semantics it
// relies on: POST answers the key only and a duplicate −5 (fortigate.md §2.2), PUT merges
// and a list field replaces the whole list (§2.2, ANS#36/#85), ip/mask read back as
// "a.b.c.d m.m.m.m" and secrets as "ENC …" (§3), int keys allocated from 0 (§2.2, §3.2,
// §3.8; EMS connector ids inferred), defaults filled from Fortinet's 7.6.5 field catalogue
// (distance 10, https-port 443, group-type firewall: CAT), uuid filled (§3.3).
func crud[K int | string, T any](t *testing.T, svc interface {
	Create(context.Context, T) (T, error)
	Get(context.Context, K) (T, error)
	List(context.Context, *fortigate.ListOptions) ([]T, error)
	All(context.Context, *fortigate.ListOptions) iter.Seq2[T, error]
	Update(context.Context, K, T) (T, error)
	Patch(context.Context, K, map[string]any) error
	Exists(context.Context, K) (bool, error)
	Delete(context.Context, K) error
}, keyOf func(T) K, obj, update T, check func(t *testing.T, got T, updated bool)) {
	ctx := context.Background()
	created, err := svc.Create(ctx, obj)
	require.NoError(t, err, "create")
	key := keyOf(created)
	require.NotZero(t, key, "Create fills in the key")
	got, err := svc.Get(ctx, key)
	require.NoError(t, err, "get")
	check(t, got, false)
	_, err = svc.Create(ctx, created)
	require.ErrorIs(t, err, sitekit.ErrExists, "duplicate create")
	all, err := svc.List(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, all)
	n := 0
	for _, err := range svc.All(ctx, &fortigate.ListOptions{PageSize: 2}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, len(all), n, "All pages through every record")
	updated, err := svc.Update(ctx, key, update)
	require.NoError(t, err, "update")
	check(t, updated, true)
	got, err = svc.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, got, updated, "Update returns the record read back")
	ok, err := svc.Exists(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, svc.Delete(ctx, key))
	_, err = svc.Get(ctx, key)
	require.ErrorIs(t, err, sitekit.ErrNotFound, "get after delete")
	require.ErrorIs(t, svc.Delete(ctx, key), sitekit.ErrNotFound, "delete missing")
	_, err = svc.Update(ctx, key, update)
	require.ErrorIs(t, err, sitekit.ErrNotFound, "update missing")
	require.ErrorIs(t, svc.Patch(ctx, key, map[string]any{}), sitekit.ErrNotFound, "patch missing")
}

func TestFamiliesCRUD(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	marker := "managed-by sitekit:pessac"

	t.Run("Interfaces", func(t *testing.T) {
		crud(t, c.Interfaces, func(o fortigate.Interface) string { return o.Name },
			fortigate.Interface{Name: "vl20-compta", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 20,
				Mode: "static", IP: fortigate.MustIPMask("10.0.20.1/24"), AllowAccess: fortigate.Options{"https", "ping"}, Role: "lan", Description: marker},
			fortigate.Interface{Alias: "Compta"}, func(t *testing.T, got fortigate.Interface, upd bool) {
				assert.False(t, got.IP.FortiOS() != "10.0.20.1 255.255.255.0" || got.VLANID != 20 || !got.AllowAccess.Equal(fortigate.Options{"ping", "https"}), "got %+v", got)
				if upd && got.Alias != "Compta" {
					t.Fatalf("alias %q", got.Alias)
				}
			})
	})
	t.Run("Zones", func(t *testing.T) {
		crud(t, c.Zones, func(o fortigate.Zone) string { return o.Name },
			fortigate.Zone{Name: "z-lan", Interface: fortigate.ZoneMembers("dmz"), Description: marker},
			fortigate.Zone{Intrazone: "allow"}, func(t *testing.T, got fortigate.Zone, upd bool) {
				assert.False(t, len(got.Interface) != 1 || got.Interface[0].InterfaceName != "dmz" || (upd && got.Intrazone != "allow"), "got %+v", got)
			})
	})
	t.Run("DHCPServers", func(t *testing.T) {
		crud(t, c.DHCPServers, func(o fortigate.DHCPServer) int { return o.ID },
			fortigate.DHCPServer{Interface: "dmz", DefaultGateway: "10.10.10.1", Netmask: "255.255.255.0",
				IPRange: []fortigate.DHCPRange{{StartIP: "10.10.10.100", EndIP: "10.10.10.199"}}},
			fortigate.DHCPServer{LeaseTime: 86400}, func(t *testing.T, got fortigate.DHCPServer, upd bool) {
				assert.False(t, got.ID == 0 || len(got.IPRange) != 1 || got.IPRange[0].ID != 1 || (upd && got.LeaseTime != 86400), "got %+v", got)
			})
	})
	t.Run("Addresses", func(t *testing.T) {
		crud(t, c.Addresses, func(o fortigate.Address) string { return o.Name },
			fortigate.Address{Name: "srv-nas", Subnet: fortigate.MustIPMask("10.0.40.10/32"), Comment: marker},
			fortigate.Address{Color: 3}, func(t *testing.T, got fortigate.Address, upd bool) {
				assert.False(t, got.Subnet.FortiOS() != "10.0.40.10 255.255.255.255" || got.Type != "ipmask" || got.UUID == "" || (upd && got.Color != 3), "got %+v", got)
			})
	})
	t.Run("AddressGroups", func(t *testing.T) {
		require.NoError(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1", Subnet: fortigate.MustIPMask("10.1.0.0/16")})))
		crud(t, c.AddressGroups, func(o fortigate.AddressGroup) string { return o.Name },
			fortigate.AddressGroup{Name: "g1", Member: fortigate.Refs("a1"), Comment: marker},
			fortigate.AddressGroup{Member: fortigate.Refs("a1", "all")}, func(t *testing.T, got fortigate.AddressGroup, upd bool) {
				want := []string{"a1"}
				if upd {
					want = []string{"a1", "all"}
				}
				assert.False(t, !slices.Equal(fortigate.RefNames(got.Member), want) || got.Member[0].QOriginKey != "a1", "got %+v", got)
			})
	})
	t.Run("Services", func(t *testing.T) {
		crud(t, c.Services, func(o fortigate.Service) string { return o.Name },
			fortigate.Service{Name: "tcp-8006", Protocol: "TCP/UDP/UDP-Lite/SCTP", TCPPortRange: "8006", Category: "Web Access", Comment: marker},
			fortigate.Service{TCPPortRange: "8006-8007"}, func(t *testing.T, got fortigate.Service, upd bool) {
				assert.False(t, (!upd && got.TCPPortRange != "8006") || (upd && got.TCPPortRange != "8006-8007"), "got %+v", got)
			})
	})
	t.Run("ServiceGroups", func(t *testing.T) {
		crud(t, c.ServiceGroups, func(o fortigate.ServiceGroup) string { return o.Name },
			fortigate.ServiceGroup{Name: "grp-backup", Member: fortigate.Refs("SSH", "HTTPS"), Comment: marker},
			fortigate.ServiceGroup{Member: fortigate.Refs("SSH")}, func(t *testing.T, got fortigate.ServiceGroup, upd bool) {
				want := 2
				if upd {
					want = 1
				}
				assert.Len(t, got.Member, want)
			})
	})
	t.Run("Policies", func(t *testing.T) {
		crud(t, c.Policies, func(o fortigate.Policy) int { return o.PolicyID },
			fortigate.Policy{Name: "lan-out", SrcIntf: fortigate.Refs("internal"), DstIntf: fortigate.Refs("wan1"),
				SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Action: "accept",
				Schedule: "always", NAT: "enable", LogTraffic: "all", Comments: marker},
			fortigate.Policy{Status: "disable"}, func(t *testing.T, got fortigate.Policy, upd bool) {
				assert.False(t, got.PolicyID == 0 || got.Comments != marker || got.NAT != "enable" || (upd && got.Status != "disable"), "got %+v", got)
			})
	})
	t.Run("VIPs", func(t *testing.T) {
		crud(t, c.VIPs, func(o fortigate.VIP) string { return o.Name },
			fortigate.VIP{Name: "vip-web", ExtIntf: "wan1", ExtIP: "203.0.113.10", MappedIP: []fortigate.VIPRange{{Range: "10.0.25.10"}},
				PortForward: "enable", Protocol: "tcp", ExtPort: "443", MappedPort: "443", Comment: marker},
			fortigate.VIP{ExtPort: "8443"}, func(t *testing.T, got fortigate.VIP, upd bool) {
				assert.False(t, got.MappedIP[0].Range != "10.0.25.10" || (upd && got.ExtPort != "8443"), "got %+v", got)
			})
	})
	t.Run("StaticRoutes", func(t *testing.T) {
		crud(t, c.StaticRoutes, func(o fortigate.StaticRoute) int { return o.SeqNum },
			fortigate.StaticRoute{Dst: fortigate.MustIPMask("0.0.0.0/0"), Gateway: "198.51.100.1", Device: "wan1", Comment: marker},
			fortigate.StaticRoute{Distance: 20}, func(t *testing.T, got fortigate.StaticRoute, upd bool) {
				assert.False(t, got.SeqNum == 0 || got.Dst.FortiOS() != "0.0.0.0 0.0.0.0" || (upd && got.Distance != 20) || (!upd && got.Distance != 10), "got %+v", got)
			})
	})
	t.Run("LocalUsers", func(t *testing.T) {
		crud(t, c.LocalUsers, func(o fortigate.LocalUser) string { return o.Name },
			fortigate.LocalUser{Name: "alice", Type: "password", Passwd: sitekit.NewSecret("s3cret-pass")},
			fortigate.LocalUser{EmailTo: "alice@example.com"}, func(t *testing.T, got fortigate.LocalUser, upd bool) {
				assert.False(t, got.PasswdENC == "" || got.PasswdENC[:4] != "ENC " || !got.Passwd.IsZero() || (upd && got.EmailTo != "alice@example.com"), "got %+v", got)
			})
	})
	t.Run("UserGroups", func(t *testing.T) {
		require.NoError(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "bob", Passwd: sitekit.NewSecret("pw-bob-1")})))
		crud(t, c.UserGroups, func(o fortigate.UserGroup) string { return o.Name },
			fortigate.UserGroup{Name: "teleworkers", Member: fortigate.Refs("bob")},
			fortigate.UserGroup{AuthTimeout: 60}, func(t *testing.T, got fortigate.UserGroup, upd bool) {
				assert.False(t, got.GroupType != "firewall" || len(got.Member) != 1 || (upd && got.AuthTimeout != 60), "got %+v", got)
			})
	})
	t.Run("EMSConnectors", func(t *testing.T) {
		crud(t, c.EMSConnectors, func(o fortigate.EMSConnector) int { return o.EMSID },
			fortigate.EMSConnector{EMSID: 1, Name: "ems", Server: "10.0.20.30", Status: "enable"},
			fortigate.EMSConnector{CallTimeout: 60}, func(t *testing.T, got fortigate.EMSConnector, upd bool) {
				assert.False(t, got.EMSID != 1 || got.HTTPSPort != 443 || (upd && got.CallTimeout != 60), "got %+v", got)
			})
	})
	t.Run("AccessProxies", func(t *testing.T) {
		require.NoError(t, errOf(c.VIPs.Create(ctx, fortigate.VIP{Name: "vip-ztna", Type: "access-proxy", ExtIntf: "wan1", ExtIP: "203.0.113.20", ExtPort: "443"})))
		crud(t, c.AccessProxies, func(o fortigate.AccessProxy) string { return o.Name },
			fortigate.AccessProxy{Name: "ztna-erp", VIP: "vip-ztna", APIGateway: []fortigate.AccessProxyGateway{{
				Service: "tcp-forwarding", RealServers: []fortigate.AccessProxyRealServer{{IP: "10.0.20.10", Port: 3389}}}}},
			fortigate.AccessProxy{LogBlockedTraffic: "disable"}, func(t *testing.T, got fortigate.AccessProxy, upd bool) {
				if len(got.APIGateway) != 1 || got.APIGateway[0].ID != 1 || got.APIGateway[0].RealServers[0].Port != 3389 ||
					(upd && got.LogBlockedTraffic != "disable") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("ZTNAWebProxies", func(t *testing.T) {
		crud(t, c.ZTNAWebProxies, func(o fortigate.ZTNAWebProxy) string { return o.Name },
			fortigate.ZTNAWebProxy{Name: "wp1", VIP: "vip-ztna"},
			fortigate.ZTNAWebProxy{AuthPortal: "enable"}, func(t *testing.T, got fortigate.ZTNAWebProxy, upd bool) {
				assert.False(t, got.VIP != "vip-ztna" || (upd && got.AuthPortal != "enable"), "got %+v", got)
			})
	})
	t.Run("Global", func(t *testing.T) {
		g, err := c.Global.Update(ctx, fortigate.Global{Hostname: "fw-pessac", Timezone: "Europe/Paris"})
		require.NoError(t, err)
		assert.Equal(t, "fw-pessac", g.Hostname)
		assert.Equal(t, 3, g.AdminLockoutThreshold, "fields not sent keep their value")
		_, err = c.Global.Update(ctx, fortigate.Global{AdminTimeout: 999})
		require.ErrorIs(t, err, sitekit.ErrInvalid)
	})
}
