package fortigate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorMapping drives the simulator into every FortiOS error the client maps and
// checks code, status and sentinel. Evidence for the simulator's answers (sections of the
// FortiOS research note, fortigate.md): GET of a missing key 404 without a code (§2.4, the
// rapid7 capture), a write to one 404/−3 (§2.5, §2.6); duplicate 500/−5 (§2.2, TF#244);
// −163/−164 name clashes, −94, −8, −9, −1, −650, −522, −40 (§2.6, ERR); −23 in use (§2.6,
// TF#297); −651 unknown reference (§2.4, FNDN); −651 for an unknown attribute and for
// deleting a physical port: inferred.
func TestErrorMapping(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	require.NoError(t, errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1", Subnet: fortigate.MustIPMask("10.1.0.0/16")})))
	require.NoError(t, errOf(c.AddressGroups.Create(ctx, fortigate.AddressGroup{Name: "g1", Member: fortigate.Refs("a1")})))
	require.NoError(t, errOf(c.Interfaces.Create(ctx, fortigate.Interface{Name: "vl30", VDOM: "root", Type: "vlan", Interface: "internal", VLANID: 30})))
	require.NoError(t, errOf(c.LocalUsers.Create(ctx, fortigate.LocalUser{Name: "u1", Passwd: sitekit.NewSecret("pw")})))
	require.NoError(t, errOf(c.UserGroups.Create(ctx, fortigate.UserGroup{Name: "ug1", Member: fortigate.Refs("u1")})))
	require.NoError(t, errOf(c.Policies.Create(ctx, fortigate.Policy{SrcIntf: fortigate.Refs("internal"), DstIntf: fortigate.Refs("wan1"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"), Schedule: "always", Groups: fortigate.Refs("ug1")})))

	cases := []struct {
		name   string
		call   func() error
		code   int
		status int
		kind   error
	}{
		{"missing", func() error { return errOf(c.Addresses.Get(ctx, "nope")) }, 0, 404, sitekit.ErrNotFound},
		{"missing on delete", func() error { return c.Addresses.Delete(ctx, "nope") }, -3, 404, sitekit.ErrNotFound},
		{"duplicate", func() error { return errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "a1"})) }, -5, 500, sitekit.ErrExists},
		{"name clash with group", func() error { return errOf(c.Addresses.Create(ctx, fortigate.Address{Name: "g1"})) }, -163, 500, sitekit.ErrExists},
		{"name clash with vip", func() error {
			return errOf(c.VIPs.Create(ctx, fortigate.VIP{Name: "a1", ExtIP: "203.0.113.1", MappedIP: []fortigate.VIPRange{{Range: "10.0.0.1"}}}))
		}, -164, 500, sitekit.ErrExists},
		{"in use", func() error { return c.Addresses.Delete(ctx, "a1") }, -23, 500, sitekit.ErrInUse},
		{"group in use by policy", func() error { return c.UserGroups.Delete(ctx, "ug1") }, -94, 500, sitekit.ErrInUse},
		{"unknown reference", func() error {
			return errOf(c.AddressGroups.Update(ctx, "g1", fortigate.AddressGroup{Member: fortigate.Refs("ghost")}))
		}, -651, 500, sitekit.ErrInvalid},
		{"length", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"comment": strings.Repeat("x", 256)}) }, -1, 500, sitekit.ErrInvalid},
		{"range", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"color": 33}) }, -650, 500, sitekit.ErrInvalid},
		{"enum", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"type": "bogus"}) }, -651, 500, sitekit.ErrInvalid},
		{"bad ip", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"subnet": "10.0.0.300/24"}) }, -8, 500, sitekit.ErrInvalid},
		{"bad mask", func() error { return c.Addresses.Patch(ctx, "a1", map[string]any{"subnet": "10.0.0.0 255.0.255.0"}) }, -9, 500, sitekit.ErrInvalid},
		{"vlan immutable", func() error { return errOf(c.Interfaces.Update(ctx, "vl30", fortigate.Interface{VLANID: 31})) }, -522, 500, sitekit.ErrInvalid},
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
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, tc.status, ae.StatusCode)
			assert.ErrorIs(t, err, tc.kind)
			for _, other := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInUse, sitekit.ErrInvalid, sitekit.ErrUnauthorized, sitekit.ErrRateLimited} {
				if other != tc.kind {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
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
		require.ErrorAs(t, err, &ae, tc.body)
		assert.Equal(t, tc.code, ae.Code, tc.body)
		assert.Equal(t, tc.cli, ae.CLIError, tc.body)
		if tc.kind != nil {
			assert.ErrorIs(t, err, tc.kind, tc.body)
		} else {
			for _, k := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInvalid, sitekit.ErrInUse} {
				assert.NotErrorIs(t, err, k, tc.body)
			}
		}
	}
}

// inMemory serves a simulator's handler without a socket, so that a testing/synctest
// bubble controls every wait (Retry-After, lockout duration).
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.RemoteAddr = "127.0.0.1:40000"
	if r2.Body == nil {
		r2.Body = http.NoBody
	}
	r2.RequestURI = r.URL.RequestURI()
	if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteHeaders != nil {
		tr.WroteHeaders() // the request is on the wire once the handler sees it
	}
	w := httptest.NewRecorder()
	var aborted bool
	func() {
		defer func() {
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					panic(p)
				}
				aborted = true
			}
		}()
		m.h.ServeHTTP(w, r2)
	}()
	if aborted {
		return nil, errors.New("connection reset by simulator")
	}
	return w.Result(), nil
}

// inMemoryClient returns a client of s with the given token over the in-memory transport.
func inMemoryClient(t *testing.T, s *fortigatetest.Server, token string, opts ...sitekit.Option) *fortigate.Client {
	t.Helper()
	c, err := fortigate.New("http://127.0.0.1", append([]sitekit.Option{sitekit.WithToken(sitekit.NewSecret(token)),
		sitekit.WithHTTPClient(&http.Client{Transport: inMemory{s.Handler()}})}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestRetryRules(t *testing.T) {
	const list = "GET /api/v2/cmdb/firewall/address"
	const create = "POST /api/v2/cmdb/firewall/address"
	t.Run("GET retried after 503, Retry-After honoured", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			c := inMemoryClient(t, s, s.Token())
			s.Faults().FailNext(http.StatusServiceUnavailable, 7*time.Second)
			start := time.Now()
			_, err := c.Addresses.List(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, 7*time.Second, time.Since(start), "waits exactly the Retry-After (bubble clock)")
			assert.Equal(t, 2, s.Faults().Calls(list))
		})
	})
	t.Run("GET retried after a reset", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			c := inMemoryClient(t, s, s.Token())
			s.Faults().ResetNext()
			_, err := c.Addresses.List(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, 2, s.Faults().Calls(list))
		})
	})
	t.Run("POST not retried on 503", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			c := inMemoryClient(t, s, s.Token())
			s.Faults().FailNext(http.StatusServiceUnavailable, time.Second)
			_, err := c.Addresses.Create(context.Background(), fortigate.Address{Name: "x"})
			var ae *fortigate.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.StatusCode)
			assert.Equal(t, 1, s.Faults().Calls(create))
		})
	})
	t.Run("ambiguous POST is outcome-unknown, not re-sent", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			c := inMemoryClient(t, s, s.Token())
			s.Faults().AmbiguousNext()
			_, err := c.Addresses.Create(context.Background(), fortigate.Address{Name: "amb"})
			require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
			assert.Equal(t, 1, s.Faults().Calls(create))
			_, ok := s.Object("firewall/address", "amb")
			assert.True(t, ok, "the ambiguous create was applied")
		})
	})
	t.Run("401 not retried, then lockout 429 not retried", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			good := inMemoryClient(t, s, s.Token())
			bad := inMemoryClient(t, s, "wrong")
			ctx := context.Background()
			for range 3 {
				_, err := bad.Addresses.List(ctx, nil)
				require.ErrorIs(t, err, sitekit.ErrUnauthorized)
			}
			assert.Equal(t, 3, s.Faults().Calls(list), "no retry of 401")
			_, err := good.Addresses.List(ctx, nil)
			require.ErrorIs(t, err, sitekit.ErrRateLimited, "locked-out source")
			assert.Equal(t, 4, s.Faults().Calls(list), "no retry of 429")
			time.Sleep(61 * time.Second) // the lockout duration, on the bubble's clock
			_, err = good.Addresses.List(ctx, nil)
			require.NoError(t, err, "after the lockout")
		})
	})
	t.Run("Retry-After beyond the cap is returned", func(t *testing.T) {
		s := fortigatetest.NewTestServer(t)
		synctest.Test(t, func(t *testing.T) {
			c := inMemoryClient(t, s, s.Token(), sitekit.WithRetry(sitekit.RetryPolicy{MaxRetryAfter: 5 * time.Second}))
			s.Faults().FailNext(http.StatusServiceUnavailable, time.Minute)
			_, err := c.Addresses.List(context.Background(), nil)
			var ae *fortigate.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, time.Minute, ae.RetryAfter)
		})
	})
}

func TestPins(t *testing.T) {
	s, c := newSim(t)
	_, err := c.Monitor.Status(context.Background())
	require.NoError(t, err, "pinned client")
	wrong := strings.Repeat("ab", 32)
	bad, err := fortigate.New(s.URL(), sitekit.WithToken(sitekit.NewSecret(s.Token())), sitekit.WithCertSHA256(wrong))
	require.NoError(t, err)
	before := s.Faults().TotalCalls()
	_, err = bad.Monitor.Status(context.Background())
	var pm *sitekit.PinMismatchError
	require.ErrorAs(t, err, &pm)
	assert.Equal(t, s.Fingerprint(), pm.Got)
	assert.ErrorIs(t, err, sitekit.ErrUnauthorized)
	assert.Equal(t, before, s.Faults().TotalCalls(), "no request reaches a server whose pin mismatches")
	unpinned, err := fortigate.New(s.URL(), sitekit.WithToken(sitekit.NewSecret(s.Token())))
	require.NoError(t, err)
	_, err = unpinned.Monitor.Status(context.Background())
	assert.Error(t, err, "a self-signed certificate is refused without a pin")
}

func TestTokenNeverLeaks(t *testing.T) {
	const token = "fgt-very-secret-token-4242"
	s := fortigatetest.NewTestServer(t, fortigatetest.WithToken(token))
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := s.Client(sitekit.WithLogger(logger), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Millisecond}))
	require.NoError(t, err)
	ctx := context.Background()
	var errs []error
	_, e := c.Addresses.Get(ctx, "missing")
	errs = append(errs, e)
	s.Faults().FailNext(503, 0)
	_, e = c.Addresses.List(ctx, &fortigate.ListOptions{Filter: []string{"name==x"}})
	errs = append(errs, e)
	_, e = c.Raw(ctx, http.MethodGet, "/api/v2/cmdb/firewall/address", map[string][]string{"access_token": {token}}, nil)
	errs = append(errs, e)
	bad, _ := fortigate.New(s.URL(), sitekit.WithToken(sitekit.NewSecret(token+"x")), sitekit.WithCertSHA256(s.Fingerprint()), sitekit.WithLogger(logger))
	_, e = bad.Monitor.Status(ctx)
	errs = append(errs, e)
	settings, _ := sitekit.Apply(sitekit.WithToken(sitekit.NewSecret(token)))
	dump := logs.String() + fmt.Sprintf("%v %+v %#v %v %#v %s", c, c, c, settings, settings, settings.Token)
	for _, e := range errs {
		if e != nil {
			dump += e.Error() + fmt.Sprintf("%#v", e)
		}
	}
	assert.NotContains(t, dump, token)
	assert.Contains(t, logs.String(), `"path":"/api/v2/cmdb/firewall/address?access_token=%5Bredacted%5D"`, "the query is redacted in the logs")
}
