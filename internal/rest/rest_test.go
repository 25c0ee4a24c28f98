package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/simkit"
)

// fakeTransport answers from a handler in memory, so tests can run inside a synctest bubble.
type fakeTransport struct{ h http.Handler }

func (f fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w.Result(), nil
}

func newTestClient(t *testing.T, h http.Handler, opts ...sitekit.Option) *Client {
	t.Helper()
	opts = append([]sitekit.Option{sitekit.WithHTTPClient(&http.Client{Transport: fakeTransport{h}}), sitekit.WithToken(sitekit.NewSecret("s3cr3t-token"))}, opts...)
	s, err := sitekit.Apply(opts...)
	require.NoError(t, err)
	c, err := New(Config{Appliance: "test", BaseURL: "https://appliance.example/base", Settings: s,
		Authorize: func(_ context.Context, h http.Header) error {
			h.Set("Authorization", "Bearer "+s.Token.Reveal())
			return nil
		}})
	require.NoError(t, err)
	return c
}

func TestRetryIdempotentOn503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte(`{"ok":true}`))
		}))
		var out struct{ OK bool }
		resp, err := c.Do(t.Context(), Request{Path: "/x", Result: &out})
		require.NoError(t, err)
		assert.True(t, out.OK)
		assert.Equal(t, 3, resp.Attempts)
	})
}

func TestPostNotRetriedOn503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		_, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/x", Body: map[string]int{"a": 1}})
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 503, ae.StatusCode)
		assert.Equal(t, int32(1), n.Load())
	})
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
		require.NoError(t, err)
		assert.Equal(t, 7*time.Second, time.Since(start), "fake clock: exactly the Retry-After")

		n.Store(0)
		c2 := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		_, err = c2.Do(t.Context(), Request{Path: "/x"})
		require.ErrorIs(t, err, sitekit.ErrRateLimited)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, time.Hour, ae.RetryAfter)
		assert.Equal(t, int32(1), n.Load(), "a hint over the cap is returned, not waited")
	})
}

func TestClassifierOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusTooManyRequests)
		})
		s, _ := sitekit.Apply(sitekit.WithHTTPClient(&http.Client{Transport: fakeTransport{h}}))
		c, err := New(Config{Appliance: "fgt", BaseURL: "https://fw.example", Settings: s,
			Classify: func(a *Attempt) bool { return a.StatusCode != 429 && DefaultClassifier(a) }})
		require.NoError(t, err)
		_, err = c.Do(t.Context(), Request{Path: "/x"})
		require.ErrorIs(t, err, sitekit.ErrRateLimited)
		assert.Equal(t, int32(1), n.Load())
	})
}

func TestAmbiguousPostIsOutcomeUnknown(t *testing.T) {
	inj := simkit.NewInjector(simkit.Faults{})
	var created atomic.Int32
	srv := httptest.NewServer(inj.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			created.Add(1)
		}
		w.WriteHeader(200)
	}), nil))
	defer srv.Close()
	s, _ := sitekit.Apply(sitekit.WithRetry(sitekit.RetryPolicy{InitialInterval: time.Millisecond}))
	c, err := New(Config{Appliance: "t", BaseURL: srv.URL, Settings: s})
	require.NoError(t, err)

	inj.AmbiguousNext()
	_, err = c.Do(t.Context(), Request{Method: http.MethodPost, Path: "/objs", Body: []byte("{}")})
	require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	assert.Equal(t, int32(1), created.Load(), "applied once, never resent")

	inj.ResetNext()
	_, err = c.Do(t.Context(), Request{Path: "/objs"})
	require.NoError(t, err, "a GET whose connection dropped is retried")
}

func TestPathEscapingAndBasePath(t *testing.T) {
	var got string
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		w.WriteHeader(204)
	}))
	_, err := c.Do(t.Context(), Request{Path: Path(Raw("api/v2/cmdb"), "firewall", "address", "10.0.0.0/24 net")})
	require.NoError(t, err)
	assert.Equal(t, "/base/api/v2/cmdb/firewall/address/10.0.0.0%2F24%20net", got)
}

func TestSecretsNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}), sitekit.WithLogger(log))
	_, err := c.Do(t.Context(), Request{Path: "/x", Query: map[string][]string{"access_token": {"s3cr3t-token"}, "vdom": {"root"}}})
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	for _, s := range []string{buf.String(), err.Error(), fmt.Sprintf("%v %+v %#v", c.Settings(), c.Settings(), c.Settings())} {
		assert.NotContains(t, s, "s3cr3t-token")
	}
	assert.Contains(t, buf.String(), `"path":"/x?access_token=%5Bredacted%5D&vdom=root"`)
	assert.Contains(t, buf.String(), `"attempt":1`)
}

func TestPlainHTTPRefusedToRemoteHost(t *testing.T) {
	s, _ := sitekit.Apply(sitekit.WithToken(sitekit.NewSecret("t")))
	_, err := New(Config{Appliance: "t", BaseURL: "http://10.0.0.1", Settings: s})
	var fe *sitekit.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "BaseURL", fe.Field)
	_, err = New(Config{Appliance: "t", BaseURL: "http://127.0.0.1:19999", Settings: s})
	require.NoError(t, err)
	_, err = New(Config{Appliance: "t", BaseURL: "https://user:pw@fw.example", Settings: s})
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	assert.NotContains(t, err.Error(), "pw")
}

func TestPinning(t *testing.T) {
	srv, fp, err := simkit.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }), "", true)
	require.NoError(t, err)
	defer srv.Close()

	good, _ := sitekit.Apply(sitekit.WithCertSHA256(strings.ToUpper(fp)), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	c, err := New(Config{Appliance: "t", BaseURL: srv.URL, Settings: good})
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Path: "/"})
	require.NoError(t, err)

	var logs bytes.Buffer
	bad, _ := sitekit.Apply(sitekit.WithCertSHA256(strings.Repeat("ab", 32)), sitekit.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c, err = New(Config{Appliance: "t", BaseURL: srv.URL, Settings: bad})
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Path: "/"})
	var pm *sitekit.PinMismatchError
	require.ErrorAs(t, err, &pm)
	assert.Equal(t, fp, pm.Got)
	assert.Equal(t, 1, strings.Count(logs.String(), `"msg":"http request"`), "a pin mismatch is never retried")

	srv2, fp2, err := simkit.Start(http.NotFoundHandler(), "", true)
	require.NoError(t, err)
	defer srv2.Close()
	assert.NotEqual(t, fp, fp2, "each simulator has its own certificate")

	none, _ := sitekit.Apply(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	c, err = New(Config{Appliance: "t", BaseURL: srv.URL, Settings: none})
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Path: "/"})
	require.Error(t, err, "self-signed certificate without a pin is refused")

	got, err := sitekit.FetchFingerprint(t.Context(), srv.Listener.Addr().String())
	require.NoError(t, err)
	assert.Equal(t, fp, got)
}

func TestContextCancelStopsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		}), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 100, InitialInterval: time.Second, MaxInterval: time.Second}))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := c.Do(ctx, Request{Path: "/x"})
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil)
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, 5*time.Second, ParseRetryAfter("5", now))
	assert.Equal(t, time.Duration(0), ParseRetryAfter("-1", now))
	assert.Equal(t, 90*time.Second, ParseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
	assert.Equal(t, time.Duration(0), ParseRetryAfter("soon", now))
}

// Log records are built only for the levels the logger keeps: a Warn logger sees the
// failed attempts of a retried GET (with the sanitized path on each) and nothing of the
// success; a transport error carries the sanitized path too.
func TestLogOnlyEnabledLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
		var calls atomic.Int32
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, `{}`)
		}), sitekit.WithLogger(log))
		_, err := c.Do(t.Context(), Request{Path: "/y", Query: map[string][]string{"token": {"s3cr3t-token"}}})
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		require.Len(t, lines, 2, buf.String())
		for i, l := range lines {
			assert.Contains(t, l, `"level":"WARN"`)
			assert.Contains(t, l, `"path":"/y?token=%5Bredacted%5D"`)
			assert.Contains(t, l, fmt.Sprintf(`"attempt":%d`, i+1))
		}
	})
	failing := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("connection reset") })}
	c := newTestClient(t, nil, sitekit.WithHTTPClient(failing), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	_, err := c.Do(t.Context(), Request{Path: "/z", Query: map[string][]string{"password": {"pw"}}})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "/z?password=%5Bredacted%5D", te.Path)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
