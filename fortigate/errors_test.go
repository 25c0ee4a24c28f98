package fortigate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
)

// TestErrorMapping drives the simulator into every FortiOS error the client maps and
// checks code, status and sentinel.
func TestErrorMapping(t *testing.T) {
	s, c := newSim(t)
	ctx := context.Background()
	check(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1", Subnet: fortigate.MustIPMask("10.1.0.0/16")})))
	check(t, errOf(c.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "g1", Member: fortigate.Refs("a1")})))
	check(t, errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl30", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 30})))
	check(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "u1", Passwd: sitekit.NewSecret("pw")})))
	check(t, errOf(c.UserGroups.Create(ctx, fortigate.UserGroup{Name: "ug1", Member: fortigate.Refs("u1")})))
	check(t, errOf(c.Policies.Create(ctx, fortigate.Policy{SrcIntf: fortigate.Refs("internal"), DstIntf: fortigate.Refs("wan1"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Schedule: "always", Groups: fortigate.Refs("ug1")})))

	cases := []struct {
		name   string
		call   func() error
		code   int
		status int
		kind   error
	}{
		{"missing", func() error { return errOf(c.Addresses.Get(ctx, "nope")) }, -3, 404, sitekit.ErrNotFound},
		{"duplicate", func() error { return errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1"})) }, -5, 500, sitekit.ErrExists},
		{"name clash with group", func() error { return errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "g1"})) }, -163, 500, sitekit.ErrExists},
		{"name clash with vip", func() error {
			return errOf(c.VIPs.Create(ctx, fortigate.VIP{Name: "a1", ExtIP: "203.0.113.1", MappedIP: []fortigate.VIPRange{{Range: "10.0.0.1"}}}))
		}, -164, 500, sitekit.ErrExists},
		{"in use", func() error { return c.Addresses.Delete(ctx, "a1") }, -23, 500, sitekit.ErrInUse},
		{"group in use by policy", func() error { return c.UserGroups.Delete(ctx, "ug1") }, -94, 500, sitekit.ErrInUse},
		{"unknown reference", func() error {
			return c.AddressGroups.Update(ctx, "g1", fortigate.AddressGroup{Member: fortigate.Refs("ghost")})
		}, -651, 500, sitekit.ErrInvalid},
		{"length", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"comment": strings.Repeat("x", 256)}) }, -1, 500, sitekit.ErrInvalid},
		{"range", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"color": 33}) }, -650, 500, sitekit.ErrInvalid},
		{"enum", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"type": "bogus"}) }, -651, 500, sitekit.ErrInvalid},
		{"bad ip", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"subnet": "10.0.0.300/24"}) }, -8, 500, sitekit.ErrInvalid},
		{"bad mask", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"subnet": "10.0.0.0 255.0.255.0"}) }, -9, 500, sitekit.ErrInvalid},
		{"vlan immutable", func() error { return c.Interfaces.Update(ctx, "vl30", fortigate.Interface{VLANID: 31}) }, -522, 500, sitekit.ErrInvalid},
		{"dhcp range", func() error {
			return c.DHCPServers.Patch(ctx, 1, map[string]any{})
		}, -3, 404, sitekit.ErrNotFound},
		{"dhcp start>end", func() error {
			_, err := c.Raw(ctx, http.MethodPost, "/api/v2/cmdb/system.dhcp/server", nil, map[string]any{"interface": "dmz",
				"ip-range": []any{map[string]any{"start-ip": "10.10.10.200", "end-ip": "10.10.10.100"}}})
			return err
		}, -40, 500, sitekit.ErrInvalid},
		{"unknown attribute", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"colour": 1}) }, -651, 500, sitekit.ErrInvalid},
		{"physical port", func() error { return c.Interfaces.Delete(ctx, "wan2") }, -651, 500, sitekit.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae *fortigate.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v, want *APIError", err, err)
			}
			if ae.Code != tc.code || ae.StatusCode != tc.status || !errors.Is(err, tc.kind) {
				t.Fatalf("got code %d status %d (%v), want %d %d %v", ae.Code, ae.StatusCode, err, tc.code, tc.status, tc.kind)
			}
			for _, other := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInUse, sitekit.ErrInvalid, sitekit.ErrUnauthorized, sitekit.ErrRateLimited} {
				if other != tc.kind && errors.Is(err, other) {
					t.Fatalf("%v also matches %v", err, other)
				}
			}
		})
	}
	_ = s
}

// TestDecodeErrorShapes covers answers the simulator does not produce on its own: HTML
// pages, 424, 403 with a permission code, cli_error arrays, 500 without a code.
func TestDecodeErrorShapes(t *testing.T) {
	cases := []struct {
		body string
		kind error
		code int
		cli  string
	}{
		{`{"http_method":"POST","status":"error","http_status":403,"error":-37,"cli_error":["admin's password required."]}`, sitekit.ErrUnauthorized, -37, "admin's password required."},
		{`{"http_method":"POST","status":"error","http_status":500,"error":-15}`, sitekit.ErrExists, -15, ""},
		{`{"http_method":"POST","status":"error","http_status":500,"error":-14}`, sitekit.ErrUnauthorized, -14, ""},
		{`{"http_method":"POST","status":"error","http_status":424}`, sitekit.ErrInvalid, 0, ""},
		{`[{"http_method":"GET","status":"error","http_status":404,"error":-3,"vdom":"root"}]`, sitekit.ErrNotFound, -3, ""},
		{`{"http_method":"POST","status":"error","http_status":500}`, nil, 0, ""},
	}
	for _, tc := range cases {
		_, err := fortigate.DecodeEnvelope([]byte(tc.body))
		var ae *fortigate.APIError
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.CLIError != tc.cli {
			t.Fatalf("%s: got %#v", tc.body, err)
		}
		if tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Fatalf("%s: %v does not match %v", tc.body, err, tc.kind)
		}
		if tc.kind == nil {
			for _, k := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInvalid, sitekit.ErrInUse} {
				if errors.Is(err, k) {
					t.Fatalf("%s: unexpected match %v", tc.body, k)
				}
			}
		}
	}
}

// unstarted returns a simulator without a listener and a client on its in-memory
// transport, so that testing/synctest controls every wait.
func unstarted(t *testing.T, opts ...sitekit.Option) (*fortigatetest.Server, *fortigate.Client) {
	t.Helper()
	s, err := fortigatetest.NewUnstarted()
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Client(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestRetryRules(t *testing.T) {
	const list = "GET /api/v2/cmdb/firewall/address"
	const create = "POST /api/v2/cmdb/firewall/address"
	t.Run("GET retried after 503, Retry-After honoured", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := unstarted(t)
			s.Faults().FailNext(http.StatusServiceUnavailable, 7*time.Second)
			start := time.Now()
			if _, err := c.Addresses.List(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if waited := time.Since(start); waited != 7*time.Second {
				t.Fatalf("waited %v, want exactly the 7s Retry-After", waited)
			}
			if n := s.Faults().Calls(list); n != 2 {
				t.Fatalf("%d calls, want 2", n)
			}
		})
	})
	t.Run("GET retried after a reset", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := unstarted(t)
			s.Faults().ResetNext()
			if _, err := c.Addresses.List(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if n := s.Faults().Calls(list); n != 2 {
				t.Fatalf("%d calls, want 2", n)
			}
		})
	})
	t.Run("POST not retried on 503", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := unstarted(t)
			s.Faults().FailNext(http.StatusServiceUnavailable, time.Second)
			_, err := c.Addresses.Create(context.Background(), fortigate.Address{Name: "x"})
			var ae *fortigate.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 503 {
				t.Fatalf("got %v", err)
			}
			if n := s.Faults().Calls(create); n != 1 {
				t.Fatalf("%d calls, want 1", n)
			}
		})
	})
	t.Run("ambiguous POST is outcome-unknown, not re-sent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := unstarted(t)
			s.Faults().AmbiguousNext()
			_, err := c.Addresses.Create(context.Background(), fortigate.Address{Name: "amb"})
			if !errors.Is(err, sitekit.ErrOutcomeUnknown) {
				t.Fatalf("got %v, want ErrOutcomeUnknown", err)
			}
			if n := s.Faults().Calls(create); n != 1 {
				t.Fatalf("%d calls, want 1", n)
			}
			if _, ok := s.Object("firewall/address", "amb"); !ok {
				t.Fatal("the ambiguous create was not applied")
			}
		})
	})
	t.Run("401 not retried, then lockout 429 not retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, good := unstarted(t)
			bad, err := fortigate.New("http://127.0.0.1", sitekit.WithToken(sitekit.NewSecret("wrong")), sitekit.WithHTTPClient(s.HTTPClient()))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 3 {
				if _, err := bad.Addresses.List(ctx, nil); !errors.Is(err, sitekit.ErrUnauthorized) {
					t.Fatalf("attempt %d: %v, want ErrUnauthorized", i, err)
				}
			}
			if n := s.Faults().Calls(list); n != 3 {
				t.Fatalf("%d calls, want 3 (no retry of 401)", n)
			}
			_, err = good.Addresses.List(ctx, nil)
			if !errors.Is(err, sitekit.ErrRateLimited) {
				t.Fatalf("locked-out source: %v, want ErrRateLimited", err)
			}
			if n := s.Faults().Calls(list); n != 4 {
				t.Fatalf("%d calls, want 4 (no retry of 429)", n)
			}
			time.Sleep(61 * time.Second) // lockout duration (fake time)
			if _, err := good.Addresses.List(ctx, nil); err != nil {
				t.Fatalf("after the lockout: %v", err)
			}
		})
	})
	t.Run("Retry-After beyond the cap is returned", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s, c := unstarted(t, sitekit.WithRetry(sitekit.RetryPolicy{MaxRetryAfter: 5 * time.Second}))
			s.Faults().FailNext(http.StatusServiceUnavailable, time.Minute)
			_, err := c.Addresses.List(context.Background(), nil)
			var ae *fortigate.APIError
			if !errors.As(err, &ae) || ae.RetryAfter != time.Minute {
				t.Fatalf("got %v", err)
			}
		})
	})
}

func TestPins(t *testing.T) {
	s, c := newSim(t)
	if _, err := c.Monitor.Status(context.Background()); err != nil {
		t.Fatalf("pinned client: %v", err)
	}
	wrong := strings.Repeat("ab", 32)
	bad, err := fortigate.New(s.URL, sitekit.WithToken(sitekit.NewSecret(s.Token)), sitekit.WithCertSHA256(wrong))
	if err != nil {
		t.Fatal(err)
	}
	before := s.Faults().TotalCalls()
	_, err = bad.Monitor.Status(context.Background())
	var pm *sitekit.PinMismatchError
	if !errors.As(err, &pm) || pm.Got != s.Fingerprint || !errors.Is(err, sitekit.ErrUnauthorized) {
		t.Fatalf("got %v", err)
	}
	if s.Faults().TotalCalls() != before {
		t.Fatal("a request reached the server despite the pin mismatch")
	}
	unpinned, err := fortigate.New(s.URL, sitekit.WithToken(sitekit.NewSecret(s.Token)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unpinned.Monitor.Status(context.Background()); err == nil {
		t.Fatal("a self-signed certificate was accepted without a pin")
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	const token = "fgt-very-secret-token-4242"
	s, err := fortigatetest.NewServer(fortigatetest.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := s.Client(sitekit.WithLogger(logger), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var errs []error
	_, e := c.Addresses.Get(ctx, "missing")
	errs = append(errs, e)
	s.Faults().FailNext(503, 0)
	_, e = c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name==x"}})
	errs = append(errs, e)
	_, e = c.Raw(ctx, http.MethodGet, "/api/v2/cmdb/firewall/address", map[string][]string{"access_token": {token}}, nil)
	errs = append(errs, e)
	bad, _ := fortigate.New(s.URL, sitekit.WithToken(sitekit.NewSecret(token+"x")), sitekit.WithCertSHA256(s.Fingerprint), sitekit.WithLogger(logger))
	_, e = bad.Monitor.Status(ctx)
	errs = append(errs, e)
	settings, _ := sitekit.Apply(sitekit.WithToken(sitekit.NewSecret(token)))
	dump := logs.String() + fmt.Sprintf("%v %+v %#v %v %#v %s", c, c, c, settings, settings, settings.Token)
	for _, e := range errs {
		if e != nil {
			dump += e.Error() + fmt.Sprintf("%#v", e)
		}
	}
	if strings.Contains(dump, token) {
		t.Fatalf("token leaked:\n%s", dump)
	}
	if !strings.Contains(logs.String(), `"path":"/api/v2/cmdb/firewall/address?access_token=%5Bredacted%5D"`) {
		t.Fatalf("expected a redacted query in the logs:\n%s", logs.String())
	}
}
