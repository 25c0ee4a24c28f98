package fortigate_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

func newSim(t testing.TB, opts ...fortigatetest.Option) (*fortigatetest.Server, *fortigate.Client) {
	t.Helper()
	s, err := fortigatetest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := s.Client(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func errOf[T any](_ T, err error) error { return err }

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// crud exercises Create, Get, List, All, Update, Exists, Delete and the not-found and
// duplicate answers of one family.
func crud[K int | string, T any](t *testing.T, svc interface {
	Create(context.Context, T) (K, error)
	Get(context.Context, K) (T, error)
	List(context.Context, *fortigate.ListOptions) ([]T, error)
	Update(context.Context, K, T) error
	Patch(context.Context, K, map[string]any) error
	Exists(context.Context, K) (bool, error)
	Delete(context.Context, K) error
}, obj, update T, check func(t *testing.T, got T, updated bool)) {
	ctx := context.Background()
	key, err := svc.Create(ctx, obj)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := svc.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %v: %v", key, err)
	}
	check(t, got, false)
	if _, err := svc.Create(ctx, withKey(obj, key)); !errors.Is(err, sitekit.ErrExists) {
		t.Fatalf("duplicate create: %v, want ErrExists", err)
	}
	all, err := svc.List(ctx, nil)
	if err != nil || len(all) == 0 {
		t.Fatalf("list: %d %v", len(all), err)
	}
	if err := svc.Update(ctx, key, update); err != nil {
		t.Fatalf("update: %v", err)
	}
	got, _ = svc.Get(ctx, key)
	check(t, got, true)
	if ok, err := svc.Exists(ctx, key); !ok || err != nil {
		t.Fatalf("exists: %v %v", ok, err)
	}
	if err := svc.Delete(ctx, key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := svc.Get(ctx, key); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, key); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("delete missing: %v, want ErrNotFound", err)
	}
	if err := svc.Update(ctx, key, update); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("update missing: %v, want ErrNotFound", err)
	}
	if err := svc.Patch(ctx, key, map[string]any{}); !errors.Is(err, sitekit.ErrNotFound) {
		t.Fatalf("patch missing: %v, want ErrNotFound", err)
	}
}

// withKey sets an auto-allocated int key so that the duplicate create hits the same key.
func withKey[T any, K int | string](obj T, key K) T {
	k, ok := any(key).(int)
	if !ok {
		return obj
	}
	switch o := any(&obj).(type) {
	case *fortigate.Policy:
		o.PolicyID = k
	case *fortigate.DHCPServer:
		o.ID = k
	case *fortigate.StaticRoute:
		o.SeqNum = k
	case *fortigate.EMSConnector:
		o.EMSID = k
	}
	return obj
}

func TestFamiliesCRUD(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	marker := "managed-by sitekit:pessac"

	t.Run("Interfaces", func(t *testing.T) {
		crud(t, c.Interfaces, fortigate.Interface{Name: "vl20-compta", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 20,
			Mode: "static", IP: fortigate.MustIPMask("10.0.20.1/24"), AllowAccess: fortigate.Options{"https", "ping"}, Role: "lan", Description: marker},
			fortigate.Interface{Alias: "Compta"}, func(t *testing.T, got fortigate.Interface, upd bool) {
				if got.IP.FortiOS() != "10.0.20.1 255.255.255.0" || got.VLANID != 20 || !got.AllowAccess.Equal(fortigate.Options{"ping", "https"}) {
					t.Fatalf("got %+v", got)
				}
				if upd && got.Alias != "Compta" {
					t.Fatalf("alias %q", got.Alias)
				}
			})
	})
	t.Run("Zones", func(t *testing.T) {
		crud(t, c.Zones, fortigate.Zone{Name: "z-lan", Interface: fortigate.ZoneMembers("dmz"), Description: marker},
			fortigate.Zone{Intrazone: "allow"}, func(t *testing.T, got fortigate.Zone, upd bool) {
				if len(got.Interface) != 1 || got.Interface[0].InterfaceName != "dmz" || (upd && got.Intrazone != "allow") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("DHCPServers", func(t *testing.T) {
		crud(t, c.DHCPServers, fortigate.DHCPServer{Interface: "dmz", DefaultGateway: "10.10.10.1", Netmask: "255.255.255.0",
			IPRange: []fortigate.DHCPRange{{StartIP: "10.10.10.100", EndIP: "10.10.10.199"}}},
			fortigate.DHCPServer{LeaseTime: 86400}, func(t *testing.T, got fortigate.DHCPServer, upd bool) {
				if got.ID == 0 || len(got.IPRange) != 1 || got.IPRange[0].ID != 1 || (upd && got.LeaseTime != 86400) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("Addresses", func(t *testing.T) {
		crud(t, c.Addresses, fortigate.Address{Name: "srv-nas", Subnet: fortigate.MustIPMask("10.0.40.10/32"), Comment: marker},
			fortigate.Address{Color: 3}, func(t *testing.T, got fortigate.Address, upd bool) {
				if got.Subnet.FortiOS() != "10.0.40.10 255.255.255.255" || got.Type != "ipmask" || got.UUID == "" || (upd && got.Color != 3) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("AddressGroups", func(t *testing.T) {
		check(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1", Subnet: fortigate.MustIPMask("10.1.0.0/16")})))
		crud(t, c.AddressGroups, fortigate.AddressGroup{Name: "g1", Member: fortigate.Refs("a1"), Comment: marker},
			fortigate.AddressGroup{Member: fortigate.Refs("a1", "all")}, func(t *testing.T, got fortigate.AddressGroup, upd bool) {
				want := []string{"a1"}
				if upd {
					want = []string{"a1", "all"}
				}
				if !slices.Equal(fortigate.RefNames(got.Member), want) || got.Member[0].QOriginKey != "a1" {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("Services", func(t *testing.T) {
		crud(t, c.Services, fortigate.Service{Name: "tcp-8006", Protocol: "TCP/UDP/UDP-Lite/SCTP", TCPPortRange: "8006", Category: "Web Access", Comment: marker},
			fortigate.Service{TCPPortRange: "8006-8007"}, func(t *testing.T, got fortigate.Service, upd bool) {
				if (!upd && got.TCPPortRange != "8006") || (upd && got.TCPPortRange != "8006-8007") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("ServiceGroups", func(t *testing.T) {
		crud(t, c.ServiceGroups, fortigate.ServiceGroup{Name: "grp-backup", Member: fortigate.Refs("SSH", "HTTPS"), Comment: marker},
			fortigate.ServiceGroup{Member: fortigate.Refs("SSH")}, func(t *testing.T, got fortigate.ServiceGroup, upd bool) {
				if n := len(got.Member); (upd && n != 1) || (!upd && n != 2) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("Policies", func(t *testing.T) {
		crud(t, c.Policies, fortigate.Policy{Name: "lan-out", SrcIntf: fortigate.Refs("internal"), DstIntf: fortigate.Refs("wan1"),
			SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Action: "accept",
			Schedule: "always", NAT: "enable", LogTraffic: "all", Comments: marker},
			fortigate.Policy{Status: "disable"}, func(t *testing.T, got fortigate.Policy, upd bool) {
				if got.PolicyID == 0 || got.Comments != marker || got.NAT != "enable" || (upd && got.Status != "disable") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("VIPs", func(t *testing.T) {
		crud(t, c.VIPs, fortigate.VIP{Name: "vip-web", ExtIntf: "wan1", ExtIP: "203.0.113.10", MappedIP: []fortigate.VIPRange{{Range: "10.0.25.10"}},
			PortForward: "enable", Protocol: "tcp", ExtPort: "443", MappedPort: "443", Comment: marker},
			fortigate.VIP{ExtPort: "8443"}, func(t *testing.T, got fortigate.VIP, upd bool) {
				if got.MappedIP[0].Range != "10.0.25.10" || (upd && got.ExtPort != "8443") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("StaticRoutes", func(t *testing.T) {
		crud(t, c.StaticRoutes, fortigate.StaticRoute{Dst: fortigate.MustIPMask("0.0.0.0/0"), Gateway: "198.51.100.1", Device: "wan1", Comment: marker},
			fortigate.StaticRoute{Distance: 20}, func(t *testing.T, got fortigate.StaticRoute, upd bool) {
				if got.SeqNum == 0 || got.Dst.FortiOS() != "0.0.0.0 0.0.0.0" || (upd && got.Distance != 20) || (!upd && got.Distance != 10) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("LocalUsers", func(t *testing.T) {
		crud(t, c.LocalUsers, fortigate.LocalUser{Name: "alice", Type: "password", Passwd: sitekit.NewSecret("s3cret-pass")},
			fortigate.LocalUser{EmailTo: "alice@example.com"}, func(t *testing.T, got fortigate.LocalUser, upd bool) {
				if got.PasswdENC == "" || got.PasswdENC[:4] != "ENC " || !got.Passwd.IsZero() || (upd && got.EmailTo != "alice@example.com") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("UserGroups", func(t *testing.T) {
		check(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "bob", Passwd: sitekit.NewSecret("pw-bob-1")})))
		crud(t, c.UserGroups, fortigate.UserGroup{Name: "teleworkers", Member: fortigate.Refs("bob")},
			fortigate.UserGroup{AuthTimeout: 60}, func(t *testing.T, got fortigate.UserGroup, upd bool) {
				if got.GroupType != "firewall" || len(got.Member) != 1 || (upd && got.AuthTimeout != 60) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("EMSConnectors", func(t *testing.T) {
		crud(t, c.EMSConnectors, fortigate.EMSConnector{EMSID: 1, Name: "ems", Server: "10.0.20.30", Status: "enable"},
			fortigate.EMSConnector{CallTimeout: 60}, func(t *testing.T, got fortigate.EMSConnector, upd bool) {
				if got.EMSID != 1 || got.HTTPSPort != 443 || (upd && got.CallTimeout != 60) {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("AccessProxies", func(t *testing.T) {
		check(t, errOf(c.VIPs.Create(ctx, fortigate.VIP{Name: "vip-ztna", Type: "access-proxy", ExtIntf: "wan1", ExtIP: "203.0.113.20", ExtPort: "443"})))
		crud(t, c.AccessProxies, fortigate.AccessProxy{Name: "ztna-erp", VIP: "vip-ztna", APIGateway: []fortigate.AccessProxyGateway{{
			Service: "tcp-forwarding", RealServers: []fortigate.AccessProxyRealServer{{IP: "10.0.20.10", Port: 3389}}}}},
			fortigate.AccessProxy{LogBlockedTraffic: "disable"}, func(t *testing.T, got fortigate.AccessProxy, upd bool) {
				if len(got.APIGateway) != 1 || got.APIGateway[0].ID != 1 || got.APIGateway[0].RealServers[0].Port != 3389 ||
					(upd && got.LogBlockedTraffic != "disable") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("ZTNAWebProxies", func(t *testing.T) {
		crud(t, c.ZTNAWebProxies, fortigate.ZTNAWebProxy{Name: "wp1", VIP: "vip-ztna"},
			fortigate.ZTNAWebProxy{AuthPortal: "enable"}, func(t *testing.T, got fortigate.ZTNAWebProxy, upd bool) {
				if got.VIP != "vip-ztna" || (upd && got.AuthPortal != "enable") {
					t.Fatalf("got %+v", got)
				}
			})
	})
	t.Run("Global", func(t *testing.T) {
		check(t, c.Global.Update(ctx, fortigate.Global{Hostname: "fw-pessac", Timezone: "Europe/Paris"}))
		g, err := c.Global.Get(ctx)
		check(t, err)
		if g.Hostname != "fw-pessac" || g.AdminLockoutThreshold != 3 {
			t.Fatalf("got %+v", g)
		}
		if err := c.Global.Update(ctx, fortigate.Global{AdminTimeout: 999}); !errors.Is(err, sitekit.ErrInvalid) {
			t.Fatalf("got %v", err)
		}
	})
}
