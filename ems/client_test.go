package ems_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/ems/emstest"
)

const signinKey = "POST /api/v1/auth/signin"

func setup(t *testing.T, opts ...emstest.Option) (*emstest.Server, *ems.Client) {
	t.Helper()
	srv := emstest.NewTestServer(t, opts...)
	c, err := srv.Client()
	require.NoError(t, err)
	return srv, c
}

func TestNewValidates(t *testing.T) {
	_, err := ems.New("https://ems.example")
	var fe *sitekit.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "Credentials", fe.Field)

	cred := sitekit.WithCredentials("admin", sitekit.NewSecret("pw"))
	_, err = ems.New("http://10.0.0.5", cred)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	_, err = ems.New("ftp://ems", cred)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	_, err = ems.New("https://ems.example", cred, ems.WithSite(" "))
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "Site", fe.Field)

	c, err := ems.New("https://ems.example/api/v1/", cred)
	require.NoError(t, err)
	assert.Equal(t, `ems.Client(https://ems.example, user "admin")`, c.String())
}

func TestSessionIsReusedAndSignOut(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	for range 3 {
		sn, err := c.System.Serial(ctx)
		require.NoError(t, err)
		assert.Equal(t, emstest.DefaultSerial, sn)
	}
	assert.Equal(t, 1, srv.Faults().Calls(signinKey))
	assert.Equal(t, 1, srv.Sessions())

	require.NoError(t, c.SignOut(ctx))
	assert.Equal(t, 0, srv.Sessions())
	assert.Equal(t, 1, srv.Faults().Calls("GET /api/v1/auth/signout"))
	_, err := c.System.Serial(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Faults().Calls(signinKey), "signs in again after sign-out")
}

func TestExpiredSessionReloginTransparently(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.System.Serial(ctx)
	require.NoError(t, err)

	srv.ExpireSessions()
	// A read and a write (CSRF-checked) both survive the expiry.
	_, err = c.System.Serial(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Faults().Calls(signinKey))
	assert.Equal(t, 3, srv.Faults().Calls("GET /api/v1/system/serial_number"), "ok, expired, replayed once")

	srv.ExpireSessions()
	require.NoError(t, c.Endpoints.Quarantine(ctx, 1001))
	assert.Equal(t, 3, srv.Faults().Calls(signinKey))
	e, _ := srv.Endpoint(1001)
	assert.True(t, e.Quarantined)
}

func TestReloginOnlyOnce(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.System.Serial(ctx)
	require.NoError(t, err)
	srv.ExpireSessions()
	srv.ExpireNewSessions(true) // the re-login's session is refused too
	_, err = c.System.Serial(ctx)
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	var ae *ems.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, ems.RetValSessionExpired, ae.RetVal)
	assert.Equal(t, 2, srv.Faults().Calls(signinKey), "exactly one re-login")
	assert.Equal(t, 3, srv.Faults().Calls("GET /api/v1/system/serial_number"), "one replay, no loop")

	srv.ExpireNewSessions(false)
	_, err = c.System.Serial(ctx)
	require.NoError(t, err, "recovers once sessions work again")
}

func TestConcurrentCallsSignInOnce(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.System.Serial(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Faults().Calls(signinKey))
}

func TestWrongPasswordAndSecretsNeverLeak(t *testing.T) {
	srv := emstest.NewTestServer(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const wrong = "not-the-password-4711"
	c, err := srv.Client(sitekit.WithCredentials(srv.Username(), sitekit.NewSecret(wrong)), sitekit.WithLogger(logger))
	require.NoError(t, err)
	_, err = c.System.Serial(context.Background())
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	var ae *ems.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)

	good, err := srv.Client(sitekit.WithLogger(logger))
	require.NoError(t, err)
	_, err = good.System.Serial(context.Background())
	require.NoError(t, err)
	srv.ExpireSessions()
	_, err = good.Endpoints.List(context.Background(), &ems.EndpointListOptions{PageSize: 2})
	require.NoError(t, err)

	for _, text := range []string{logs.String(), err2s(err), fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
		fmt.Sprintf("%v %#v", good, good), fmt.Sprintf("%#v", *good.System)} {
		assert.NotContains(t, text, wrong)
		assert.NotContains(t, text, srv.Password())
	}
	assert.Contains(t, logs.String(), "/api/v1/auth/signin", "the log is really captured")
}

func err2s(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + fmt.Sprintf(" %v %+v %#v", err, err, err)
}

func TestSiteOption(t *testing.T) {
	srv := emstest.NewTestServer(t, emstest.WithSites("Pessac"))
	c, err := srv.Client(ems.WithSite("Pessac"))
	require.NoError(t, err)
	_, err = c.System.Serial(context.Background())
	require.NoError(t, err)

	c, err = srv.Client(ems.WithSite("Nowhere"))
	require.NoError(t, err)
	_, err = c.System.Serial(context.Background())
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
}

func TestDoEscapeHatch(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	var sn string
	require.NoError(t, c.Do(ctx, "get", "system/serial_number", nil, &sn))
	assert.Equal(t, emstest.DefaultSerial, sn)

	var page struct {
		Total int `json:"total"`
	}
	require.NoError(t, c.Do(ctx, http.MethodGet, "/api/v1/endpoints/index?offset=0&count=1", nil, &page))
	assert.Equal(t, 12, page.Total)

	require.NoError(t, c.Do(ctx, http.MethodPost, "/api/v1/clients/quarantine", map[string][]int{"ids": {1002}}, nil))
	e, _ := srv.Endpoint(1002)
	assert.True(t, e.Quarantined)

	err := c.Do(ctx, http.MethodGet, "/api/v1/invitations/index", nil, nil)
	require.ErrorIs(t, err, sitekit.ErrNotFound, "HTML 404 pages decode too")
	err = c.Do(ctx, "", "x", nil, nil)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
}

func TestTransientFaultsRetriedOnlyWhenSafe(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.System.Serial(ctx)
	require.NoError(t, err)

	srv.Faults().FailNext(http.StatusServiceUnavailable, 0)
	_, err = c.System.Serial(ctx)
	require.NoError(t, err, "an idempotent read is retried")

	srv.Faults().FailNext(http.StatusServiceUnavailable, 0)
	err = c.Endpoints.Quarantine(ctx, 1003)
	var ae *ems.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
	assert.Equal(t, 1, srv.Faults().Calls("POST /api/v1/clients/quarantine"), "a write is never re-sent blindly")

	srv.Faults().AmbiguousNext()
	err = c.Endpoints.Quarantine(ctx, 1004)
	require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	e, _ := srv.Endpoint(1004)
	assert.True(t, e.Quarantined, "the ambiguous write was applied")
}
