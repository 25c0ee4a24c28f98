package sitekit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/ems/emstest"
	"github.com/sitekit/sitekit/fortigate"
	"github.com/sitekit/sitekit/fortigate/fortigatetest"
	"github.com/sitekit/sitekit/netdata"
	"github.com/sitekit/sitekit/netdata/netdatatest"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// subject is one client wired to its simulator, with one call of each kind.
type subject struct {
	name    string
	read    func(ctx context.Context) error // an idempotent read that succeeds
	missing func(ctx context.Context) error // a read of an object that does not exist
	write   func(ctx context.Context) error // a non-idempotent write, nil when the API has none
	faults  interface {
		FailNext(status int, retryAfter time.Duration)
		AmbiguousNext()
		ResetNext()
	}
	url   string
	close func()
	// pinned builds a client of the same appliance pinned to the wrong certificate and reads.
	pinned func(ctx context.Context, url string) error
}

var noRetry = sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1})

const wrongPin = "0000000000000000000000000000000000000000000000000000000000000000"

func subjects(t *testing.T) []subject {
	t.Helper()
	var out []subject
	{
		srv := fortigatetest.NewTestServer(t)
		c, err := srv.Client(noRetry)
		require.NoError(t, err)
		out = append(out, subject{name: "fortigate", url: srv.URL(), close: srv.Close, faults: srv.Faults(),
			read:    func(ctx context.Context) error { _, err := c.Addresses.List(ctx, nil); return err },
			missing: func(ctx context.Context) error { _, err := c.Addresses.Get(ctx, "no-such-address"); return err },
			write: func(ctx context.Context) error {
				_, err := c.Addresses.Create(ctx, fortigate.Address{Name: "lost", Type: "fqdn", FQDN: "example.com"})
				return err
			},
			pinned: func(ctx context.Context, url string) error {
				c, err := fortigate.New(url, sitekit.WithToken(sitekit.NewSecret("x")), sitekit.WithCertSHA256(wrongPin), noRetry)
				require.NoError(t, err)
				_, err = c.Addresses.List(ctx, nil)
				return err
			}})
	}
	{
		srv := xotest.NewTestServer(t)
		c, err := srv.Client(noRetry)
		require.NoError(t, err)
		out = append(out, subject{name: "xo", url: srv.URL(), close: srv.Close, faults: srv.Faults(),
			read:    func(ctx context.Context) error { _, err := c.VMs.List(ctx, nil); return err },
			missing: func(ctx context.Context) error { _, err := c.VMs.Get(ctx, "no-such-vm"); return err },
			write:   func(ctx context.Context) error { return c.VMs.Start(ctx, "8e2a4a4e-0c1d-4f3e-9b7a-2f6c1d0e5a11") },
			pinned: func(ctx context.Context, url string) error {
				c, err := xo.New(url, sitekit.WithToken(sitekit.NewSecret("x")), sitekit.WithCertSHA256(wrongPin), noRetry)
				require.NoError(t, err)
				_, err = c.VMs.List(ctx, nil)
				return err
			}})
	}
	{
		srv := emstest.NewTestServer(t)
		c, err := srv.Client(noRetry)
		require.NoError(t, err)
		out = append(out, subject{name: "ems", url: srv.URL(), close: srv.Close, faults: srv.Faults(),
			read:    func(ctx context.Context) error { _, err := c.Endpoints.List(ctx, nil); return err },
			missing: func(ctx context.Context) error { _, err := c.Endpoints.Get(ctx, 999999); return err },
			write:   func(ctx context.Context) error { return c.Endpoints.Quarantine(ctx, 1004) },
			pinned: func(ctx context.Context, url string) error {
				c, err := ems.New(url, sitekit.WithCredentials("admin", sitekit.NewSecret("x")), sitekit.WithCertSHA256(wrongPin), noRetry)
				require.NoError(t, err)
				_, err = c.Endpoints.List(ctx, nil)
				return err
			}})
	}
	{
		srv := truenastest.NewTestServer(t)
		c, err := srv.Client(noRetry)
		require.NoError(t, err)
		out = append(out, subject{name: "truenas", url: srv.URL(), close: srv.Close, faults: srv.Faults(),
			read:    func(ctx context.Context) error { _, err := c.Pools.List(ctx, nil); return err },
			missing: func(ctx context.Context) error { _, err := c.Datasets.Get(ctx, "tank/no-such-dataset"); return err },
			write: func(ctx context.Context) error {
				_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/lost"})
				return err
			},
			pinned: func(ctx context.Context, url string) error {
				c, err := truenas.New(url, sitekit.WithToken(sitekit.NewSecret("x")), sitekit.WithCertSHA256(wrongPin), noRetry)
				require.NoError(t, err)
				_, err = c.Pools.List(ctx, nil)
				return err
			}})
	}
	{
		srv := netdatatest.NewTestServer(t)
		c, err := srv.Client(noRetry)
		require.NoError(t, err)
		out = append(out, subject{name: "netdata", url: srv.URL(), close: srv.Close, faults: srv.Faults(),
			read:    func(ctx context.Context) error { _, err := c.Info(ctx); return err },
			missing: func(ctx context.Context) error { _, err := c.Charts.Get(ctx, "no.such_chart"); return err },
			pinned: func(ctx context.Context, url string) error {
				c, err := netdata.New(url, sitekit.WithCertSHA256(wrongPin), noRetry)
				require.NoError(t, err)
				_, err = c.Info(ctx)
				return err
			}})
	}
	return out
}

// TestClientErrorsClassify drives each client into each kind of failure through its simulator
// and asks the public questions of the error it returns.
func TestClientErrorsClassify(t *testing.T) {
	ctx := t.Context()
	for _, s := range subjects(t) {
		t.Run(s.name, func(t *testing.T) {
			require.NoError(t, s.read(ctx), "warm-up (sign-in, version discovery)")

			err := s.missing(ctx)
			require.ErrorIs(t, err, sitekit.ErrNotFound)
			assert.False(t, sitekit.IsRetryable(err), "%v", err)
			assert.False(t, sitekit.IsOutcomeUnknown(err))

			s.faults.FailNext(http.StatusServiceUnavailable, 0)
			err = s.read(ctx)
			require.Error(t, err)
			assert.True(t, sitekit.IsRetryable(err), "503: %v", err)
			assert.False(t, sitekit.IsOutcomeUnknown(err))

			s.faults.FailNext(http.StatusTooManyRequests, 10*time.Minute)
			err = s.read(ctx)
			require.ErrorIs(t, err, sitekit.ErrRateLimited)
			assert.False(t, sitekit.IsRetryable(err), "429 asking for 10 minutes: %v", err)

			if s.name != "truenas" { // TrueNAS's rate limit holds the source off for minutes
				s.faults.FailNext(http.StatusTooManyRequests, time.Second)
				err = s.read(ctx)
				require.ErrorIs(t, err, sitekit.ErrRateLimited)
				assert.True(t, sitekit.IsRetryable(err), "429 asking for 1 s: %v", err)
			}

			if s.write != nil {
				if s.name == "truenas" {
					s.faults.ResetNext() // the WebSocket drops after the call was sent
				} else {
					s.faults.AmbiguousNext()
				}
				err = s.write(ctx)
				require.Error(t, err)
				assert.True(t, sitekit.IsOutcomeUnknown(err), "lost write: %v", err)
				assert.False(t, sitekit.IsRetryable(err), "lost write: %v", err)
			}

			err = s.pinned(ctx, s.url)
			require.ErrorIs(t, err, sitekit.ErrUnauthorized)
			assert.False(t, sitekit.IsRetryable(err), "pin mismatch: %v", err)

			s.close()
			err = s.read(ctx)
			require.Error(t, err)
			assert.True(t, sitekit.IsRetryable(err), "connection refused: %v", err)
			assert.False(t, sitekit.IsOutcomeUnknown(err))
		})
	}
}

// TestUserBuiltAPIErrors: users fake a client's failures with the exported error types.
func TestUserBuiltAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		sentinel  error
		retryable bool
	}{
		{"fortigate code", &fortigate.APIError{Method: "POST", StatusCode: 500, Code: fortigate.CodeDuplicate}, sitekit.ErrExists, false},
		{"fortigate status", &fortigate.APIError{Method: "GET", StatusCode: 404}, sitekit.ErrNotFound, false},
		{"fortigate lockout", &fortigate.APIError{StatusCode: 429}, sitekit.ErrRateLimited, true},
		{"fortigate long lockout", &fortigate.APIError{StatusCode: 429, RetryAfter: time.Hour}, sitekit.ErrRateLimited, false},
		{"fortigate 503", &fortigate.APIError{StatusCode: 503}, nil, true},
		{"xo code", &xo.APIError{Method: "vm.start", Code: xo.CodeNoSuchObject}, sitekit.ErrNotFound, false},
		{"xo xapi", &xo.APIError{Method: "network.create", XapiCode: "PIF_VLAN_EXISTS"}, sitekit.ErrExists, false},
		{"xo pv drivers", &xo.APIError{Code: xo.CodeVMMissingPVDrivers}, nil, true},
		{"xo 429", &xo.APIError{StatusCode: 429, RetryAfter: 2 * time.Second}, sitekit.ErrRateLimited, true},
		{"ems retval", &ems.APIError{StatusCode: 200, RetVal: ems.RetValSessionExpired}, sitekit.ErrUnauthorized, false},
		{"ems message", &ems.APIError{StatusCode: 200, RetVal: ems.RetValFailure, Message: "tag already exists"}, sitekit.ErrExists, false},
		{"ems 502", &ems.APIError{StatusCode: 502}, nil, true},
		{"truenas errno", &truenas.APIError{Method: "pool.dataset.create", Code: truenas.CodeMethodCallError, Errno: truenas.EEXIST}, sitekit.ErrExists, false},
		{"truenas validation", &truenas.APIError{Code: truenas.CodeInvalidParams}, sitekit.ErrInvalid, false},
		{"truenas too many calls", &truenas.APIError{Code: truenas.CodeTooManyCalls}, sitekit.ErrRateLimited, true},
		{"netdata 404", &netdata.APIError{StatusCode: 404}, sitekit.ErrNotFound, false},
		{"netdata 504", &netdata.APIError{StatusCode: 504}, nil, true},
		{"explicit kind", &netdata.APIError{StatusCode: 200, Kind: sitekit.ErrInUse}, sitekit.ErrInUse, false},
	} {
		wrapped := errors.Join(errors.New("context"), tc.err)
		if tc.sentinel != nil {
			assert.ErrorIs(t, wrapped, tc.sentinel, tc.name)
		}
		for _, other := range []error{sitekit.ErrNotFound, sitekit.ErrExists, sitekit.ErrInUse, sitekit.ErrInvalid, sitekit.ErrUnauthorized, sitekit.ErrRateLimited, sitekit.ErrOutcomeUnknown} {
			if other != tc.sentinel {
				assert.NotErrorIs(t, wrapped, other, tc.name)
			}
		}
		assert.Equal(t, tc.retryable, sitekit.IsRetryable(wrapped), tc.name)
		assert.False(t, sitekit.IsOutcomeUnknown(wrapped), tc.name)
		assert.NotEmpty(t, tc.err.Error(), tc.name)
		assert.False(t, strings.Contains(tc.err.Error(), "%!"), tc.name)
	}
}
