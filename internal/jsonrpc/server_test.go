package jsonrpc

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
	"github.com/sitekit/sitekit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPeer dials srv with a bare WebSocket to exercise the server's wire handling.
func rawPeer(t *testing.T, srv *Server) *websocket.Conn {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ws, _, err := websocket.Dial(testCtx(t), hs.URL+"/api/v25.10.2", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return ws
}

func exchange(t *testing.T, ws *websocket.Conn, in string) map[string]json.RawMessage {
	t.Helper()
	ctx := testCtx(t)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(in)))
	_, data, err := ws.Read(ctx)
	require.NoError(t, err)
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &out), string(data))
	return out
}

func TestServerWire(t *testing.T) {
	srv := NewServer(func(_ context.Context, p *Peer, req *Request) (any, error) {
		switch req.Method {
		case "nil":
			return nil, nil
		case "id":
			return req.ID, nil
		}
		return req.Params, nil
	})
	paths := make(chan string, 1)
	srv.OnPeer = func(p *Peer) { paths <- p.Request().URL.Path }
	ws := rawPeer(t, srv)
	assert.Equal(t, "/api/v25.10.2", <-paths)

	out := exchange(t, ws, `{"jsonrpc":"2.0","id":"6841f242-840a","method":"nil"}`)
	assert.Equal(t, `"6841f242-840a"`, string(out["id"]), "string id echoed")
	assert.Equal(t, `null`, string(out["result"]), "result member present on success")
	assert.NotContains(t, out, "error")

	out = exchange(t, ws, `{"jsonrpc":"2.0","id":9,"method":"echo","params":[[["name","=","tank"]],{"get":true}]}`)
	assert.JSONEq(t, `[[["name","=","tank"]],{"get":true}]`, string(out["result"]))

	for in, code := range map[string]int{
		`{not json`: CodeParseError,
		`[{"jsonrpc":"2.0","id":1,"method":"x"}]`: CodeInvalidRequest,
		`{"id":1,"method":"x"}`:                   CodeInvalidRequest,
		`{"jsonrpc":"2.0","id":1}`:                CodeInvalidRequest,
	} {
		out := exchange(t, ws, in)
		var e Error
		require.NoError(t, json.Unmarshal(out["error"], &e), in)
		assert.Equal(t, code, e.Code, in)
		assert.Equal(t, "null", string(out["id"]), in)
		assert.NotContains(t, out, "result", in)
	}

	// A notification gets no answer: the next message read is the answer to the next call.
	require.NoError(t, ws.Write(testCtx(t), websocket.MessageText, []byte(`{"jsonrpc":"2.0","method":"echo","params":[1]}`)))
	out = exchange(t, ws, `{"jsonrpc":"2.0","id":10,"method":"id"}`)
	assert.Equal(t, "10", string(out["result"]))
}

func TestServerNotifyAllAndPeers(t *testing.T) {
	srv := NewServer(func(context.Context, *Peer, *Request) (any, error) { return true, nil })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	notes := make(chan string, 4)
	c, err := New(hs.URL, WithNotificationHandler(func(m string, p json.RawMessage) { notes <- m + string(p) }))
	require.NoError(t, err)
	defer c.Close()
	ctx := testCtx(t)
	require.NoError(t, c.Call(ctx, "x", nil, nil)) // a peer is listed before its first request runs
	require.Len(t, srv.Peers(), 1)
	require.NoError(t, srv.NotifyAll(ctx, "all", map[string]string{"type": "enter"}))
	assert.Equal(t, `all{"type":"enter"}`, <-notes)
	require.NoError(t, srv.Peers()[0].Notify(ctx, "ping", nil))
	assert.Equal(t, `ping`, <-notes)
}

func TestServerNoHandler(t *testing.T) {
	hs := httptest.NewServer(&Server{})
	defer hs.Close()
	c, err := New(hs.URL)
	require.NoError(t, err)
	defer c.Close()
	require.ErrorIs(t, c.Call(testCtx(t), "x", nil, nil), sitekit.ErrOutcomeUnknown)
}

func TestTLSConfigOption(t *testing.T) {
	hs := httptest.NewUnstartedServer(NewServer(func(context.Context, *Peer, *Request) (any, error) {
		return "ok", nil
	}))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the unknown-CA handshake below is expected
	hs.StartTLS()
	defer hs.Close()
	c, err := New("wss"+hs.URL[len("https"):]+"/api/", WithTLSConfig(hs.Client().Transport.(*http.Transport).TLSClientConfig))
	require.NoError(t, err)
	defer c.Close()
	var out string
	require.NoError(t, c.Call(testCtx(t), "x", nil, &out))
	assert.Equal(t, "ok", out)

	_, err = New("wss://h/", WithTLSConfig(hs.Client().Transport.(*http.Transport).TLSClientConfig), WithHTTPClient(hs.Client()))
	assert.Error(t, err, "exclusive options")

	// Unknown CA: dial error, nothing sent.
	c2, err := New("wss" + hs.URL[len("https"):])
	require.NoError(t, err)
	defer c2.Close()
	var ce *ConnError
	require.ErrorAs(t, c2.Call(testCtx(t), "x", nil, nil), &ce)
	assert.Equal(t, "dial", ce.Op)
}
