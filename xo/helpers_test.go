package xo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/xo"
	"github.com/sitekit/sitekit/xo/xotest"
)

// setup starts a simulator and a client on it. Waiters poll every millisecond: what they
// see depends on the number of reads (the simulator advances boot progress per read), never
// on time.
func setup(t testing.TB, opts ...xotest.Option) (*xotest.Server, *xo.Client) {
	t.Helper()
	srv := xotest.NewTestServer(t, opts...)
	c, err := srv.Client(xo.WithPollInterval(time.Millisecond), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

// memClient returns a REST-only client whose requests run srv's handler in memory (no
// socket), so that a testing/synctest bubble controls every pause of the waiters. srv must
// be started with xotest.WithPlainHTTP.
func memClient(t testing.TB, srv *xotest.Server) *xo.Client {
	t.Helper()
	c, err := srv.Client(sitekit.WithHTTPClient(&http.Client{Transport: memTransport{srv.Handler()}}),
		sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return c
}

// memTransport answers a request by calling a handler in memory.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.RequestURI = r.URL.RequestURI()
	if r2.Body == nil {
		r2.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	m.h.ServeHTTP(w, r2)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
