// Package jsonrpc implements JSON-RPC 2.0 over WebSocket for the appliance clients that speak
// it (Xen Orchestra at wss://host/api/, TrueNAS at wss://host/api/<version>) and a small server
// side for their simulators.
//
// # Client
//
// [New] returns a [Conn] that dials lazily on the first [Conn.Call], runs an optional
// [WithOnConnect] hook (typically the sign-in call) on every connect and reconnect before any
// queued call proceeds, correlates responses by a monotonic numeric id, and hands server
// notifications to a [WithNotificationHandler] callback from a separate goroutine, so that a slow
// consumer never delays call responses.
//
// Errors returned by Call are, in order of interest:
//   - [*Error]: the server answered with a JSON-RPC error object; Data is kept raw so that callers
//     can map it to their own API error type.
//   - [*ConnError] matching sitekit.ErrOutcomeUnknown: the request may have been sent and processed,
//     but the connection dropped before the answer arrived. The outcome is unknown (ambiguous);
//     do not blindly re-send non-idempotent calls. The next call reconnects.
//   - [*ConnError] with Op "dial" (not ErrOutcomeUnknown, retryable): nothing was sent.
//   - [ErrClosed]: [Conn.Close] was called.
//   - the context's error when ctx ends first; the late answer, if any, is discarded.
//
// Parameters are never logged: they carry secrets (tokens, API keys, passwords). Logs carry the
// method, the request id, the duration and the JSON-RPC error code.
//
// # Server
//
// [Server] accepts WebSocket connections (it is an [net/http.Handler]) and dispatches each
// request to a [Handler] in its own goroutine, so answers may be sent out of order like real
// appliances do. A [Peer] represents one connection: it carries per-connection session state,
// pushes notifications and can be dropped to exercise client reconnects.
package jsonrpc
