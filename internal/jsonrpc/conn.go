package jsonrpc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// DefaultReadLimit is the default maximum size of one incoming message (64 MiB).
const DefaultReadLimit = 64 << 20

// DefaultWriteTimeout bounds the write of one message on the wire.
const DefaultWriteTimeout = 30 * time.Second

// NotificationHandler receives server notifications (messages with a method and no id), in
// arrival order, from a single goroutine distinct from the one reading the connection. params
// is nil when absent; it is not reused and may be retained.
type NotificationHandler func(method string, params json.RawMessage)

// OnConnectFunc runs after each successful dial, before any queued call proceeds. Calls made on
// the *Conn it receives (with any context) go straight to the new connection and do not wait
// for the hook: use it to sign in. Returning an error closes the new connection and fails the
// calls waiting for it with that error.
type OnConnectFunc func(ctx context.Context, c *Conn) error

// Option configures a [Conn].
type Option func(*options) error

type options struct {
	httpClient   *http.Client
	tlsConfig    *tls.Config
	header       http.Header
	onConnect    OnConnectFunc
	onNotify     NotificationHandler
	readLimit    int64
	writeTimeout time.Duration
	logger       *slog.Logger
}

// WithHTTPClient sets the HTTP client used for the WebSocket handshake (for example one whose
// transport pins the appliance's certificate). It must speak HTTP/1.1 to the server.
// It cannot be combined with [WithTLSConfig].
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("nil *http.Client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithTLSConfig sets the TLS configuration of the handshake; a dedicated HTTP/1.1 transport is
// built from it. It cannot be combined with [WithHTTPClient].
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) error {
		if cfg == nil {
			return errors.New("nil *tls.Config")
		}
		o.tlsConfig = cfg.Clone()
		return nil
	}
}

// WithHeader adds HTTP headers to the handshake request (for example a cookie). The header is
// copied.
func WithHeader(h http.Header) Option {
	return func(o *options) error {
		if o.header == nil {
			o.header = http.Header{}
		}
		for k, vs := range h {
			for _, v := range vs {
				o.header.Add(k, v)
			}
		}
		return nil
	}
}

// WithOnConnect sets the hook run on every connect and reconnect; see [OnConnectFunc].
func WithOnConnect(fn OnConnectFunc) Option {
	return func(o *options) error { o.onConnect = fn; return nil }
}

// WithNotificationHandler sets the receiver of server notifications. Without it notifications
// are discarded. Notifications are queued without bound, so a slow handler never blocks
// responses; it must still keep up on average.
func WithNotificationHandler(fn NotificationHandler) Option {
	return func(o *options) error { o.onNotify = fn; return nil }
}

// WithReadLimit sets the maximum size in bytes of one incoming message ([DefaultReadLimit]).
// A larger message closes the connection.
func WithReadLimit(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return errors.New("read limit must be positive")
		}
		o.readLimit = n
		return nil
	}
}

// WithWriteTimeout bounds the write of one message ([DefaultWriteTimeout]). A write that
// exceeds it closes the connection.
func WithWriteTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("write timeout must be positive")
		}
		o.writeTimeout = d
		return nil
	}
}

// WithLogger sets the logger (default: discard). Parameters and results are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("nil *slog.Logger")
		}
		o.logger = l
		return nil
	}
}

// Conn is a JSON-RPC 2.0 client over one WebSocket connection at a time, re-dialled on demand.
// It is safe for concurrent use. The zero value is not usable; call [New].
type Conn struct {
	c     *core
	bound *session // set on the Conn handed to the OnConnect hook
}

type core struct {
	url     string
	safeURL string
	opts    options
	dialOpt websocket.DialOptions
	log     *slog.Logger
	nextID  atomic.Uint64

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu      sync.Mutex
	closed  bool
	sess    *session
	dialing *dialState

	nq notifyQueue
}

type dialState struct {
	done   chan struct{}
	err    error
	ctxErr bool // the dial failed because the dialer's own context ended
}

// New returns a client for the WebSocket URL rawURL (ws, wss, http or https scheme). It does no
// I/O: the first call dials.
func New(rawURL string, opts ...Option) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errorf("invalid URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, errorf("invalid URL scheme %q: want ws or wss", u.Scheme)
	}
	if u.Host == "" {
		return nil, errorf("invalid URL: missing host")
	}
	o := options{readLimit: DefaultReadLimit, writeTimeout: DefaultWriteTimeout}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, errorf("option: %w", err)
		}
	}
	if o.httpClient != nil && o.tlsConfig != nil {
		return nil, errorf("WithHTTPClient and WithTLSConfig are exclusive")
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	k := &core{url: rawURL, safeURL: redactURL(u), opts: o, log: o.logger}
	k.dialOpt.HTTPClient = o.httpClient
	if o.tlsConfig != nil {
		k.dialOpt.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: o.tlsConfig,
		}}
	}
	k.dialOpt.HTTPHeader = o.header
	k.ctx, k.cancel = context.WithCancel(context.Background())
	k.nq.handler = o.onNotify
	k.nq.log = k.log
	return &Conn{c: k}, nil
}

func redactURL(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery = ""
	v.Fragment = ""
	return v.String()
}

// Connect establishes the connection (and runs the OnConnect hook) if it is not up, without
// sending a call. Calls connect on their own; Connect lets a caller check credentials early.
func (c *Conn) Connect(ctx context.Context) error {
	_, err := c.session(ctx)
	return err
}

// TLSConnectionState returns the TLS state of the current connection (on the Conn given to
// an OnConnect hook: of the connection being set up), nil over plain ws:// or when not
// connected. Authentication schemes use it for channel binding.
func (c *Conn) TLSConnectionState() *tls.ConnectionState {
	s := c.bound
	if s == nil {
		c.c.mu.Lock()
		s = c.c.sess
		c.c.mu.Unlock()
	}
	if s == nil {
		return nil
	}
	return s.tls
}

type callIDKey struct{}

// WithCallID returns a context whose calls report the id of each request they send to fn,
// before sending it. Servers that announce progress by request id (TrueNAS job events carry
// the ids of the calls that started them) need it.
func WithCallID(ctx context.Context, fn func(id string)) context.Context {
	return context.WithValue(ctx, callIDKey{}, fn)
}

// Close closes the connection cleanly and fails pending and later calls with [ErrClosed]. It
// is idempotent. On the Conn given to an OnConnect hook it closes the whole client.
func (c *Conn) Close() error {
	k := c.c
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil
	}
	k.closed = true
	s := k.sess
	k.sess = nil
	k.mu.Unlock()
	if s != nil {
		s.fail(ErrClosed)
		if err := s.ws.Close(websocket.StatusNormalClosure, ""); err != nil {
			k.log.Debug("jsonrpc close", "error", err)
		}
	}
	k.cancel()
	return nil
}

// Call sends a request and waits for its response, decoding the result into result (a pointer;
// nil discards it). params is marshalled as is (array or object); nil omits the member.
// See the package documentation for the errors.
func (c *Conn) Call(ctx context.Context, method string, params any, result any) error {
	if method == "" {
		return errorf("empty method")
	}
	rawParams, err := marshalParams(params)
	if err != nil {
		return errorf("%s: marshal params: %w", method, err)
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		id := c.c.nextID.Add(1)
		if fn, ok := ctx.Value(callIDKey{}).(func(string)); ok {
			fn(strconv.FormatUint(id, 10))
		}
		data, err := json.Marshal(request{
			JSONRPC: "2.0",
			ID:      json.RawMessage(strconv.FormatUint(id, 10)),
			Method:  method,
			Params:  rawParams,
		})
		if err != nil {
			return errorf("%s: marshal request: %w", method, err)
		}
		ch := make(chan *message, 1)
		if !s.register(id, ch) {
			if attempt == 0 && c.bound == nil {
				continue // nothing was sent: safe to use a fresh connection
			}
			return c.lostErr(s, "write", method, id)
		}
		sent, err := s.write(ctx, data)
		if err != nil {
			s.unregister(id)
			switch {
			case !sent && ctx.Err() != nil:
				return ctx.Err()
			case !sent && attempt == 0 && c.bound == nil:
				continue
			default:
				return c.lostErr(s, "write", method, id)
			}
		}
		var m *message
		select {
		case m = <-ch:
		case <-s.done:
			select {
			case m = <-ch:
			default:
				c.logCall(method, id, start, "connection lost")
				return c.lostErr(s, "read", method, id)
			}
		case <-ctx.Done():
			s.unregister(id)
			c.logCall(method, id, start, "context done")
			return ctx.Err()
		}
		if m.err != nil {
			c.c.log.Debug("jsonrpc call", "method", method, "id", id,
				"duration", time.Since(start), "code", m.err.Code)
			e := *m.err
			return &e
		}
		c.logCall(method, id, start, "")
		if result != nil && len(m.result) > 0 {
			if err := json.Unmarshal(m.result, result); err != nil {
				return errorf("%s: decode result: %w", method, err)
			}
		}
		return nil
	}
}

func (c *Conn) logCall(method string, id uint64, start time.Time, failure string) {
	if failure == "" {
		c.c.log.Debug("jsonrpc call", "method", method, "id", id, "duration", time.Since(start))
		return
	}
	c.c.log.Debug("jsonrpc call", "method", method, "id", id, "duration", time.Since(start),
		"error", failure)
}

func (c *Conn) lostErr(s *session, op, method string, id uint64) error {
	cause := s.cause()
	if errors.Is(cause, ErrClosed) {
		return errorf("%s: %w", method, ErrClosed)
	}
	return &ConnError{Op: op, Method: method, ID: id, Err: cause}
}

// Notify sends a notification (a request without id, which gets no response). It connects
// first if needed.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	if method == "" {
		return errorf("empty method")
	}
	rawParams, err := marshalParams(params)
	if err != nil {
		return errorf("%s: marshal params: %w", method, err)
	}
	data, err := json.Marshal(request{JSONRPC: "2.0", Method: method, Params: rawParams})
	if err != nil {
		return errorf("%s: marshal request: %w", method, err)
	}
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	sent, err := s.write(ctx, data)
	if err != nil {
		if !sent && ctx.Err() != nil {
			return ctx.Err()
		}
		return c.lostErr(s, "write", method, 0)
	}
	return nil
}

func marshalParams(params any) (json.RawMessage, error) {
	if params == nil {
		return nil, nil
	}
	if raw, ok := params.(json.RawMessage); ok && len(raw) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// session returns the live connection, dialling (once for all concurrent callers) if needed.
func (c *Conn) session(ctx context.Context) (*session, error) {
	if c.bound != nil {
		return c.bound, nil
	}
	k := c.c
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k.mu.Lock()
		if k.closed {
			k.mu.Unlock()
			return nil, ErrClosed
		}
		if s := k.sess; s != nil && !s.isDone() {
			k.mu.Unlock()
			return s, nil
		}
		if d := k.dialing; d != nil {
			k.mu.Unlock()
			select {
			case <-d.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if d.err != nil && !d.ctxErr {
				return nil, d.err
			}
			continue
		}
		d := &dialState{done: make(chan struct{})}
		k.dialing = d
		k.mu.Unlock()

		s, err := c.connect(ctx)

		k.mu.Lock()
		k.dialing = nil
		if err == nil && k.closed {
			s.fail(ErrClosed)
			_ = s.ws.CloseNow()
			err = ErrClosed
		}
		if err == nil {
			k.sess = s
		}
		d.err = err
		d.ctxErr = ctx.Err() != nil
		close(d.done)
		k.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

func (c *Conn) connect(ctx context.Context) (*session, error) {
	k := c.c
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(k.ctx, cancel) // Close aborts a dial in progress
	defer stop()

	start := time.Now()
	ws, resp, err := websocket.Dial(dctx, k.url, &k.dialOpt)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if k.ctx.Err() != nil {
			return nil, ErrClosed
		}
		k.log.Warn("jsonrpc dial failed", "url", k.safeURL, "error", err)
		if resp != nil {
			err = errorf("handshake status %d: %w", resp.StatusCode, err)
		}
		return nil, &ConnError{Op: "dial", Err: err}
	}
	ws.SetReadLimit(k.opts.readLimit)
	s := newSession(k, ws)
	if resp != nil {
		s.tls = resp.TLS
	}
	go k.readLoop(s)
	k.log.Info("jsonrpc connected", "url", k.safeURL, "duration", time.Since(start))

	if hook := k.opts.onConnect; hook != nil {
		if err := hook(dctx, &Conn{c: k, bound: s}); err != nil {
			s.fail(errorf("on-connect hook failed: %w", err))
			_ = ws.CloseNow()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if k.ctx.Err() != nil {
				return nil, ErrClosed
			}
			k.log.Warn("jsonrpc on-connect failed", "url", k.safeURL, "error", err)
			return nil, errorf("on-connect: %w", err)
		}
	}
	return s, nil
}

func (k *core) readLoop(s *session) {
	for {
		_, data, err := s.ws.Read(context.Background())
		if err != nil {
			if s.ctx.Err() != nil {
				err = s.ctx.Err()
			}
			s.stopClose()
			if s.fail(err) {
				k.log.Warn("jsonrpc connection lost", "url", k.safeURL, "error", err)
			}
			_ = s.ws.CloseNow()
			return
		}
		m, err := decodeMessage(data)
		if err != nil {
			k.log.Warn("jsonrpc undecodable message", "error", err, "size", len(data))
			continue
		}
		switch m.kind {
		case kindNotification:
			if m.rawID != nil {
				k.log.Debug("jsonrpc server request treated as notification", "method", m.method)
			}
			k.nq.push(m.method, m.params)
		case kindResponse:
			if !m.idOK || !s.deliver(m.id, m) {
				attrs := []any{"id", string(m.rawID)}
				if m.err != nil {
					attrs = append(attrs, "code", m.err.Code, "message", m.err.Message)
				}
				k.log.Debug("jsonrpc unmatched response", attrs...)
			}
		}
	}
}

// session is one WebSocket connection and its pending calls.
type session struct {
	ws           *websocket.Conn
	ctx          context.Context // the client's lifetime
	writeTimeout time.Duration
	wmu          chan struct{} // write lock honouring the caller's context
	// wtimer bounds each write (held under wmu): it closes the connection when a write takes
	// longer than writeTimeout. One timer per session, reset per write, rather than a context
	// per write: coder/websocket registers a context.AfterFunc for every cancellable context
	// it reads or writes with, which was the largest allocation of a round trip.
	wtimer    *time.Timer
	wexpired  atomic.Bool
	stopClose func() bool // unregisters the close-on-client-close hook

	tls *tls.ConnectionState // the handshake's TLS state, nil over ws://

	mu      sync.Mutex
	pending map[uint64]chan *message
	err     error
	done    chan struct{}
}

func newSession(k *core, ws *websocket.Conn) *session {
	s := &session{
		ws: ws, ctx: k.ctx, writeTimeout: k.opts.writeTimeout,
		wmu: make(chan struct{}, 1), pending: map[uint64]chan *message{}, done: make(chan struct{}),
	}
	// Reads and writes use a context that is never cancelled; the connection is closed once
	// when the client closes, which ends a blocked read or write.
	s.stopClose = context.AfterFunc(k.ctx, func() { _ = ws.CloseNow() })
	s.wtimer = time.AfterFunc(time.Hour, func() {
		s.wexpired.Store(true)
		_ = ws.CloseNow()
	})
	s.wtimer.Stop()
	return s
}

func (s *session) isDone() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *session) cause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// fail marks the session dead with err; it reports whether this call did it.
func (s *session) fail(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false
	}
	s.err = err
	s.pending = nil
	close(s.done)
	return true
}

func (s *session) register(id uint64, ch chan *message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false
	}
	s.pending[id] = ch
	return true
}

func (s *session) unregister(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, id)
}

func (s *session) deliver(id uint64, m *message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.pending[id]
	if !ok {
		return false
	}
	delete(s.pending, id)
	ch <- m // buffered, one message per id
	return true
}

// write sends one message. sent reports whether bytes may have reached the wire.
func (s *session) write(ctx context.Context, data []byte) (sent bool, err error) {
	select {
	case s.wmu <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-s.done:
		return false, s.cause()
	}
	defer func() { <-s.wmu }()
	if s.isDone() {
		return false, s.cause()
	}
	// The caller's context is not used for the write itself: coder/websocket closes the
	// connection when the write context ends mid-frame, which would break other calls.
	s.wtimer.Reset(s.writeTimeout)
	err = s.ws.Write(context.Background(), websocket.MessageText, data)
	if !s.wtimer.Stop() && s.wexpired.Load() {
		err = fmt.Errorf("write: no progress within %s: %w", s.writeTimeout, context.DeadlineExceeded)
	}
	if err != nil {
		if s.ctx.Err() != nil {
			err = s.ctx.Err()
		}
		s.fail(err)
		_ = s.ws.CloseNow()
		return true, err
	}
	return true, nil
}

// notifyQueue delivers notifications in order from one goroutine, started on demand.
type notifyQueue struct {
	handler NotificationHandler
	log     *slog.Logger
	mu      sync.Mutex
	items   []notification
	running bool
}

type notification struct {
	method string
	params json.RawMessage
}

func (q *notifyQueue) push(method string, params json.RawMessage) {
	if q.handler == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, notification{method, params})
	if !q.running {
		q.running = true
		go q.drain()
	}
}

func (q *notifyQueue) drain() {
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.running = false
			q.items = nil
			q.mu.Unlock()
			return
		}
		n := q.items[0]
		q.items[0] = notification{}
		q.items = q.items[1:]
		q.mu.Unlock()
		q.call(n)
	}
}

func (q *notifyQueue) call(n notification) {
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("jsonrpc notification handler panicked", "method", n.method, "panic", r)
		}
	}()
	q.handler(n.method, n.params)
}
