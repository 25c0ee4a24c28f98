package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a test server requiring session.signIn before other methods.
type fixture struct {
	t       *testing.T
	srv     *Server
	hs      *httptest.Server
	mu      sync.Mutex
	methods map[string]Handler
	ids     []string
	signIns atomic.Int32
	peers   atomic.Int32
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, methods: map[string]Handler{}}
	f.srv = NewServer(f.handle)
	f.srv.OnPeer = func(*Peer) { f.peers.Add(1) }
	f.hs = httptest.NewServer(f.srv)
	t.Cleanup(f.hs.Close)
	f.methods["session.signIn"] = func(_ context.Context, p *Peer, req *Request) (any, error) {
		var in struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(req.Params, &in); err != nil || in.Token != "secret" {
			return nil, &Error{Code: 2, Message: "not authenticated"}
		}
		f.signIns.Add(1)
		p.SetSession("admin")
		return map[string]string{"id": "u1"}, nil
	}
	f.methods["echo"] = func(_ context.Context, _ *Peer, req *Request) (any, error) {
		return req.Params, nil
	}
	return f
}

func (f *fixture) handle(ctx context.Context, p *Peer, req *Request) (any, error) {
	f.mu.Lock()
	f.ids = append(f.ids, string(req.ID))
	h := f.methods[req.Method]
	f.mu.Unlock()
	if h == nil {
		return nil, &Error{Code: CodeMethodNotFound, Message: "no such method"}
	}
	if req.Method != "session.signIn" && p.Session() == nil {
		return nil, &Error{Code: 2, Message: "not authenticated"}
	}
	return h(ctx, p, req)
}

func (f *fixture) handleFunc(method string, h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.methods[method] = h
}

func signIn(ctx context.Context, c *Conn) error {
	return c.Call(ctx, "session.signIn", map[string]string{"token": "secret"}, nil)
}

func (f *fixture) client(opts ...Option) *Conn {
	f.t.Helper()
	opts = append([]Option{WithOnConnect(signIn)}, opts...)
	c, err := New(f.hs.URL, opts...)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func pendingCount(c *Conn) int {
	c.c.mu.Lock()
	s := c.c.sess
	c.c.mu.Unlock()
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

func TestCallRoundTrip(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	ctx := testCtx(t)

	var got map[string]any
	require.NoError(t, c.Call(ctx, "echo", map[string]any{"a": 1, "b": "x"}, &got))
	assert.Equal(t, map[string]any{"a": 1.0, "b": "x"}, got)

	var arr []int
	require.NoError(t, c.Call(ctx, "echo", []int{1, 2, 3}, &arr))
	assert.Equal(t, []int{1, 2, 3}, arr)

	// nil params: member omitted, result null; nil result pointer discards.
	var null any = "unchanged"
	require.NoError(t, c.Call(ctx, "echo", nil, &null))
	assert.Nil(t, null)
	require.NoError(t, c.Call(ctx, "echo", []int{1}, nil))

	assert.Equal(t, int32(1), f.peers.Load(), "one connection for all calls")
	assert.Equal(t, int32(1), f.signIns.Load())
	assert.Equal(t, 0, pendingCount(c))
}

func TestCallErrorObject(t *testing.T) {
	f := newFixture(t)
	f.handleFunc("vm.create", func(context.Context, *Peer, *Request) (any, error) {
		return nil, fmt.Errorf("wrapped: %w", &Error{Code: 10, Message: "invalid parameters",
			Data: json.RawMessage(`{"errors":[{"field":"name"}]}`)})
	})
	f.handleFunc("boom", func(context.Context, *Peer, *Request) (any, error) {
		return nil, errors.New("plain failure")
	})
	f.handleFunc("panic", func(context.Context, *Peer, *Request) (any, error) {
		panic("bug")
	})
	c := f.client()
	ctx := testCtx(t)

	err := c.Call(ctx, "vm.create", map[string]string{"name": ""}, nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 10, e.Code)
	assert.Equal(t, "invalid parameters", e.Message)
	assert.JSONEq(t, `{"errors":[{"field":"name"}]}`, string(e.Data))
	assert.Equal(t, "jsonrpc: error 10: invalid parameters", e.Error())
	assert.False(t, errors.Is(err, sitekit.ErrOutcomeUnknown))

	require.ErrorAs(t, c.Call(ctx, "boom", nil, nil), &e)
	assert.Equal(t, CodeInternalError, e.Code)
	assert.Equal(t, "plain failure", e.Message)

	require.ErrorAs(t, c.Call(ctx, "panic", nil, nil), &e)
	assert.Equal(t, CodeInternalError, e.Code)

	require.ErrorAs(t, c.Call(ctx, "nope", nil, nil), &e)
	assert.Equal(t, CodeMethodNotFound, e.Code)

	// The connection survives error responses.
	require.NoError(t, c.Call(ctx, "echo", []int{1}, nil))
	assert.Equal(t, int32(1), f.peers.Load())
}

func TestConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	ctx := testCtx(t)

	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			var out []int
			if err := c.Call(ctx, "echo", []int{i}, &out); err != nil {
				errs[i] = err
				return
			}
			if len(out) != 1 || out[0] != i {
				errs[i] = fmt.Errorf("call %d got %v", i, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), f.peers.Load(), "one dial for concurrent first calls")
	assert.Equal(t, int32(1), f.signIns.Load())
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, id := range f.ids {
		assert.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
	assert.Len(t, seen, n+1)
	assert.Equal(t, 0, pendingCount(c))
}

func TestNotificationsDuringCalls(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	f.handleFunc("job.run", func(ctx context.Context, p *Peer, _ *Request) (any, error) {
		for i := range 3 {
			if err := p.Notify(ctx, "collection_update", map[string]any{"id": 7, "progress": i}); err != nil {
				return nil, err
			}
		}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ErrNoResponse
		}
		return 7, nil
	})
	type note struct {
		method string
		params string
	}
	notes := make(chan note, 10)
	c := f.client(WithNotificationHandler(func(m string, p json.RawMessage) {
		notes <- note{m, string(p)}
	}))
	ctx := testCtx(t)

	done := make(chan error, 1)
	var id int
	go func() { done <- c.Call(ctx, "job.run", []any{}, &id) }()
	for i := range 3 {
		n := <-notes // delivered while the call is still pending
		assert.Equal(t, "collection_update", n.method)
		assert.JSONEq(t, fmt.Sprintf(`{"id":7,"progress":%d}`, i), n.params)
	}
	select {
	case err := <-done:
		t.Fatalf("call returned before release: %v", err)
	default:
	}
	close(release)
	require.NoError(t, <-done)
	assert.Equal(t, 7, id)
}

func TestSlowNotificationHandlerDoesNotBlockResponses(t *testing.T) {
	f := newFixture(t)
	f.handleFunc("spam", func(ctx context.Context, p *Peer, _ *Request) (any, error) {
		for i := range 50 {
			if err := p.Notify(ctx, "event", []int{i}); err != nil {
				return nil, err
			}
		}
		return "ok", nil
	})
	unblock := make(chan struct{})
	var got []string
	var mu sync.Mutex
	c := f.client(WithNotificationHandler(func(_ string, p json.RawMessage) {
		<-unblock
		mu.Lock()
		got = append(got, string(p))
		mu.Unlock()
	}))
	ctx := testCtx(t)

	var out string
	require.NoError(t, c.Call(ctx, "spam", nil, &out)) // handler still blocked on the first one
	assert.Equal(t, "ok", out)
	close(unblock)
	require.NoError(t, c.Call(ctx, "spam", nil, nil))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 100
	}, 10*time.Second, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for i := range 50 { // arrival order preserved
		assert.Equal(t, fmt.Sprintf("[%d]", i), got[i])
	}
}

func TestCallContextCancel(t *testing.T) {
	f := newFixture(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	f.handleFunc("hang", func(ctx context.Context, _ *Peer, _ *Request) (any, error) {
		entered <- struct{}{}
		select {
		case <-release:
			return "late", nil
		case <-ctx.Done():
			return nil, ErrNoResponse
		}
	})
	c := f.client()
	ctx := testCtx(t)

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Call(cctx, "hang", nil, nil) }()
	<-entered
	assert.Equal(t, 1, pendingCount(c))
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, pendingCount(c), "pending entry removed")

	close(release) // the late answer is discarded without harm
	require.NoError(t, c.Call(ctx, "echo", []int{1}, nil))
	assert.Equal(t, int32(1), f.peers.Load())
}

func TestCallTimeoutNoAnswer(t *testing.T) {
	f := newFixture(t)
	f.handleFunc("never", func(context.Context, *Peer, *Request) (any, error) {
		return nil, ErrNoResponse
	})
	c := f.client()
	ctx := testCtx(t)
	require.NoError(t, c.Connect(ctx))

	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := c.Call(tctx, "never", nil, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 0, pendingCount(c))
	require.NoError(t, c.Call(ctx, "echo", []int{1}, nil))
}

func TestOnConnectGatesQueuedCalls(t *testing.T) {
	f := newFixture(t)
	hookEntered := make(chan struct{})
	hookGo := make(chan struct{})
	var hooks atomic.Int32
	c, err := New(f.hs.URL, WithOnConnect(func(ctx context.Context, c *Conn) error {
		hooks.Add(1)
		close(hookEntered)
		<-hookGo
		// A call inside the hook with an unrelated context must not deadlock.
		return c.Call(context.Background(), "session.signIn", map[string]string{"token": "secret"}, nil)
	}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)

	const n = 10
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.Call(ctx, "echo", []int{i}, nil) }()
	}
	<-hookEntered
	close(hookGo)
	for range n {
		require.NoError(t, <-errs) // would be "not authenticated" had a call overtaken the hook
	}
	assert.Equal(t, int32(1), hooks.Load())
	assert.Equal(t, int32(1), f.peers.Load())
}

func TestOnConnectFailure(t *testing.T) {
	f := newFixture(t)
	c, err := New(f.hs.URL, WithOnConnect(func(ctx context.Context, c *Conn) error {
		return c.Call(ctx, "session.signIn", map[string]string{"token": "wrong"}, nil)
	}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)

	err = c.Call(ctx, "echo", nil, nil)
	var e *Error
	require.ErrorAs(t, err, &e, "the sign-in error reaches the caller")
	assert.Equal(t, 2, e.Code)
	assert.False(t, errors.Is(err, sitekit.ErrOutcomeUnknown))
	// Each call retries the connection.
	require.ErrorAs(t, c.Call(ctx, "echo", nil, nil), &e)
	assert.Equal(t, int32(2), f.peers.Load())
}

func TestReconnectAfterDrop(t *testing.T) {
	f := newFixture(t)
	entered := make(chan struct{}, 1)
	f.handleFunc("vm.create", func(ctx context.Context, _ *Peer, _ *Request) (any, error) {
		entered <- struct{}{}
		<-ctx.Done() // applied, but the answer is lost with the connection
		return nil, ErrNoResponse
	})
	var hooks atomic.Int32
	c := f.client(WithOnConnect(func(ctx context.Context, c *Conn) error {
		hooks.Add(1)
		return signIn(ctx, c)
	}))
	ctx := testCtx(t)

	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "vm.create", map[string]string{"name": "a"}, nil) }()
	<-entered
	assert.Equal(t, 1, f.srv.DropAll())
	err := <-done
	require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	var ce *ConnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "read", ce.Op)
	assert.Equal(t, "vm.create", ce.Method)
	assert.NotZero(t, ce.ID)
	assert.Contains(t, err.Error(), "outcome unknown")

	// The next call reconnects and signs in again.
	var out []int
	require.NoError(t, c.Call(ctx, "echo", []int{5}, &out))
	assert.Equal(t, []int{5}, out)
	assert.Equal(t, int32(2), hooks.Load())
	assert.Equal(t, int32(2), f.signIns.Load())
	assert.Equal(t, int32(2), f.peers.Load())
}

func TestReconnectAfterIdleDrop(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	ctx := testCtx(t)
	require.NoError(t, c.Call(ctx, "echo", nil, nil))
	s := c.c.sess
	f.srv.DropAll()
	<-s.done // the client noticed the drop
	require.NoError(t, c.Call(ctx, "echo", nil, nil), "no call was in flight: transparent reconnect")
	assert.Equal(t, int32(2), f.signIns.Load())
}

func TestServerCloseWithCode(t *testing.T) {
	f := newFixture(t)
	entered := make(chan *Peer, 1)
	f.handleFunc("big", func(ctx context.Context, p *Peer, _ *Request) (any, error) {
		entered <- p
		<-ctx.Done()
		return nil, ErrNoResponse
	})
	c := f.client()
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "big", nil, nil) }()
	p := <-entered
	_ = p.Close(1009, "Max message length is 64 kB")
	err := <-done
	require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "Max message length")
}

func TestClose(t *testing.T) {
	f := newFixture(t)
	entered := make(chan struct{}, 1)
	f.handleFunc("hang", func(ctx context.Context, _ *Peer, _ *Request) (any, error) {
		entered <- struct{}{}
		<-ctx.Done()
		return nil, ErrNoResponse
	})
	c := f.client()
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "hang", nil, nil) }()
	<-entered
	require.NoError(t, c.Close())
	err := <-done
	require.ErrorIs(t, err, ErrClosed)
	assert.False(t, errors.Is(err, sitekit.ErrOutcomeUnknown))
	require.ErrorIs(t, c.Call(ctx, "echo", nil, nil), ErrClosed)
	require.ErrorIs(t, c.Notify(ctx, "x", nil), ErrClosed)
	require.NoError(t, c.Close(), "idempotent")
}

func TestCloseBeforeUse(t *testing.T) {
	c, err := New("ws://127.0.0.1:1/api/")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.ErrorIs(t, c.Call(context.Background(), "x", nil, nil), ErrClosed)
}

func TestClientNotify(t *testing.T) {
	f := newFixture(t)
	got := make(chan *Request, 1)
	f.handleFunc("core.ping", func(_ context.Context, _ *Peer, req *Request) (any, error) {
		got <- req
		return "ignored", nil
	})
	c := f.client()
	ctx := testCtx(t)
	require.NoError(t, c.Notify(ctx, "core.ping", []int{1}))
	req := <-got
	assert.True(t, req.IsNotification())
	assert.JSONEq(t, `[1]`, string(req.Params))
	require.NoError(t, c.Call(ctx, "echo", nil, nil), "no stray response confused the client")
}

func TestDialError(t *testing.T) {
	hs := httptest.NewServer(nil) // 404 on every path: no upgrade
	defer hs.Close()
	c, err := New(hs.URL + "/api/?token=s3cret")
	require.NoError(t, err)
	defer c.Close()
	err = c.Call(testCtx(t), "x", nil, nil)
	var ce *ConnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "dial", ce.Op)
	assert.False(t, errors.Is(err, sitekit.ErrOutcomeUnknown), "nothing was sent")
	assert.Contains(t, err.Error(), "404")
}

func TestNewValidation(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "ws://", "://bad"} {
		_, err := New(u)
		assert.Error(t, err, u)
	}
	_, err := New("wss://h/api/", WithHTTPClient(nil))
	assert.Error(t, err)
	_, err = New("wss://h/api/", WithReadLimit(0))
	assert.Error(t, err)
	_, err = New("wss://h/api/", WithWriteTimeout(-1))
	assert.Error(t, err)
	_, err = New("wss://h/api/", WithLogger(nil))
	assert.Error(t, err)
	c, err := New("wss://user:pw@h/api/?k=v", WithHeader(map[string][]string{"Cookie": {"a=b"}}))
	require.NoError(t, err)
	assert.Equal(t, "wss://h/api/", c.c.safeURL)
	assert.Equal(t, "a=b", c.c.dialOpt.HTTPHeader.Get("Cookie"))
}

func TestCallValidation(t *testing.T) {
	c, err := New("ws://127.0.0.1:1/")
	require.NoError(t, err)
	defer c.Close()
	assert.Error(t, c.Call(context.Background(), "", nil, nil))
	assert.Error(t, c.Call(context.Background(), "m", func() {}, nil), "unmarshalable params")
}

func TestCloseAbortsConnect(t *testing.T) {
	f := newFixture(t)
	entered := make(chan struct{})
	c, err := New(f.hs.URL, WithOnConnect(func(ctx context.Context, _ *Conn) error {
		close(entered)
		<-ctx.Done()
		return ctx.Err()
	}))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.Call(testCtx(t), "echo", nil, nil) }()
	<-entered
	require.NoError(t, c.Close())
	require.ErrorIs(t, <-done, ErrClosed)
}

func TestLogsNeverCarryParams(t *testing.T) {
	f := newFixture(t)
	var buf safeBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := f.client(WithLogger(logger))
	ctx := testCtx(t)
	require.NoError(t, c.Call(ctx, "echo", map[string]string{"password": "hunter2"}, nil))
	var e *Error
	require.ErrorAs(t, c.Call(ctx, "nope", []string{"hunter2"}, nil), &e)
	c.c.mu.Lock()
	s := c.c.sess
	c.c.mu.Unlock()
	f.srv.DropAll()
	<-s.done
	require.NoError(t, c.Call(ctx, "echo", nil, nil)) // reconnect: sign-in again
	out := buf.String()
	assert.Contains(t, out, "method=echo")
	assert.Contains(t, out, "code=-32601")
	assert.NotContains(t, out, "hunter2")
	assert.NotContains(t, out, "secret", "the sign-in token is not logged")
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
