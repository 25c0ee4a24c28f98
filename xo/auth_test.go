package xo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// rawClient is a plain HTTP client pinned to the simulator (no redirects followed).
func rawClient(t testing.TB, srv *xotest.Server) *http.Client {
	t.Helper()
	cfg, err := sitekit.TLSConfig{CertSHA256: []string{srv.Fingerprint()}}.Build()
	require.NoError(t, err)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t testing.TB, hc *http.Client, method, url string, body any, mod func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if mod != nil {
		mod(req)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Evidence: reference xo.md §2.1 (rest-api authentication middleware: authenticationToken or
// token cookie, Basic, both → 400, none or bad → 401 with WWW-Authenticate: Basic realm="xo").
func TestRESTAuthRules(t *testing.T) {
	srv := xotest.NewTestServer(t)
	hc := rawClient(t, srv)
	url := srv.URL() + "/rest/v0/pools"
	cookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "authenticationToken", Value: srv.Token()}) }
	basic := func(r *http.Request) { r.SetBasicAuth(srv.Username(), srv.Password()) }

	resp, body := do(t, hc, "GET", url, nil, cookie)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("[%q]\n", "/rest/v0/pools/"+srv.PoolID), string(body), "hrefs without fields=")
	resp, _ = do(t, hc, "GET", url, nil, func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "token", Value: srv.Token()}) })
	assert.Equal(t, 200, resp.StatusCode, "token= cookie accepted too")
	resp, _ = do(t, hc, "GET", url, nil, basic)
	assert.Equal(t, 200, resp.StatusCode)
	resp, body = do(t, hc, "GET", url, nil, func(r *http.Request) { cookie(r); basic(r) })
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), "multiple authentication methods")
	resp, _ = do(t, hc, "GET", url, nil, nil)
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, `Basic realm="xo"`, resp.Header.Get("WWW-Authenticate"))
	resp, _ = do(t, hc, "GET", url, nil, func(r *http.Request) { r.SetBasicAuth(srv.Username(), "wrong") })
	assert.Equal(t, 401, resp.StatusCode)
	resp, _ = do(t, hc, "GET", url, nil, func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") })
	assert.Equal(t, 400, resp.StatusCode)

	// 307 from /users/me to /users/<id>.
	resp, _ = do(t, hc, "POST", srv.URL()+"/rest/v0/users/me/authentication_tokens", map[string]any{}, basic)
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Equal(t, "/rest/v0/users/"+srv.UserID+"/authentication_tokens", resp.Header.Get("Location"))

	srv.ExpireTokens()
	resp, _ = do(t, hc, "GET", url, nil, cookie)
	assert.Equal(t, 401, resp.StatusCode)
}

// Evidence: reference xo.md §2.2 (POST /users/me/authentication_tokens answered 307 to
// /users/<id>/…, 201 {"token":{…}}, same client id → same unexpired token).
func TestTokenBootstrapFromCredentials(t *testing.T) {
	srv := xotest.NewTestServer(t)
	newClient := func() *xo.Client {
		c, err := xo.New(srv.URL(), sitekit.WithCredentials(srv.Username(), sitekit.NewSecret(srv.Password())),
			sitekit.WithCertSHA256(srv.Fingerprint()), xo.WithClientID("pessac-tool"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	ctx := ctx(t)
	c1 := newClient()
	pools, err := c1.Pools.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, pools, 1)
	// A second run (same client id) reuses the same token.
	c2 := newClient()
	tok1, err := c1.Tokens.Create(ctx, xo.TokenRequest{ClientID: "pessac-tool"})
	require.NoError(t, err)
	tok2, err := c2.Tokens.Create(ctx, xo.TokenRequest{ClientID: "pessac-tool"})
	require.NoError(t, err)
	assert.Equal(t, tok1.Token.Reveal(), tok2.Token.Reveal())
	assert.Equal(t, "pessac-tool", tok1.Client.ID)
	assert.NotContains(t, fmt.Sprintf("%v %+v", tok1, tok1), tok1.Token.Reveal(), "token never printed")
	// The bootstrapped token is used over JSON-RPC too.
	_, err = c1.BackupRepositories.Test(ctx, "missing")
	assert.ErrorIs(t, err, sitekit.ErrNotFound)

	_, err = xo.New(srv.URL())
	assert.ErrorIs(t, err, sitekit.ErrInvalid)
	bad, err := xo.New(srv.URL(), sitekit.WithCredentials(srv.Username(), sitekit.NewSecret("nope")), sitekit.WithCertSHA256(srv.Fingerprint()))
	require.NoError(t, err)
	_, err = bad.Pools.List(ctx, nil)
	assert.ErrorIs(t, err, sitekit.ErrUnauthorized)
	assert.False(t, strings.Contains(err.Error(), "nope"))
}
