package truenastest_test

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/truenas/internal/scram"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

// The behaviours a vendor client relies on, each pinned here with its evidence.

// Evidence: utils/auth.py AA_LEVEL1 at TS-25.10.6 (API_KEY_PLAIN, TOKEN_PLAIN,
// PASSWORD_PLAIN) and at TS-26.0.0-BETA.3 (+ SCRAM); plugins/auth.py mechanism_choices.
func TestMechanismChoices(t *testing.T) {
	for release, want := range map[string]string{
		"25.10": `["API_KEY_PLAIN","TOKEN_PLAIN","PASSWORD_PLAIN"]`,
		"26.0":  `["API_KEY_PLAIN","TOKEN_PLAIN","PASSWORD_PLAIN","SCRAM"]`,
	} {
		srv := truenastest.NewTestServer(t, truenastest.WithRelease(release))
		r := dialRaw(t, srv, "/api/current")
		m := r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"auth.mechanism_choices","params":[]}`)
		got, _ := json.Marshal(m["result"])
		assert.JSONEq(t, want, string(got), release)
	}
}

// scramLogin signs in over r by SCRAM as the vendor's client does (auth_api_key.py at
// truenas/api_client a0c890a: two auth.login_ex calls, "user:<key id>", binding over TLS).
func scramLogin(t *testing.T, r *raw, user string, keyID int64, secret string, binding []byte) map[string]any {
	t.Helper()
	nonce := make([]byte, scram.NonceSize)
	_, _ = rand.Read(nonce)
	c, err := scram.NewClient(user, keyID, secret, binding, nonce)
	require.NoError(t, err)
	first, _ := json.Marshal(c.First())
	m := r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"auth.login_ex","params":[{"mechanism":"SCRAM","scram_type":"CLIENT_FIRST_MESSAGE","rfc_str":` + string(first) + `}]}`)
	require.Equal(t, "SCRAM_RESPONSE", lookup(m, "result.response_type"), "%v", m)
	require.Equal(t, "SERVER_FIRST_RESPONSE", lookup(m, "result.scram_type"))
	require.Nil(t, lookup(m, "result.user_info"))
	final, err := c.Final(lookup(m, "result.rfc_str").(string))
	require.NoError(t, err)
	fin, _ := json.Marshal(final)
	m = r.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"auth.login_ex","params":[{"mechanism":"SCRAM","scram_type":"CLIENT_FINAL_MESSAGE","rfc_str":` + string(fin) + `}]}`)
	if lookup(m, "result.response_type") == "SCRAM_RESPONSE" {
		require.Equal(t, "SERVER_FINAL_RESPONSE", lookup(m, "result.scram_type"))
		require.NoError(t, c.Verify(lookup(m, "result.rfc_str").(string)), "the server proves it knows the key")
		require.NotNil(t, lookup(m, "result.user_info"))
	}
	return m
}

// Evidence: plugins/auth.py (case AuthMech.SCRAM) and plugins/auth_/login_ex_impl.py
// login_ex_scram at TS-26.0.0-BETA.3; docs/source/middleware/session.rst (SCRAM JSON-RPC
// message exchange, channel binding negotiated, refused without TLS).
func TestSCRAMLogin(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	id, material, _ := strings.Cut(srv.APIKey(), "-")
	keyID := int64(0)
	for _, ch := range id {
		keyID = keyID*10 + int64(ch-'0')
	}
	r := dialRaw(t, srv, "/api/v26.0.0")
	// channel-bound API key login over TLS: the binding of the served certificate
	hc := tlsState(t, srv)
	binding, err := scram.EndPoint(hc.PeerCertificates[0])
	require.NoError(t, err)
	m := scramLogin(t, r, srv.Username(), keyID, material, binding)
	require.Equal(t, "SCRAM_RESPONSE", lookup(m, "result.response_type"))
	m = r.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"system.version_short","params":[]}`)
	assert.Equal(t, "26.0.0", m["result"])

	// password, unbound
	r = dialRaw(t, srv, "/api/v26.0.0")
	m = scramLogin(t, r, srv.Username(), 0, srv.Password(), nil)
	require.Equal(t, "SCRAM_RESPONSE", lookup(m, "result.response_type"))

	// a wrong key: AUTH_ERR, not an error
	r = dialRaw(t, srv, "/api/v26.0.0")
	m = scramLogin(t, r, srv.Username(), keyID, material+"x", nil)
	assert.Equal(t, "AUTH_ERR", lookup(m, "result.response_type"))
	// a final message without a first one: CallError
	m = r.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"auth.login_ex","params":[{"mechanism":"SCRAM","scram_type":"CLIENT_FINAL_MESSAGE","rfc_str":"c=biws,r=AAAA,p=AAAA"}]}`)
	assert.Equal(t, "[EFAULT] SCRAM authentication is not in progress", lookup(m, "error.data.reason"))

	// a binding asked for over plain ws:// is refused
	plain := truenastest.NewTestServer(t, truenastest.WithPlainHTTP())
	r = dialRaw(t, plain, "/api/v26.0.0")
	id, material, _ = strings.Cut(plain.APIKey(), "-")
	nonce := make([]byte, scram.NonceSize)
	c, err := scram.NewClient(plain.Username(), 1, material, binding, nonce)
	require.NoError(t, err)
	require.Equal(t, "1", id)
	first, _ := json.Marshal(c.First())
	m = r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"auth.login_ex","params":[{"mechanism":"SCRAM","scram_type":"CLIENT_FIRST_MESSAGE","rfc_str":` + string(first) + `}]}`)
	assert.Equal(t, "AUTH_ERR", lookup(m, "result.response_type"))

	// SCRAM is a 26.0 mechanism (AuthSCRAM in api/v26_0_0/auth.py only)
	old := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"))
	r = dialRaw(t, old, "/api/current")
	m = r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"auth.login_ex","params":[{"mechanism":"SCRAM","scram_type":"CLIENT_FIRST_MESSAGE","rfc_str":"n,,n=a,r=AAAA"}]}`)
	assert.Equal(t, -32602.0, lookup(m, "error.code"))
}

func tlsState(t *testing.T, srv *truenastest.Server) tls.ConnectionState {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(srv.URL(), "https://"), &tls.Config{InsecureSkipVerify: true}) // test only: reading the fixture's own certificate
	require.NoError(t, err)
	defer conn.Close()
	return conn.ConnectionState()
}

// Evidence: service/core_service.py set_options and api/v25_10_0/core.py
// (CoreSetOptionsResult.to_previous returns null) at TS-25.10.6; api/v25_04_0/core.py at
// TS-25.04.2.6 (py_exceptions only); api_client __init__.py on_open (a0c890a) sends it on
// every connection, before signing in.
func TestSetOptions(t *testing.T) {
	srv := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"))
	r := dialRaw(t, srv, "/api/v25.10.2")
	m := r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"core.set_options","params":[{"legacy_jobs":false,"private_methods":false,"py_exceptions":false}]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":1,"result":{"legacy_jobs":false,"private_methods":false,"py_exceptions":false}}`)
	r = dialRaw(t, srv, "/api/v25.04.2")
	m = r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"core.set_options","params":[{"legacy_jobs":false}]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":1,"result":null}`)
}

// Evidence: api/base/server/method.py Method.call at TS-25.10.6 (legacy_jobs: the job id;
// otherwise the answer is the job's result, sent when it ends); job.py __encode__
// (message_ids); api_client __init__.py (a0c890a) learns the job id from message_ids.
func TestNewStyleJobs(t *testing.T) {
	srv := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"))
	r := dialRaw(t, srv, "/api/v25.10.2")
	r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"core.set_options","params":[{"legacy_jobs":false}]}`)
	r.login(srv)
	r.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"core.subscribe","params":["core.get_jobs"]}`)
	r.send(`{"jsonrpc":"2.0","id":"call-7","method":"service.control","params":["START","nfs",{"timeout":120}]}`)
	var added map[string]any
	for {
		m := r.read()
		if m["method"] == "collection_update" && lookup(m, "params.msg") == "added" {
			added = m
			continue
		}
		if m["id"] == "call-7" {
			assert.Equal(t, true, m["result"], "the job's result, not its id")
			break
		}
	}
	require.NotNil(t, added, "the added event precedes the answer")
	assert.Equal(t, []any{"call-7"}, lookup(added, "params.fields.message_ids"))
	// a failing job answers the job's error
	srv.FailNextJob("service.control", "rclone failed")
	m := r.roundTrip(`{"jsonrpc":"2.0","id":9,"method":"service.control","params":["START","nfs",{}]}`)
	for m["method"] == "collection_update" {
		m = r.read()
	}
	assert.Equal(t, -32001.0, lookup(m, "error.code"))
	assert.Equal(t, "[EFAULT] rclone failed", lookup(m, "error.data.reason"))
}

// Evidence: service/core_service.py get_jobs at TS-25.10.6: filter_list(jobs, filters,
// options), so every query option applies.
func TestGetJobsQueryOptions(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/current")
	r.login(srv)
	for i := range 3 {
		r.roundTrip(`{"jsonrpc":"2.0","id":` + string(rune('1'+i)) + `,"method":"service.control","params":["START","nfs",{}]}`)
	}
	m := r.roundTrip(`{"jsonrpc":"2.0","id":10,"method":"core.get_jobs","params":[[["method","=","service.control"]],{"order_by":["-id"],"limit":1,"select":["id","state"]}]}`)
	for m["method"] == "collection_update" {
		m = r.read()
	}
	sameJSON(t, m, `{"jsonrpc":"2.0","id":10,"result":[{"id":3,"state":"SUCCESS"}]}`)
	m = r.roundTrip(`{"jsonrpc":"2.0","id":11,"method":"core.get_jobs","params":[[],{"count":true}]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":11,"result":3}`)
}

// Evidence: plugins/keychain.py do_delete and the used-by delegates at TS-25.10.6.
func TestKeychainDeleteCascade(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/current")
	r.login(srv)
	call := func(frame string) map[string]any { return r.roundTrip(frame) }
	call(`{"jsonrpc":"2.0","id":1,"method":"pool.dataset.create","params":[{"name":"tank/b"}]}`)
	call(`{"jsonrpc":"2.0","id":2,"method":"keychaincredential.create","params":[{"name":"k","type":"SSH_KEY_PAIR","attributes":{"private_key":"-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n"}}]}`)
	call(`{"jsonrpc":"2.0","id":3,"method":"keychaincredential.create","params":[{"name":"c","type":"SSH_CREDENTIALS","attributes":{"host":"h","username":"root","private_key":1,"remote_host_key":"h ssh-ed25519 AAAA"}}]}`)
	m := call(`{"jsonrpc":"2.0","id":4,"method":"replication.create","params":[{"name":"r","direction":"PUSH","transport":"SSH","ssh_credentials":2,"source_datasets":["tank/b"],"target_dataset":"x/b","recursive":true,"auto":false,"retention_policy":"SOURCE","also_include_naming_schema":["auto-%Y-%m-%d_%H-%M"]}]}`)
	require.Nil(t, m["error"], "%v", m)

	m = call(`{"jsonrpc":"2.0","id":5,"method":"keychaincredential.used_by","params":[1]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":5,"result":[{"title":"SSH credentials c","unbind_method":"delete"},{"title":"Replication task r","unbind_method":"disable"}]}`)
	m = call(`{"jsonrpc":"2.0","id":6,"method":"keychaincredential.delete","params":[1]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"Invalid params","data":{"error":22,"errname":"EINVAL",
		"reason":"[EINVAL] options.cascade: This credential is used and no cascade option is specified\n",
		"trace":{"class":"ValidationErrors","formatted":"...","repr":"..."},
		"extra":[["options.cascade","This credential is used and no cascade option is specified",22]]}}}`)
	m = call(`{"jsonrpc":"2.0","id":7,"method":"keychaincredential.delete","params":[1,{"cascade":true}]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":7,"result":null}`)
	m = call(`{"jsonrpc":"2.0","id":8,"method":"keychaincredential.query","params":[[],{"count":true}]}`)
	assert.Equal(t, 0.0, m["result"], "the key pair and the SSH connection using it are gone")
	m = call(`{"jsonrpc":"2.0","id":9,"method":"replication.query","params":[[["name","=","r"]],{"get":true}]}`)
	assert.Equal(t, false, lookup(m, "result.enabled"))
	assert.Nil(t, lookup(m, "result.ssh_credentials"), "the replication task is kept, disabled, without credentials")
}

// Evidence: plugins/snapshot.py run at TS-25.10.6: CallError "Task is not enabled" (EFAULT)
// for a disabled task; otherwise zettarepl.run_periodic_snapshot_task queues it, null answer.
func TestSnapshotTaskRun(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/current")
	r.login(srv)
	r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"pool.dataset.create","params":[{"name":"tank/v"}]}`)
	r.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"pool.snapshottask.create","params":[{"dataset":"tank/v","enabled":false}]}`)
	m := r.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"pool.snapshottask.run","params":[1]}`)
	assert.Equal(t, "[EFAULT] Task is not enabled", lookup(m, "error.data.reason"))
	r.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"pool.snapshottask.update","params":[1,{"enabled":true}]}`)
	m = r.roundTrip(`{"jsonrpc":"2.0","id":5,"method":"pool.snapshottask.run","params":[1]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":5,"result":null}`)
	count := `{"jsonrpc":"2.0","id":6,"method":"pool.snapshot.query","params":[[["dataset","=","tank/v"]],{"count":true}]}`
	assert.Equal(t, 0.0, r.roundTrip(count)["result"], "queued, not taken yet")
	srv.AdvanceJobs(0)
	assert.Equal(t, 1.0, r.roundTrip(count)["result"])
}
