package xotest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
)

// rpcConn dials the simulator's JSON-RPC endpoint with the client's TLS settings (pinned to
// the simulator's certificate); the connection is closed at cleanup.
func rpcConn(t *testing.T, srv *Server, opts ...jsonrpc.Option) *jsonrpc.Conn {
	t.Helper()
	settings, err := sitekit.Apply(sitekit.WithCertSHA256(srv.Fingerprint()))
	require.NoError(t, err)
	hc, err := rest.HTTPClient(settings)
	require.NoError(t, err)
	conn, err := jsonrpc.New("wss"+srv.URL()[len("https"):]+"/api/", append([]jsonrpc.Option{jsonrpc.WithHTTPClient(hc)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Evidence: reference xo.md §7.1 and §8 (xo-mixins/_xoJsonSchema.mjs: required unless
// optional, non-empty strings, no extra properties, "key?" dropped; code 2 before sign-in,
// 3 bad credentials, 10 invalid parameters, -32601 unknown method); xen-orchestra 9ef5389
// xo-mixins/jobs/index.mjs removeJob (schedules deleted with the job); the "all"
// notifications after a change are reference xo.md §7.1.
func TestJSONRPCRules(t *testing.T) {
	srv := NewTestServer(t)
	notes := make(chan string, 64)
	conn := rpcConn(t, srv, jsonrpc.WithNotificationHandler(func(method string, params json.RawMessage) {
		select {
		case notes <- method:
		default:
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := func(err error) int {
		var je *jsonrpc.Error
		if errors.As(err, &je) {
			return je.Code
		}
		return -1
	}
	var v string
	require.NoError(t, conn.Call(ctx, "system.getServerVersion", nil, &v))
	assert.Equal(t, 2, code(conn.Call(ctx, "schedule.getAll", nil, nil)), "calls before signIn: code 2")
	assert.Equal(t, 3, code(conn.Call(ctx, "session.signIn", map[string]any{"token": "nope"}, nil)))
	require.NoError(t, conn.Call(ctx, "session.signIn", map[string]any{"email": srv.Username(), "password": srv.Password()}, nil))
	assert.Equal(t, -32601, code(conn.Call(ctx, "vm.nope", nil, nil)))
	assert.Equal(t, 10, code(conn.Call(ctx, "schedule.create", map[string]any{"cron": "0 1 * * *"}, nil)), "missing required")
	assert.Equal(t, 10, code(conn.Call(ctx, "schedule.create", map[string]any{"cron": "0 1 * * *", "jobId": "j", "color": "x"}, nil)), "extra property")
	assert.Equal(t, 10, code(conn.Call(ctx, "remote.create", map[string]any{"name": "", "url": "nfs://h:/p"}, nil)), "empty string")
	require.NoError(t, conn.Call(ctx, "remote.create", map[string]any{"name": "r", "url": "nfs://h:/p", "future?": 1}, nil), "?-suffixed unknown keys are dropped")
	assert.Equal(t, 10, code(conn.Call(ctx, "remote.create", map[string]any{"name": "r", "url": "nfs://h:/p/xo-vm-backups"}, nil)))
	var job string
	require.NoError(t, conn.Call(ctx, "backupNg.createJob", map[string]any{"mode": "delta", "vms": map[string]any{"type": "VM", "name_label": "none"},
		"schedules": map[string]any{"t": map[string]any{"cron": "0 1 * * *", "enabled": true}}, "settings": map[string]any{}}, &job))
	var scheds []map[string]any
	require.NoError(t, conn.Call(ctx, "schedule.getAll", nil, &scheds))
	require.Len(t, scheds, 1)
	assert.Equal(t, 27, code(conn.Call(ctx, "backupNg.runJob", map[string]any{"id": job, "schedule": scheds[0]["id"]}, nil)), "no VMs match")
	assert.Equal(t, 1, code(conn.Call(ctx, "backupNg.getJob", map[string]any{"id": "missing"}, nil)))
	require.NoError(t, conn.Call(ctx, "backupNg.deleteJob", map[string]any{"id": job}, nil))
	require.NoError(t, conn.Call(ctx, "schedule.getAll", nil, &scheds))
	// xen-orchestra 9ef5389, xo-server src/xo-mixins/jobs/index.mjs removeJob: the job's
	// schedules are deleted with it.
	assert.Empty(t, scheds, "deleteJob deletes the job's schedules")
	// Notifications were sent (createJob); the client kept reading.
	select {
	case m := <-notes:
		assert.Equal(t, "all", m)
	case <-ctx.Done():
		t.Fatal("no notification")
	}
}
