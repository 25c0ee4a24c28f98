package truenastest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

// raw is a bare WebSocket peer that sends and reads exact frames.
type raw struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, srv *truenastest.Server, path string) *raw {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // test only: the fixture's own cert
	u := strings.Replace(srv.URL(), "https://", "wss://", 1) + path
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &raw{t: t, ws: ws}
}

func (r *raw) send(frame string) {
	r.t.Helper()
	if err := r.ws.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) read() map[string]any {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := r.ws.Read(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		r.t.Fatalf("%v: %s", err, b)
	}
	return m
}

func (r *raw) roundTrip(frame string) map[string]any {
	r.t.Helper()
	r.send(frame)
	return r.read()
}

func (r *raw) login(srv *truenastest.Server) {
	r.t.Helper()
	m := r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"auth.login_ex","params":[{"mechanism":"API_KEY_PLAIN","username":"` +
		srv.Username() + `","api_key":"` + srv.APIKey() + `"}]}`)
	if lookup(m, "result.response_type") != "SUCCESS" {
		r.t.Fatalf("login: %v", m)
	}
}

func lookup(m any, path string) any {
	for _, p := range strings.Split(path, ".") {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

// sameJSON compares a received frame with a reference frame, ignoring the trace's
// formatted/repr texts (elided as "..." in the reference).
func sameJSON(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]any{got, w} {
		if tr, ok := lookup(m, "error.data.trace").(map[string]any); ok {
			tr["formatted"], tr["repr"] = "...", "..."
		}
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Fatalf("frame mismatch\n got: %s\nwant: %s", g, want)
	}
}

// Evidence: reference truenas.md §1.1 (GET /api/versions lists the served versions; the
// api/vXX_YY_Z directories of TS-25.10.6).
func TestVersionsEndpoint(t *testing.T) {
	srv := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Get(srv.URL() + "/api/versions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := `["v25.04.0","v25.04.1","v25.04.2","v25.10.0","v25.10.1","v25.10.2","v25.10.3","v25.10.4","v25.10.5"]` + "\n"
	if string(b) != want {
		t.Fatalf("versions %s", b)
	}
	if r, _ := hc.Get(srv.URL() + "/api/v26.0.0"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("v26.0.0 on 25.10: %d", r.StatusCode)
	}
}

// The message examples of the reference (truenas.md §2) replayed on the wire.
// Evidence: reference truenas.md §1.2, §2.1-§2.4 (from rpc.py and method.py at TS-25.10.6).
func TestReferenceMessages(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/v26.0.0")

	// Evidence: reference truenas.md §1.2: an authenticated method before login → CallError ENOTAUTHENTICATED (207).
	m := r.roundTrip(`{"jsonrpc": "2.0", "id": 5, "method": "pool.dataset.query", "params": []}`)
	if lookup(m, "error.code") != -32001.0 || lookup(m, "error.data.errname") != "ENOTAUTHENTICATED" || lookup(m, "error.data.error") != 207.0 {
		t.Fatalf("unauthenticated: %v", m)
	}
	r.login(srv)

	// Evidence: reference truenas.md §2.1/§2.2: query with get, string id echoed.
	r.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"pool.dataset.create","params":[{"name":"tank/backups"}]}`)
	m = r.roundTrip(`{"jsonrpc": "2.0", "id": "6841f242-840a-11e6-a437-00e04d680384", "method": "pool.dataset.query",
 "params": [[["name", "=", "tank/backups"]], {"get": true}]}`)
	if m["id"] != "6841f242-840a-11e6-a437-00e04d680384" || lookup(m, "result.id") != "tank/backups" || lookup(m, "result.type") != "FILESYSTEM" || m["jsonrpc"] != "2.0" {
		t.Fatalf("query: %v", m)
	}

	// Evidence: reference truenas.md §2.3: CallError ENOENT.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":"6841f242-...","method":"pool.dataset.delete","params":["tank/nope"]}`)
	sameJSON(t, m, `{"jsonrpc": "2.0",
 "error": {"code": -32001, "message": "Method call error",
           "data": {"error": 2, "errname": "ENOENT",
                    "reason": "[ENOENT] Dataset \"tank/nope\" does not exist.",
                    "trace": {"class": "CallError", "formatted": "Traceback (most recent call last):\n...", "repr": "CallError(...)"},
                    "extra": null}},
 "id": "6841f242-..."}`)

	// Evidence: reference truenas.md §2.3: validation error example.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":7,"method":"pool.dataset.create","params":[{"name":"tank/backups"}]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params","data":{
  "error":22,"errname":"EINVAL",
  "reason":"[EINVAL] pool_dataset_create.name: Path /mnt/tank/backups already exists\n",
  "trace":{"class":"ValidationErrors","formatted":"...","repr":"..."},
  "extra":[["pool_dataset_create.name","Path /mnt/tank/backups already exists",22]]}}}`)

	// Evidence: reference truenas.md §2.3: InstanceNotFound is -32602 with an ENOENT reason and a null attribute.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":8,"method":"pool.dataset.get_instance","params":["tank/x"]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"Invalid params","data":{
  "error":22,"errname":"EINVAL","reason":"[ENOENT] None: Dataset tank/x does not exist\n",
  "trace":{"class":"ValidationErrors","formatted":"...","repr":"..."},
  "extra":[[null,"Dataset tank/x does not exist",2]]}}}`)

	// Evidence: reference truenas.md §2.3: MatchNotFound from {"get": true}.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":9,"method":"pool.dataset.query","params":[[["id","=","tank/x"]],{"get":true}]}`)
	if lookup(m, "error.code") != -32001.0 || lookup(m, "error.data.reason") != "MatchNotFound()" || lookup(m, "error.data.errname") != "EINVAL" {
		t.Fatalf("MatchNotFound: %v", m)
	}

	// Evidence: reference truenas.md §2.1: envelope errors.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":10,"method":"no.such.method","params":[]}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":10,"error":{"code":-32601,"message":"Method does not exist"}}`)
	m = r.roundTrip(`{"jsonrpc":"2.0","id":11,"method":"core.ping","params":{"a":1}}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":11,"error":{"code":-32600,"message":"'params' member must be of type array"}}`)
	m = r.roundTrip(`{"jsonrpc":"1.0","id":12,"method":"core.ping"}`)
	if lookup(m, "error.code") != -32600.0 {
		t.Fatalf("bad version: %v", m)
	}
	// a notification (no id) gets no answer: the next frame is the ping's
	r.send(`{"jsonrpc":"2.0","method":"no.such.method","params":[]}`)
	m = r.roundTrip(`{"jsonrpc":"2.0","id":13,"method":"core.ping"}`)
	sameJSON(t, m, `{"jsonrpc":"2.0","id":13,"result":"pong"}`)

	// Evidence: reference truenas.md §2.4: collection_update for core.get_jobs after core.subscribe.
	m = r.roundTrip(`{"jsonrpc":"2.0","id":14,"method":"core.subscribe","params":["core.get_jobs"]}`)
	if s, _ := m["result"].(string); len(s) != 36 {
		t.Fatalf("subscribe: %v", m)
	}
	r.send(`{"jsonrpc":"2.0","id":15,"method":"service.control","params":["START","nfs",{"ha_propagate":true,"silent":true,"timeout":120}]}`)
	var sawAdded, sawChanged bool
	for !(sawAdded && sawChanged) {
		m = r.read()
		if m["method"] == "collection_update" {
			p := m["params"].(map[string]any)
			if p["collection"] != "core.get_jobs" || p["extra"] == nil {
				t.Fatalf("event %v", m)
			}
			sawAdded = sawAdded || p["msg"] == "added"
			if p["msg"] == "changed" && lookup(p, "fields.state") == "SUCCESS" && lookup(p, "fields.result") == true {
				sawChanged = true
			}
			if _, hasID := m["id"]; hasID {
				t.Fatal("notification with id")
			}
		} else if m["id"] == 15.0 {
			if _, ok := m["result"].(float64); !ok {
				t.Fatalf("legacy job: result must be the job id: %v", m)
			}
		}
	}
}

// Per-version method sets.
// Evidence: reference truenas.md §1.1, §6.3, §6.5 (zfs_/snapshot.py private=True and
// service.control since v25.10.0 at TS-25.10.6; service.start private on 26.0).
func TestMethodSets(t *testing.T) {
	for _, tc := range []struct {
		release, path string
		present       []string
		absent        []string
	}{
		{"25.04", "/api/v25.04.2", []string{"zfs.snapshot.query", "service.start"}, []string{"pool.snapshot.query", "service.control"}},
		{"25.10", "/api/v25.10.2", []string{"pool.snapshot.query", "service.start", "service.control"}, []string{"zfs.snapshot.query"}},
		{"25.10", "/api/v25.04.0", []string{"zfs.snapshot.query", "service.start"}, []string{"pool.snapshot.query", "service.control"}},
		{"26.0", "/api/current", []string{"pool.snapshot.query", "service.control"}, []string{"zfs.snapshot.query", "service.start"}},
	} {
		srv := truenastest.NewTestServer(t, truenastest.WithRelease(tc.release))
		r := dialRaw(t, srv, tc.path)
		r.login(srv)
		call := func(method string) float64 {
			params := `[]`
			if strings.HasPrefix(method, "service.") {
				params = `["START","nfs",{}]`
				if method == "service.start" {
					params = `["nfs",{}]`
				}
			}
			m := r.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"` + method + `","params":` + params + `}`)
			code, _ := lookup(m, "error.code").(float64)
			return code
		}
		for _, meth := range tc.present {
			if code := call(meth); code == -32601 {
				t.Errorf("%s %s: %s missing", tc.release, tc.path, meth)
			}
		}
		for _, meth := range tc.absent {
			if code := call(meth); code != -32601 {
				t.Errorf("%s %s: %s should not exist (code %v)", tc.release, tc.path, meth, code)
			}
		}
	}
}

// Evidence: reference truenas.md §5 (query_methods.rst: operators, OR, C prefix, dot paths,
// order_by, select with alias, count, offset, limit).
func TestQueryOptions(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/current")
	r.login(srv)
	for i, n := range []string{"b", "a", "c", "a/x"} {
		_ = i
		r.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"pool.dataset.create","params":[{"name":"tank/` + n + `","create_ancestors":true}]}`)
	}
	q := func(params string) any {
		m := r.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"pool.dataset.query","params":` + params + `}`)
		if m["error"] != nil {
			t.Fatalf("%s: %v", params, m["error"])
		}
		return m["result"]
	}
	names := func(v any) string {
		var out []string
		for _, x := range v.([]any) {
			for _, k := range []string{"name", "n"} {
				if s, ok := x.(map[string]any)[k].(string); ok {
					out = append(out, s)
				}
			}
		}
		return strings.Join(out, ",")
	}
	if got := names(q(`[[["name","^","tank/"]],{"order_by":["-name"],"limit":2,"offset":1}]`)); got != "tank/b,tank/a/x" {
		t.Fatal(got)
	}
	if got := q(`[[["name","^","tank/"]],{"count":true}]`); got != 4.0 {
		t.Fatal(got)
	}
	if got := names(q(`[[["OR",[["name","=","tank/a"],["name","C=","TANK/C"]]]],{"select":[["name","n"]]}]`)); got != "tank/a,tank/c" {
		t.Fatal(got)
	}
	if got := names(q(`[[["name","in",["tank/a","tank/b"]],["name","!=","tank/a"]],{}]`)); got != "tank/b" {
		t.Fatal(got)
	}
	if got := names(q(`[[["name","~","^tank/a"],["compression.value","=","LZ4"]],{"order_by":["name"]}]`)); got != "tank/a,tank/a/x" {
		t.Fatal(got)
	}
}

// A simulator fault, not a vendor behaviour (inferred: an answer lost with the connection
// after the write was applied).
func TestDropAndAmbiguous(t *testing.T) {
	srv := truenastest.NewTestServer(t)
	r := dialRaw(t, srv, "/api/current")
	r.login(srv)
	srv.Faults().AmbiguousNext()
	r.send(`{"jsonrpc":"2.0","id":2,"method":"pool.dataset.create","params":[{"name":"tank/amb"}]}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := r.ws.Read(ctx); err == nil {
		t.Fatal("connection should drop without an answer")
	}
	r2 := dialRaw(t, srv, "/api/current")
	r2.login(srv)
	m := r2.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"pool.dataset.query","params":[[["id","=","tank/amb"]],{"get":true}]}`)
	if lookup(m, "result.name") != "tank/amb" {
		t.Fatalf("ambiguous write not applied: %v", m)
	}
	if srv.Faults().Calls("pool.dataset.create") != 1 || srv.Faults().Calls("auth.login_ex") != 2 {
		t.Fatal(srv.Faults().CallCounts())
	}
}
