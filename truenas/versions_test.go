package truenas_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/simkit"
	"github.com/sitekit/sitekit/truenas"
	"github.com/sitekit/sitekit/truenas/truenastest"
)

// The same client calls work on 25.04, 25.10 and 26.0; the simulator's per-version method
// sets prove which method the client used.
// Evidence: reference truenas.md §6.3-§6.5 (zfs.snapshot vs pool.snapshot, service.start vs
// service.control, SMB purposes and ro/abe renamed in v25.10).
func TestVersionSwitch(t *testing.T) {
	for _, tc := range []struct {
		release, version       string
		startMethod, snapQuery string
		purposeOnWire          string
	}{
		{"25.04", "v25.04.2", "service.start", "zfs.snapshot.query", "TIMEMACHINE"},
		{"25.10", "v25.10.5", "service.control", "pool.snapshot.query", "TIMEMACHINE_SHARE"},
		{"26.0", "v26.0.0", "service.control", "pool.snapshot.query", "TIMEMACHINE_SHARE"},
	} {
		t.Run(tc.release, func(t *testing.T) {
			srv, c := newPair(t, []truenastest.Option{truenastest.WithRelease(tc.release)})
			if v := must[string](t)(c.APIVersion(ctx)); v != tc.version {
				t.Fatalf("negotiated %s, want %s", v, tc.version)
			}
			if err := c.Services.Start(ctx, truenas.ServiceNFS); err != nil {
				t.Fatal(err)
			}
			if err := c.Services.SetEnabled(ctx, truenas.ServiceNFS, true); err != nil {
				t.Fatal(err)
			}
			svc := must[truenas.Service](t)(c.Services.Get(ctx, truenas.ServiceNFS))
			if svc.State != "RUNNING" || !svc.Enable {
				t.Fatalf("service %+v", svc)
			}
			if srv.Faults().Calls(tc.startMethod) != 1 {
				t.Fatalf("calls %v: want one %s", srv.Faults().CallCounts(), tc.startMethod)
			}
			must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/tm", ShareType: "SMB"}))
			must[truenas.Snapshot](t)(c.Snapshots.Create(ctx, truenas.SnapshotRequest{Dataset: "tank/tm", Name: "s1"}))
			if s := must[[]truenas.Snapshot](t)(c.Snapshots.List(ctx, nil)); len(s) != 1 {
				t.Fatal(s)
			}
			if srv.Faults().Calls(tc.snapQuery) != 1 {
				t.Fatalf("calls %v: want %s", srv.Faults().CallCounts(), tc.snapQuery)
			}
			share := must[truenas.SMBShare](t)(c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: "TimeMachine", Path: "/mnt/tank/tm",
				Purpose: truenas.SMBTimeMachineShare, ReadOnly: truenas.Ptr(true), Comment: truenas.Ptr(sitekit.Marker("s"))}))
			if share.Purpose != truenas.SMBTimeMachineShare || !share.ReadOnly || share.Comment != sitekit.Marker("s") {
				t.Fatalf("share %+v", share)
			}
			share = must[truenas.SMBShare](t)(c.SMBShares.Update(ctx, share.ID, truenas.SMBShareRequest{ReadOnly: truenas.Ptr(false)}))
			if share.ReadOnly {
				t.Fatal("still read-only")
			}
			_, err := c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: "timemachine", Path: "/mnt/tank/tm"})
			wantIs(t, err, sitekit.ErrExists)
			must[truenas.SMBShare](t)(c.SMBShares.Find(ctx, "TimeMachine"))
			if err := c.SMBShares.Delete(ctx, share.ID); err != nil {
				t.Fatal(err)
			}
			if err := c.Services.Stop(ctx, truenas.ServiceNFS); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Evidence: reference truenas.md §1.1 (GET /api/versions, pinned endpoints).
func TestVersionChoice(t *testing.T) {
	for _, tc := range []struct {
		listed []string
		want   string
	}{
		{[]string{"v25.04.0", "v25.10.2", "v26.0.0", "v27.0.0"}, "v26.0.0"},
		{[]string{"v25.04.0", "v25.04.2"}, "v25.04.2"},
		{[]string{"v27.0.0", "v24.10"}, "v27.0.0"},
		{[]string{"v24.10"}, ""},
	} {
		got, _ := truenas.ChooseVersion(tc.listed)
		if got != tc.want {
			t.Errorf("ChooseVersion(%v) = %q, want %q", tc.listed, got, tc.want)
		}
	}
	// pinned and current
	srv := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"))
	c := must[*truenas.Client](t)(srv.Client(truenas.WithAPIVersion("25.10.2")))
	defer c.Close()
	if v := must[string](t)(c.APIVersion(ctx)); v != "v25.10.2" {
		t.Fatal(v)
	}
	cur := must[*truenas.Client](t)(srv.Client(truenas.WithCurrentAPI()))
	defer cur.Close()
	if v := must[string](t)(cur.APIVersion(ctx)); v != "v25.10.6" {
		t.Fatal(v) // from system.version_short 25.10.6
	}
	pinnedMissing := must[*truenas.Client](t)(srv.Client(truenas.WithAPIVersion("v26.0.0")))
	defer pinnedMissing.Close()
	if _, err := pinnedMissing.System.Info(ctx); err == nil {
		t.Fatal("v26.0.0 is not served by 25.10")
	}
}

// Evidence: reference truenas.md §3 (auth.login_ex, auth.login_with_api_key, AUTH_ERR as a
// result, not an error).
func TestAuth(t *testing.T) {
	// plain ws:// to a non-loopback host: refused before any I/O
	_, err := truenas.New("http://192.0.2.10", sitekit.WithToken(sitekit.NewSecret("1-abc")), sitekit.WithPlainHTTP())
	wantField(t, err, "BaseURL")
	_, err = truenas.New("ws://nas.example", sitekit.WithToken(sitekit.NewSecret("1-abc")), sitekit.WithPlainHTTP())
	wantField(t, err, "BaseURL")
	_, err = truenas.New("https://nas.example")
	wantField(t, err, "Token")

	// wrong key → ErrUnauthorized, without retry storms
	srv := truenastest.NewTestServer(t)
	bad := must[*truenas.Client](t)(truenas.New(srv.URL(), sitekit.WithToken(sitekit.NewSecret("1-wrong")), sitekit.WithCertSHA256(srv.Fingerprint())))
	defer bad.Close()
	_, err = bad.System.Info(ctx)
	wantIs(t, err, sitekit.ErrUnauthorized)

	// password sign-in
	pw := must[*truenas.Client](t)(truenas.New(srv.URL(), sitekit.WithCredentials(srv.Username(), sitekit.NewSecret(srv.Password())), sitekit.WithCertSHA256(srv.Fingerprint())))
	defer pw.Close()
	must[truenas.SystemInfo](t)(pw.System.Info(ctx))
	// key without username → auth.login_with_api_key
	nouser := must[*truenas.Client](t)(truenas.New(srv.URL(), sitekit.WithToken(sitekit.NewSecret(srv.APIKey())), sitekit.WithCertSHA256(srv.Fingerprint())))
	defer nouser.Close()
	must[truenas.SystemInfo](t)(nouser.System.Info(ctx))
	if srv.Faults().Calls("auth.login_with_api_key") != 2 { // the bad key, then this one
		t.Fatal(srv.Faults().CallCounts())
	}
	// wrong pin → ErrUnauthorized (PinMismatchError), nothing sent
	pinned := must[*truenas.Client](t)(truenas.New(srv.URL(), sitekit.WithToken(sitekit.NewSecret(srv.APIKey())), sitekit.WithCertSHA256(
		"0000000000000000000000000000000000000000000000000000000000000000")))
	defer pinned.Close()
	_, err = pinned.System.Info(ctx)
	wantIs(t, err, sitekit.ErrUnauthorized)
}

// A key sent in clear (API_KEY_PLAIN, 25.10) over plain ws:// by a non-loopback peer is
// revoked by the appliance, which is why the client refuses it (the simulator pretends the
// loopback peer is remote). On 26.0 the client signs in by SCRAM, which never sends the key.
func TestPlainKeyRevokedBySimulator(t *testing.T) {
	srv := truenastest.NewTestServer(t, truenastest.WithRelease("25.10"), truenastest.WithPlainHTTP(), truenastest.WithPretendRemote())
	c := must[*truenas.Client](t)(srv.Client())
	defer c.Close()
	_, err := c.System.Info(ctx)
	require.ErrorIs(t, err, sitekit.ErrUnauthorized)
	require.True(t, srv.APIKeyRevoked())

	srv = truenastest.NewTestServer(t, truenastest.WithPlainHTTP(), truenastest.WithPretendRemote())
	c = must[*truenas.Client](t)(srv.Client())
	defer c.Close()
	_, err = c.System.Info(ctx)
	require.NoError(t, err)
	require.False(t, srv.APIKeyRevoked())
	require.Zero(t, srv.Faults().Calls("auth.login_with_api_key"))
}

// Evidence: reference truenas.md §6.3 (zfs.snapshot.* on v25.04).
func TestErrorsUnauthenticatedAndUnknown(t *testing.T) {
	_, c := newPair(t, []truenastest.Option{truenastest.WithRelease("25.04")}, truenas.WithAPIVersion("v25.04.0"))
	// pool.snapshot.* does not exist on v25.04: the client uses zfs.snapshot.*
	must[[]truenas.Snapshot](t)(c.Snapshots.List(ctx, nil))
	// service.control is a 25.10 job method: the 25.04 endpoint answers -32601 to it
	_, err := c.Jobs.List(ctx, &truenas.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
}

// Waiting for a job: the simulated clock advances; progress is reported; no sleeps.
// Evidence: reference truenas.md §4 (states, progress, core.job_abort); new-style answers and
// message_ids: api/base/server/method.py and job.py at TS-25.10.6.
func TestJobWaitProgress(t *testing.T) {
	srv, c := newPair(t, []truenastest.Option{truenastest.WithJobDuration(4 * time.Second)})
	must[truenas.Dataset](t)(c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/b"}))
	cred := must[truenas.CloudCredential](t)(c.CloudCredentials.Create(ctx, truenas.CloudCredentialRequest{Name: "c", Provider: truenas.CloudProvider{Type: "B2", Account: "a", Key: sitekit.NewSecret("k")}}))
	cs := must[truenas.CloudSync](t)(c.CloudSyncs.Create(ctx, truenas.CloudSyncRequest{Path: "/mnt/tank/b", Credentials: cred.ID,
		Attributes: &truenas.CloudSyncAttributes{Bucket: "b"}, Direction: "PUSH", TransferMode: "SYNC"}))
	seen := make(chan truenas.Job, 16)
	type result struct {
		job truenas.Job
		err error
	}
	done := make(chan result, 1)
	go func() {
		j, err := c.CloudSyncs.Sync(ctx, cs.ID, false, func(j truenas.Job) { seen <- j })
		done <- result{j, err}
	}()
	first := <-seen // the wait has polled the job: it is RUNNING at 0%
	if first.State != truenas.JobRunning || first.Progress.Percent != 0 {
		t.Fatalf("first %+v", first)
	}
	for _, want := range []float64{25, 50, 75} {
		srv.AdvanceJobs(time.Second)
		if j := <-seen; j.Progress.Percent != want || j.State != truenas.JobRunning {
			t.Fatalf("progress %+v, want %v%%", j.Progress, want)
		}
	}
	srv.AdvanceJobs(time.Second)
	if j := <-seen; j.State != truenas.JobSuccess || j.Progress.Percent != 100 {
		t.Fatalf("last %+v", j)
	}
	r := <-done
	if r.err != nil || r.job.State != truenas.JobSuccess || r.job.TimeFinished == nil {
		t.Fatalf("%+v %v", r.job, r.err)
	}
	// context cancellation ends a wait on a job that never finishes
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		_, err := c.CloudSyncs.Sync(cctx, cs.ID, false, func(j truenas.Job) { cancel() })
		done <- result{err: err}
	}()
	if r := <-done; !errors.Is(r.err, context.Canceled) {
		t.Fatal(r.err)
	}
	// abort a running job
	id := must[int64](t)(srv.AwaitJob(ctx, "cloudsync.sync"))
	if err := c.Jobs.Abort(ctx, id); err != nil {
		t.Fatal(err)
	}
	j, err := c.Jobs.Wait(ctx, id, nil)
	var je *truenas.JobError
	if j.State != truenas.JobAborted || !errors.As(err, &je) {
		t.Fatal(j.State, err)
	}
}

// The connection drops: the next call reconnects and signs in again; a write whose answer is
// lost reports ErrOutcomeUnknown and is not re-sent; a read is retried once.
func TestReconnect(t *testing.T) {
	srv, c := newPair(t, nil)
	must[truenas.SystemInfo](t)(c.System.Info(ctx))
	if n := srv.DropConnections(); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	must[truenas.SystemInfo](t)(c.System.Info(ctx))
	// two SCRAM steps per sign-in, one sign-in per connection
	require.Equal(t, 4, srv.Faults().Calls("auth.login_ex"))
	// ambiguous write: applied, answer lost
	srv.Faults().AmbiguousNext()
	_, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/amb"})
	wantIs(t, err, sitekit.ErrOutcomeUnknown)
	if srv.Faults().Calls("pool.dataset.create") != 1 {
		t.Fatal("write re-sent")
	}
	must[truenas.Dataset](t)(c.Datasets.Get(ctx, "tank/amb")) // it was applied
	// a read whose connection is reset is retried on a new connection
	srv.Faults().SetFaults(simkit.Faults{})
	srv.Faults().ResetNext()
	must[truenas.Dataset](t)(c.Datasets.Get(ctx, "tank/amb"))
	// a read refused as rate limited is retried (sitekit.WithRetry)
	srv.Faults().ResetCounters()
	srv.Faults().FailNext(429, 0)
	must[truenas.Dataset](t)(c.Datasets.Get(ctx, "tank/amb"))
	require.Equal(t, 2, srv.Faults().Calls("pool.dataset.query"))
	// without retries, the refusal is the caller's
	c1, err := srv.Client(sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c1.Close() })
	require.NoError(t, c1.Connect(ctx))
	srv.Faults().FailNext(429, 0)
	_, err = c1.Datasets.Get(ctx, "tank/amb")
	require.ErrorIs(t, err, sitekit.ErrRateLimited)
}
