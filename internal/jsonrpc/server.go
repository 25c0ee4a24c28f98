package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// Request is an incoming request as seen by a [Handler].
type Request struct {
	// ID is the request id as sent by the client (number or string); nil for a notification,
	// whose answer, if any, is not sent.
	ID json.RawMessage
	// Method is the method name.
	Method string
	// Params is the params member as sent (array or object); nil when absent.
	Params json.RawMessage
}

// IsNotification reports whether the request has no id (no response is sent).
func (r *Request) IsNotification() bool { return r.ID == nil }

// Handler serves one request. The result is marshalled as the response's result (nil → null).
// A returned error that wraps a [*Error] is sent as that error object; [ErrNoResponse] sends
// nothing; any other error is sent as CodeInternalError with the error's text. ctx ends when the
// connection does. Each request runs in its own goroutine.
type Handler func(ctx context.Context, p *Peer, req *Request) (result any, err error)

// Server serves JSON-RPC 2.0 over WebSocket; it implements [net/http.Handler]. Build it with
// [NewServer] or as a literal with Handler set. Simulators typically mount it on their own mux.
type Server struct {
	// Handler serves requests; required.
	Handler Handler
	// ReadLimit is the maximum incoming message size; 0 means DefaultReadLimit.
	ReadLimit int64
	// AcceptOptions are passed to websocket.Accept (nil: defaults, same-origin only).
	AcceptOptions *websocket.AcceptOptions
	// OnPeer, if set, runs when a connection is accepted, before its first request is read.
	OnPeer func(p *Peer)
	// Logger receives connection-level events (default: discard).
	Logger *slog.Logger

	mu    sync.Mutex
	peers map[*Peer]struct{}
}

// NewServer returns a Server that dispatches to h.
func NewServer(h Handler) *Server { return &Server{Handler: h} }

// ServeHTTP accepts the WebSocket upgrade and serves the connection until it ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, s.AcceptOptions)
	if err != nil {
		return // Accept has written the HTTP error
	}
	_ = s.ServeConn(r.Context(), ws, r)
}

// ServeConn serves an accepted WebSocket connection until it ends or ctx is done, then closes
// it. r is the handshake request, exposed through [Peer.Request]; it may be nil.
func (s *Server) ServeConn(ctx context.Context, ws *websocket.Conn, r *http.Request) error {
	if s.Handler == nil {
		_ = ws.Close(websocket.StatusInternalError, "no handler")
		return errors.New("jsonrpc: Server.Handler is nil")
	}
	limit := s.ReadLimit
	if limit <= 0 {
		limit = DefaultReadLimit
	}
	ws.SetReadLimit(limit)
	ctx, cancel := context.WithCancel(ctx)
	p := &Peer{ws: ws, req: r, ctx: ctx, cancel: cancel}
	s.mu.Lock()
	if s.peers == nil {
		s.peers = map[*Peer]struct{}{}
	}
	s.peers[p] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.peers, p)
		s.mu.Unlock()
		cancel()
		_ = ws.CloseNow()
	}()
	if s.OnPeer != nil {
		s.OnPeer(p)
	}
	// Reads and answers use a context that is never cancelled, so that coder/websocket does
	// not register a context.AfterFunc per message; the connection is closed once when ctx
	// ends, which ends a blocked read or write.
	stop := context.AfterFunc(ctx, func() { _ = ws.CloseNow() })
	defer stop()
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			s.logger().Debug("jsonrpc peer gone", "error", err)
			return err
		}
		req, rpcErr := decodeRequest(data)
		if rpcErr != nil {
			_ = p.send(ctx, response{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: rpcErr})
			continue
		}
		go s.dispatch(ctx, p, req)
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) dispatch(ctx context.Context, p *Peer, req *Request) {
	result, err := s.call(ctx, p, req)
	if req.IsNotification() || errors.Is(err, ErrNoResponse) {
		return
	}
	resp := response{JSONRPC: "2.0", ID: req.ID}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeInternalError, Message: err.Error()}
		}
		resp.Error = e
	} else {
		raw, merr := json.Marshal(result)
		if merr != nil {
			resp.Error = &Error{Code: CodeInternalError, Message: "cannot marshal result: " + merr.Error()}
		} else {
			resp.Result = raw
		}
	}
	if err := p.send(ctx, resp); err != nil {
		s.logger().Debug("jsonrpc response not sent", "method", req.Method, "error", err)
	}
}

func (s *Server) call(ctx context.Context, p *Peer, req *Request) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("jsonrpc handler panicked", "method", req.Method, "panic", r)
			result, err = nil, &Error{Code: CodeInternalError, Message: fmt.Sprint("handler panic: ", r)}
		}
	}()
	return s.Handler(ctx, p, req)
}

// Peers returns the connections currently served. A connection is listed before its first
// request is handled, but possibly after the client's handshake has completed.
func (s *Server) Peers() []*Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Peer, 0, len(s.peers))
	for p := range s.peers {
		out = append(out, p)
	}
	return out
}

// DropAll abruptly drops every connection (see [Peer.Drop]) and returns how many there were.
func (s *Server) DropAll() int {
	peers := s.Peers()
	for _, p := range peers {
		p.Drop()
	}
	return len(peers)
}

// NotifyAll sends a notification to every connection; it returns the first error.
func (s *Server) NotifyAll(ctx context.Context, method string, params any) error {
	var first error
	for _, p := range s.Peers() {
		if err := p.Notify(ctx, method, params); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// MarshalJSON keeps "result": null on success.
func (r response) MarshalJSON() ([]byte, error) {
	if r.Error != nil {
		type alias struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   *Error          `json:"error"`
		}
		return json.Marshal(alias{r.JSONRPC, r.ID, r.Error})
	}
	type alias struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  json.RawMessage `json:"result"`
	}
	res := r.Result
	if len(res) == 0 {
		res = json.RawMessage("null")
	}
	return json.Marshal(alias{r.JSONRPC, r.ID, res})
}

func decodeRequest(data []byte) (*Request, *Error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		return nil, &Error{Code: CodeInvalidRequest, Message: "batch messages are not supported"}
	}
	var w struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  *string         `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, &Error{Code: CodeParseError, Message: "Parse error"}
	}
	if w.JSONRPC != "2.0" {
		return nil, &Error{Code: CodeInvalidRequest, Message: `"jsonrpc" must be "2.0"`}
	}
	if w.Method == nil || *w.Method == "" {
		return nil, &Error{Code: CodeInvalidRequest, Message: `missing "method"`}
	}
	req := &Request{Method: *w.Method, Params: w.Params}
	if len(w.ID) > 0 {
		req.ID = w.ID // "null" is kept: a request with id null is answered with id null
	}
	return req, nil
}

// Peer is one client connection served by a [Server]. It is safe for concurrent use.
type Peer struct {
	ws     *websocket.Conn
	req    *http.Request
	ctx    context.Context
	cancel context.CancelFunc

	wmu     sync.Mutex
	mu      sync.Mutex
	session any
}

// Request returns the WebSocket handshake request (path, headers, remote address); it may be
// nil when the connection was served with a nil request.
func (p *Peer) Request() *http.Request { return p.req }

// Session returns the value stored with SetSession (nil initially).
func (p *Peer) Session() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.session
}

// SetSession stores connection-scoped state, typically the signed-in user after a login call.
func (p *Peer) SetSession(v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.session = v
}

// Done is closed when the connection ends.
func (p *Peer) Done() <-chan struct{} { return p.ctx.Done() }

// Notify sends a server notification (no id) to this connection.
func (p *Peer) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return errorf("%s: marshal params: %w", method, err)
	}
	data, err := json.Marshal(request{JSONRPC: "2.0", Method: method, Params: raw})
	if err != nil {
		return err
	}
	return p.write(ctx, data)
}

func (p *Peer) send(ctx context.Context, r response) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The connection is closed when ctx ends (ServeConn), which ends a blocked write.
	return p.write(context.Background(), data)
}

func (p *Peer) write(ctx context.Context, data []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.ws.Write(ctx, websocket.MessageText, data)
}

// Drop closes the connection abruptly, without a close frame, as a network failure or a
// crashed appliance would. Requests still being handled see their context end.
func (p *Peer) Drop() {
	p.cancel()
	_ = p.ws.CloseNow()
}

// Close closes the connection with a close frame carrying code and reason (for example
// websocket.StatusMessageTooBig as TrueNAS does for oversized messages).
func (p *Peer) Close(code websocket.StatusCode, reason string) error {
	defer p.cancel()
	return p.ws.Close(code, reason)
}
