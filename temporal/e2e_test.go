package temporal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// The end-to-end tests run against a real Temporal server: .ci/run builds the dev server
// of internal/devserver once, starts it on 127.0.0.1 and exports its address and
// namespace.
const (
	envAddress   = "SITEKIT_TEMPORAL_ADDRESS"
	envNamespace = "SITEKIT_TEMPORAL_NAMESPACE"
	// envChild makes the test binary a worker process (see TestMain).
	envChild    = "SITEKIT_E2E_CHILD"
	envQueue    = "SITEKIT_E2E_QUEUE"
	envCrashKey = "SITEKIT_E2E_CRASH_KEY"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "crash-worker" {
		os.Exit(crashWorker())
	}
	os.Exit(m.Run())
}

func quietLogger() log.Logger { return log.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

// dial connects to the server of .ci/run. Outside CI, without a server, the test is
// skipped; in CI a missing server fails it.
func dial(t testing.TB) client.Client {
	t.Helper()
	addr := os.Getenv(envAddress)
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: .ci/run must start the Temporal dev server", envAddress)
		}
		t.Skipf("%s not set: run .ci/run, or start temporal/internal/devserver and export %s and %s", envAddress, envAddress, envNamespace)
	}
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: os.Getenv(envNamespace), Logger: quietLogger()})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// uniqueQueue names a task queue no earlier run of the tests used.
func uniqueQueue(t testing.TB) string {
	return fmt.Sprintf("e2e-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

func fixed(conns blueprint.Connections) Provider {
	return ProviderFunc(func(context.Context, blueprint.Site) (blueprint.Connections, error) { return conns, nil })
}

// simEnv is the environment describing the simulators to another process (read back by
// blueprint.ConnectionsFromEnv).
func simEnv(s *blueprinttest.Site) []string {
	var env []string
	for k, v := range s.Env() {
		env = append(env, k+"="+v)
	}
	return env
}

// crashWorker is the worker process of TestEndToEndWorkerCrash: it serves the queue with
// connections from the environment and, once the create of the crash key has committed,
// tells its parent and hangs before reporting, until the parent kills it.
func crashWorker() int {
	conns, err := blueprint.ConnectionsFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash worker:", err)
		return 2
	}
	c, err := client.Dial(client.Options{HostPort: os.Getenv(envAddress), Namespace: os.Getenv(envNamespace), Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash worker:", err)
		return 2
	}
	key := os.Getenv(envCrashKey)
	a := &Activities{Provider: fixed(conns), HeartbeatEvery: 500 * time.Millisecond}
	a.afterConverge = func(req StepRequest, got engine.Converged) error {
		if req.Key == key && got.Action == engine.ActionCreate {
			fmt.Println("COMMITTED", key)
			select {} // committed, never reported: the parent kills this process
		}
		return nil
	}
	w := NewWorker(c, os.Getenv(envQueue), a, worker.Options{})
	if err := w.Run(worker.InterruptCh()); err != nil {
		fmt.Fprintln(os.Stderr, "crash worker:", err)
		return 1
	}
	return 0
}

// fast are the timeouts of the end-to-end runs: a dead worker is noticed after 3 s.
var fast = Timeouts{Heartbeat: 3 * time.Second, Backoff: 200 * time.Millisecond, Step: 2 * time.Minute, Plan: time.Minute}

// TestEndToEndWorkerCrash applies the Standard site on the simulators through a real
// Temporal server. The first worker is a separate process killed (SIGKILL) after the
// create of a VM committed and before it reported; a second worker finishes the run. No
// object is duplicated and the re-plan is empty.
func TestEndToEndWorkerCrash(t *testing.T) {
	c := dial(t)
	sims := blueprinttest.Start(t)
	conns := sims.Connections()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	site := blueprinttest.Pessac()
	bp, err := blueprint.Standard(site)
	require.NoError(t, err)
	before, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	crashKey := ""
	for _, s := range before.Steps {
		if s.Action == engine.ActionCreate && s.Key.Appliance == "xo" && s.Key.Kind == "vm" {
			crashKey = s.ID
			break
		}
	}
	require.NotEmpty(t, crashKey, "the plan creates a VM")
	queue := uniqueQueue(t)

	// Worker 1: a separate process.
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), simEnv(sims)...)
	child.Env = append(child.Env, envChild+"=crash-worker", envQueue+"="+queue, envCrashKey+"="+crashKey)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	child.Stderr = os.Stderr
	require.NoError(t, child.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	})

	run, err := StartApply(ctx, c, queue, ApplyRequest{Spec: SiteSpec{Site: site}, Timeouts: fast})
	require.NoError(t, err)

	committed := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(sc.Text(), "COMMITTED "); ok {
				committed <- k
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case k := <-committed:
		require.Equal(t, crashKey, k)
	case <-ctx.Done():
		t.Fatal("the crash worker never committed", crashKey)
	}
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	killed = true

	// Worker 2, in this process, finishes the run.
	w := NewWorker(c, queue, &Activities{Provider: fixed(conns), HeartbeatEvery: 500 * time.Millisecond}, worker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	var res SiteResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, StatusApplied, res.Status, "failed steps: %v", compact(res).Failed)
	assert.Zero(t, res.Summary.Failed+res.Summary.Skipped+res.Summary.Cancelled)
	for _, s := range res.Steps {
		if s.ID == crashKey {
			assert.Equal(t, engine.ActionNoop, s.Did, "the second worker found the VM the first one created")
		}
	}

	// No duplicates: every VM name once on XO.
	vms, err := conns.XO.VMs.List(ctx, nil)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, vm := range vms {
		seen[vm.NameLabel]++
	}
	for _, want := range bp.Site().VMs {
		assert.Equal(t, 1, seen[want.Name], "VM %s", want.Name)
	}

	after, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.True(t, after.Empty(), "re-plan:\n%s", after)
	t.Logf("crash test: %d steps done, %d unchanged; %s re-observed by the second worker (noop); re-plan empty", res.Summary.Done, res.Summary.Noop, crashKey)
}

// TestEndToEndSharedXOLimit applies three sites sharing one Xen Orchestra at once. Their
// XO steps go to one appliance queue served by one worker capped at 2: never more than
// 2 XO writes run together, although each site alone allows 4.
func TestEndToEndSharedXOLimit(t *testing.T) {
	c := dial(t)
	sims := blueprinttest.Start(t)
	conns := sims.Connections()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	xoOnly := blueprint.Connections{XO: conns.XO, Secrets: conns.Secrets}

	queue := uniqueQueue(t)
	xoQueue := ApplianceQueue("xo", sims.XO.URL())
	const limit = 2
	route := func(_ blueprint.Site, app string) string {
		if app == "xo" {
			return xoQueue
		}
		return ""
	}
	var mu sync.Mutex
	running, most, writes := 0, 0, 0
	count := func(req StepRequest) func() {
		mu.Lock()
		running++
		writes++
		most = max(most, running)
		mu.Unlock()
		return func() {
			mu.Lock()
			running--
			mu.Unlock()
		}
	}
	wf := NewWorker(c, queue, &Activities{Provider: fixed(xoOnly), Queues: route}, worker.Options{})
	require.NoError(t, wf.Start())
	t.Cleanup(wf.Stop)
	xa := &Activities{Provider: fixed(xoOnly), Queues: route, around: count}
	wx := NewApplianceWorker(c, xoQueue, limit, xa, worker.Options{})
	require.NoError(t, wx.Start())
	t.Cleanup(wx.Stop)

	var runs []client.WorkflowRun
	for k := 1; k <= 3; k++ {
		spec := SiteSpec{Site: sharedSite(k)}
		bp, err := spec.Blueprint()
		require.NoError(t, err)
		require.Equal(t, 4, bp.Limits().Limit("xo"), "each site alone allows 4 XO writes")
		run, err := StartApply(ctx, c, queue, ApplyRequest{Spec: spec, Timeouts: fast})
		require.NoError(t, err)
		runs = append(runs, run)
	}
	for _, run := range runs {
		var res SiteResult
		require.NoError(t, run.Get(ctx, &res))
		assert.Equal(t, StatusApplied, res.Status, "%s failed steps: %v", res.Site, compact(res).Failed)
		assert.Equal(t, map[string]string{"xo": xoQueue}, res.Plan.Queues)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, most, limit)
	assert.Positive(t, writes)
	t.Logf("3 sites sharing one XO: %d XO steps, at most %d at once (limit %d)", writes, most, limit)
	vms, err := conns.XO.VMs.List(ctx, nil)
	require.NoError(t, err)
	names := map[string]int{}
	for _, vm := range vms {
		names[vm.NameLabel]++
	}
	for k := 1; k <= 3; k++ {
		for _, vm := range sharedSite(k).VMs {
			assert.Equal(t, 1, names[vm.Name], "VM %s", vm.Name)
		}
	}
}
