package truenas_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/truenas"
)

// recorder is a bare JSON-RPC 2.0 WebSocket endpoint that records every request frame and
// answers from a script keyed by method. It shares no code with the simulator, so a client
// and a simulator cannot agree on a wrong shape: the frames below are the reference's.
type recorder struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	frames  []wireRequest
	paths   []string
	answers map[string]string // method → "result" JSON, an {"error":…} member set, or hang

	// hold names a method whose calls are answered only after a grace period in which the
	// recorder counts how many are in flight at once (maxHeld).
	hold          string
	held, maxHeld int
}

// hang is an answer that never comes.
const hang = "hang"

type wireRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// loginOK is auth.login_ex's answer to a valid API key (reference, auth.login_ex).
const loginOK = `{"response_type":"SUCCESS","user_info":{"pw_name":"svc"},"authenticator":"LEVEL_1"}`

func newRecorder(t *testing.T) *recorder {
	r := &recorder{t: t, answers: map[string]string{
		"auth.login_ex":          loginOK,
		"auth.mechanism_choices": `["PASSWORD_PLAIN","API_KEY_PLAIN","TOKEN_PLAIN","OTP_TOKEN"]`,
		"core.set_options":       `{"legacy_jobs":false,"private_methods":false,"py_exceptions":false}`,
		"core.subscribe":         `"6841f242-840a-11e6-a437-00e04d680384"`,
	}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) answer(method, result string) {
	r.mu.Lock()
	r.answers[method] = result
	r.mu.Unlock()
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	ws, err := websocket.Accept(w, req, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	ctx := req.Context()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m wireRequest
		if !assert.NoError(r.t, json.Unmarshal(data, &m), "frame %s", data) {
			return
		}
		r.mu.Lock()
		r.frames = append(r.frames, m)
		ans, ok := r.answers[m.Method]
		r.mu.Unlock()
		if ans == hang {
			continue
		}
		if m.Method == r.hold {
			go r.answerHeld(ctx, ws, m, ans)
			continue
		}
		var out string
		switch {
		case !ok:
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"error":{"code":-32601,"message":"Method does not exist"}}`
		case len(ans) > 9 && ans[:9] == `{"error":`:
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,` + ans[1:]
		default:
			out = `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":` + ans + `}`
		}
		if err := ws.Write(ctx, websocket.MessageText, []byte(out)); err != nil {
			return
		}
	}
}

// answerHeld answers a held call after a grace period during which concurrent calls of the
// same method are counted. The grace period only makes a violation visible; a correct client
// passes whatever the timing.
func (r *recorder) answerHeld(ctx context.Context, ws *websocket.Conn, m wireRequest, ans string) {
	r.mu.Lock()
	r.held++
	r.maxHeld = max(r.maxHeld, r.held)
	r.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	r.mu.Lock()
	r.held--
	r.mu.Unlock()
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":`+ans+`}`))
}

// client returns a client pinned to v25.10.2 on the recorder, signing in with an API key.
func (r *recorder) client(opts ...sitekit.Option) *truenas.Client {
	base := []sitekit.Option{sitekit.WithToken(sitekit.NewSecret("3-abc")), truenas.WithAPIKeyUser("svc"), truenas.WithAPIVersion("v25.10.2")}
	c, err := truenas.New(r.srv.URL, append(base, opts...)...)
	require.NoError(r.t, err)
	r.t.Cleanup(func() { _ = c.Close() })
	return c
}

// calls returns the recorded requests of method.
func (r *recorder) calls(method string) []wireRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []wireRequest
	for _, f := range r.frames {
		if f.Method == method {
			out = append(out, f)
		}
	}
	return out
}

// only returns the one recorded request of method and checks its envelope.
func (r *recorder) only(method string) wireRequest {
	r.t.Helper()
	got := r.calls(method)
	require.Len(r.t, got, 1, "calls of %s", method)
	assert.Equal(r.t, "2.0", got[0].JSONRPC)
	assert.NotEmpty(r.t, got[0].ID, "a call carries an id")
	return got[0]
}

func TestWireSignInAndPinnedEndpoint(t *testing.T) {
	r := newRecorder(t)
	c := r.client()
	require.NoError(t, c.Connect(context.Background()))
	// auth.login_ex with API_KEY_PLAIN (reference: Authentication)
	assert.JSONEq(t, `[{"mechanism":"API_KEY_PLAIN","username":"svc","api_key":"3-abc"}]`, string(r.only("auth.login_ex").Params))
	assert.Equal(t, []string{"/api/v25.10.2"}, r.paths)
}

func TestWireDatasets(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(t)
	c := r.client()
	// pool.dataset.query with {"get": true} (reference: Request example)
	r.answer("pool.dataset.query", `{"id":"tank/backups","type":"FILESYSTEM","name":"tank/backups","pool":"tank","mountpoint":"/mnt/tank/backups",
		"compression":{"parsed":"lz4","rawvalue":"lz4","value":"LZ4","source":"INHERITED","source_info":"tank"},
		"quota":{"parsed":10737418240,"rawvalue":"10737418240","value":"10G","source":"LOCAL","source_info":null},
		"recordsize":{"parsed":131072,"rawvalue":"131072","value":"128K","source":"DEFAULT","source_info":null}}`)
	ds, err := c.Datasets.Get(ctx, "tank/backups")
	require.NoError(t, err)
	assert.JSONEq(t, `[[["id","=","tank/backups"]],{"get":true}]`, string(r.only("pool.dataset.query").Params))
	assert.Equal(t, "LZ4", ds.Compression.Value)
	assert.Equal(t, "tank", ds.Compression.SourceInfo)
	assert.Equal(t, int64(10737418240), ds.Quota.Int())
	assert.Equal(t, int64(131072), ds.Recordsize.Int())

	r.answer("pool.dataset.query", `[]`)
	_, err = c.Datasets.List(ctx, &truenas.ListOptions{Filters: []truenas.Filter{truenas.F("name", "^", "tank/"), truenas.Or(truenas.Eq("type", "VOLUME"), truenas.F("name", "~", "xo"))},
		OrderBy: []string{"-name"}, Extra: map[string]any{"flat": true, "properties": []string{"used"}}, Limit: 10})
	require.NoError(t, err)
	q := r.calls("pool.dataset.query")
	require.Len(t, q, 2)
	assert.JSONEq(t, `[[["name","^","tank/"],["OR",[["type","=","VOLUME"],["name","~","xo"]]]],
		{"order_by":["-name"],"extra":{"flat":true,"properties":["used"]},"limit":10}]`, string(q[1].Params))
	_, err = c.Datasets.List(ctx, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `[[],{}]`, string(r.calls("pool.dataset.query")[2].Params))

	// pool.dataset.create: data discriminated by type (reference: Pools & datasets)
	r.answer("pool.dataset.create", `{"id":"tank/backups","name":"tank/backups","type":"FILESYSTEM"}`)
	_, err = c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups", ShareType: "NFS", Compression: "ZSTD",
		Quota: truenas.Ptr(int64(10 << 30)), UserProperties: []truenas.UserProperty{{Key: "msp:site", Value: "acme"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"name":"tank/backups","share_type":"NFS","compression":"ZSTD","quota":10737418240,
		"user_properties":[{"key":"msp:site","value":"acme"}]}]`, string(r.only("pool.dataset.create").Params))

	// pool.dataset.delete(id, {"recursive":false,"force":false})
	r.answer("pool.dataset.delete", `true`)
	require.NoError(t, c.Datasets.Delete(ctx, "tank/backups", nil))
	assert.JSONEq(t, `["tank/backups",{"recursive":false,"force":false}]`, string(r.only("pool.dataset.delete").Params))
}

func TestWireErrorFrames(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(t)
	c := r.client()
	// the validation error of the reference, verbatim
	r.answer("pool.dataset.create", `{"error":{"code":-32602,"message":"Invalid params","data":{
		"error":22,"errname":"EINVAL",
		"reason":"[EINVAL] pool_dataset_create.name: Path /mnt/tank/backups already exists\n",
		"trace":{"class":"ValidationErrors","formatted":"...","repr":"..."},
		"extra":[["pool_dataset_create.name","Path /mnt/tank/backups already exists",22]]}}}`)
	_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups"})
	require.ErrorIs(t, err, sitekit.ErrExists)
	var ae *truenas.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, -32602, ae.Code)
	assert.Equal(t, "Path /mnt/tank/backups already exists", ae.Field("name"))
	// query with {"get": true} and no match: MatchNotFound (reference: Not found)
	r.answer("pool.dataset.query", `{"error":{"code":-32001,"message":"Method call error","data":{"error":22,"errname":"EINVAL",
		"reason":"MatchNotFound()","trace":{"class":"MatchNotFound","formatted":"...","repr":"MatchNotFound()"},"extra":null}}}`)
	_, err = c.Datasets.Get(ctx, "tank/nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	// an unknown method
	_, err = c.System.Info(ctx)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
}

func TestWireKeychainReplicationJobs(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(t)
	c := r.client()
	// keychaincredential.delete(id, {"cascade": false}) (reference: Offsite over SSH)
	r.answer("keychaincredential.delete", `null`)
	require.NoError(t, c.KeychainCredentials.Delete(ctx, 7, nil))
	require.NoError(t, c.KeychainCredentials.Delete(ctx, 7, &truenas.KeychainCredentialDeleteOptions{Cascade: true}))
	del := r.calls("keychaincredential.delete")
	require.Len(t, del, 2)
	assert.JSONEq(t, `[7,{"cascade":false}]`, string(del[0].Params))
	assert.JSONEq(t, `[7,{"cascade":true}]`, string(del[1].Params))

	// replication.create with the reference's payload fields
	r.answer("replication.create", `{"id":3,"name":"offsite-tank-backups","ssh_credentials":{"id":7,"name":"offsite"},"periodic_snapshot_tasks":[{"id":3}],
		"state":{"state":"PENDING"}}`)
	repl, err := c.Replications.Create(ctx, truenas.ReplicationRequest{Name: "offsite-tank-backups", Direction: "PUSH", Transport: "SSH",
		SSHCredentials: truenas.Ptr(int64(7)), SourceDatasets: []string{"tank/backups"}, TargetDataset: "offsite/acme/backups",
		Recursive: truenas.Ptr(true), PeriodicSnapshotTasks: []int64{3}, Auto: truenas.Ptr(true), RetentionPolicy: "CUSTOM",
		LifetimeValue: 3, LifetimeUnit: "MONTH", Readonly: "SET", Retries: truenas.Ptr(5), Enabled: truenas.Ptr(true)})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"name":"offsite-tank-backups","direction":"PUSH","transport":"SSH","ssh_credentials":7,
		"source_datasets":["tank/backups"],"target_dataset":"offsite/acme/backups","recursive":true,
		"periodic_snapshot_tasks":[3],"auto":true,"retention_policy":"CUSTOM","lifetime_value":3,"lifetime_unit":"MONTH",
		"readonly":"SET","retries":5,"enabled":true}]`, string(r.only("replication.create").Params))
	assert.Equal(t, int64(7), repl.SSHCredentials())
	assert.Equal(t, []int64{3}, repl.SnapshotTaskIDs())

	// core.get_jobs([["id","=",N]], {"extra":{"raw_result":true}}) (reference: Jobs, polling)
	r.answer("core.get_jobs", `[{"id":101,"method":"replication.run","arguments":[3],"state":"SUCCESS",
		"progress":{"percent":100,"description":"done","extra":null},"result":null,"error":null,"exc_info":null,
		"time_started":{"$date":1732560000000},"time_finished":{"$date":1732560042000}}]`)
	j, err := c.Jobs.Get(ctx, 101)
	require.NoError(t, err)
	assert.JSONEq(t, `[[["id","=",101]],{"extra":{"raw_result":true}}]`, string(r.only("core.get_jobs").Params))
	assert.Equal(t, truenas.JobSuccess, j.State)
	assert.Equal(t, int64(1732560042000), j.TimeFinished.UnixMilli())
}

// The per-call timeout bounds a call the appliance never answers: a write then reports
// ErrOutcomeUnknown and is sent once; a read is retried per the retry policy.
func TestWireTimeoutAndRetry(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(t)
	r.answer("pool.dataset.update", hang)
	r.answer("pool.dataset.query", hang)
	c := r.client(sitekit.WithTimeout(50*time.Millisecond), sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond}))
	_, err := c.Datasets.Update(ctx, "tank/a", truenas.DatasetRequest{Comments: truenas.Ptr("x")})
	require.ErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	assert.Len(t, r.calls("pool.dataset.update"), 1, "a write whose answer is lost is never re-sent")
	_, err = c.Datasets.Get(ctx, "tank/a")
	require.Error(t, err)
	assert.NotErrorIs(t, err, sitekit.ErrOutcomeUnknown)
	assert.Len(t, r.calls("pool.dataset.query"), 3, "a read is retried up to MaxAttempts")
}

// sitekit.WithMaxConcurrentWrites(1): the appliance never sees two writes in flight, while
// reads are not held back.
func TestWireMaxConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(t)
	r.answer("pool.dataset.update", `{"id":"tank/a"}`)
	r.hold = "pool.dataset.update"
	c := r.client(sitekit.WithMaxConcurrentWrites(1))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := c.Datasets.Update(ctx, "tank/a", truenas.DatasetRequest{Comments: truenas.Ptr("x")})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, r.calls("pool.dataset.update"), 4)
	assert.Equal(t, 1, r.maxHeld, "writes in flight at once")
}
