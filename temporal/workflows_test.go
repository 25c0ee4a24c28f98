package temporal

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
)

// quietSuite is a test suite whose environments log nothing.
func quietSuite() *testsuite.WorkflowTestSuite {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return &s
}

func newEnv(t *testing.T, c *fakeCloud) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	env := quietSuite().NewTestWorkflowEnvironment()
	RegisterWorkflows(env)
	RegisterActivities(env, fakeActivities(c))
	env.SetTestTimeout(time.Minute)
	return env
}

func siteResult(t *testing.T, env *testsuite.TestWorkflowEnvironment) *SiteResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res SiteResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return &res
}

func outcomes(res *SiteResult) map[string]engine.Outcome {
	out := map[string]engine.Outcome{}
	for _, s := range res.Steps {
		out[s.ID] = s.Outcome
	}
	return out
}

// approve queries the plan of the waiting run and signals a decision on its digest.
func approve(t *testing.T, env *testsuite.TestWorkflowEnvironment, approved bool) {
	v, err := env.QueryWorkflow(QueryStatus)
	require.NoError(t, err)
	var st Status
	require.NoError(t, v.Get(&st))
	require.Equal(t, StatusAwaitingApproval, st)
	v, err = env.QueryWorkflow(QueryPlan)
	require.NoError(t, err)
	var plan PlanSummary
	require.NoError(t, v.Get(&plan))
	// A decision on another plan is ignored.
	env.SignalWorkflow(SignalApproval, ApprovalSignal{Digest: "stale", Approved: true, By: "bob"})
	env.SignalWorkflow(SignalApproval, ApprovalSignal{Digest: plan.Digest, Approved: approved, By: "alice"})
}

func TestApplyAfterApproval(t *testing.T) {
	c := newFakeCloud()
	c.objs[engine.K("xo", "vm", "old")] = sitekit.Marker("s1") // an orphan: marked, no longer desired
	c.objs[engine.K("xo", "vm", "manual")] = "made by hand"
	env := newEnv(t, c)
	env.RegisterDelayedCallback(func() { approve(t, env, true) }, time.Hour)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1"), Approval: &Approval{Timeout: 24 * time.Hour}})
	res := siteResult(t, env)

	assert.Equal(t, StatusApplied, res.Status)
	assert.Equal(t, "alice", res.Approval.By)
	assert.Equal(t, engine.Summary{Done: 6}, res.Summary)
	assert.Equal(t, "delete", string(res.Plan.Steps[len(res.Plan.Steps)-1].Action))
	objs := c.snapshot()
	assert.Len(t, objs, 6, "5 created, the orphan deleted, the unmarked VM kept")
	assert.NotContains(t, objs, engine.K("xo", "vm", "old"))
	assert.Contains(t, objs, engine.K("xo", "vm", "manual"))
	for _, s := range res.Steps {
		if s.ID == kJob.String() {
			assert.Equal(t, "id-backup", s.Outputs["id"])
		}
	}
	assert.NotContains(t, res.Plan.Text, sitekit.Marker("s1"), "the plan data carries no desired state")
}

func TestApplyRejected(t *testing.T) {
	c := newFakeCloud()
	env := newEnv(t, c)
	env.RegisterDelayedCallback(func() { approve(t, env, false) }, time.Minute)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1"), Approval: &Approval{Timeout: time.Hour}})
	res := siteResult(t, env)
	assert.Equal(t, StatusRejected, res.Status)
	assert.False(t, res.Approval.Approved)
	assert.Empty(t, res.Steps)
	assert.Empty(t, c.snapshot(), "nothing written")
}

func TestApplyApprovalTimesOut(t *testing.T) {
	c := newFakeCloud()
	env := newEnv(t, c)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1"), Approval: &Approval{Timeout: 2 * time.Hour}})
	res := siteResult(t, env)
	assert.Equal(t, StatusApprovalTimedOut, res.Status)
	assert.Nil(t, res.Approval)
	assert.Empty(t, c.snapshot())
}

func TestApplyCancelled(t *testing.T) {
	c := newFakeCloud()
	started := make(chan struct{})
	c.block[kVMA] = started
	env := newEnv(t, c)
	go func() {
		<-started // vm/a is being written: cancel the run
		env.CancelWorkflow()
	}()
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1")})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	var canceled *sdktemporal.CanceledError
	assert.ErrorAs(t, err, &canceled)
	assert.NotContains(t, c.snapshot(), kVMA)
	assert.NotContains(t, c.snapshot(), kJob, "nothing dispatched after the cancellation")
}

func TestPermanentFailureSkipsDependents(t *testing.T) {
	c := newFakeCloud()
	c.fail[kVLAN] = errors.New("vlan id 5000 out of range")
	env := newEnv(t, c)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1")})
	res := siteResult(t, env)

	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, map[string]engine.Outcome{
		kVLAN.String(): engine.OutcomeFailed, kVMA.String(): engine.OutcomeSkipped, kVMB.String(): engine.OutcomeSkipped,
		kJob.String(): engine.OutcomeSkipped, kDataset.String(): engine.OutcomeDone,
	}, outcomes(res))
	for _, s := range res.Steps {
		switch s.ID {
		case kVLAN.String():
			assert.Equal(t, "vlan id 5000 out of range", s.Error)
		case kJob.String():
			assert.Equal(t, "upstream dependency did not succeed: fw/vlan/lan failed (via xo/vm/a)", s.Error)
		}
	}
	assert.Equal(t, map[engine.Key]string{kDataset: sitekit.Marker("s1")}, c.snapshot())
}

func TestFailFastCancelsTheRest(t *testing.T) {
	c := newFakeCloud()
	c.fail[kDataset] = errors.New("pool full")
	c.limits.Parallelism = 1 // the dataset (independent) runs after the VLAN branch is started
	env := newEnv(t, c)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1"), FailFast: true})
	res := siteResult(t, env)
	assert.Equal(t, StatusFailed, res.Status)
	assert.Equal(t, 1, res.Summary.Failed)
	assert.Positive(t, res.Summary.Skipped+res.Summary.Cancelled)
	for _, s := range res.Steps {
		if s.Outcome == engine.OutcomeCancelled {
			assert.Equal(t, "fail-fast: nas/dataset/d failed", s.Error)
		}
	}
}

func TestAmbiguousCommitNeverDuplicates(t *testing.T) {
	t.Run("answer lost", func(t *testing.T) {
		c := newFakeCloud()
		c.ambiguous[kVMA] = 1 // the create commits, its answer is lost: re-observed at once
		env := newEnv(t, c)
		env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1")})
		res := siteResult(t, env)
		assert.Equal(t, StatusApplied, res.Status)
		assert.Equal(t, 1, c.count(c.creates, kVMA))
	})
	t.Run("worker lost after the commit", func(t *testing.T) {
		c := newFakeCloud()
		a := fakeActivities(c)
		lost := 0
		a.afterConverge = func(req StepRequest, got engine.Converged) error {
			if req.Key == kVMA.String() && lost == 0 {
				lost++ // the create committed; the attempt never reports it
				return engine.Ambiguous(errors.New("worker lost"))
			}
			return nil
		}
		env := quietSuite().NewTestWorkflowEnvironment()
		RegisterWorkflows(env)
		RegisterActivities(env, a)
		env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1")})
		res := siteResult(t, env)
		assert.Equal(t, StatusApplied, res.Status)
		assert.Equal(t, 1, c.count(c.creates, kVMA), "the retry observed the VM and did not create it again")
		for _, st := range res.Steps {
			if st.ID == kVMA.String() {
				assert.Equal(t, engine.ActionNoop, st.Did)
				assert.Equal(t, "id-a", st.Outputs["id"])
			}
		}
	})
}

func TestDriftPlansOnly(t *testing.T) {
	c := newFakeCloud()
	env := newEnv(t, c)
	env.ExecuteWorkflow(DriftSite, DriftRequest{Spec: fakeSpec("s1")})
	res := siteResult(t, env)
	assert.Equal(t, StatusDrift, res.Status)
	assert.Equal(t, 5, res.Plan.Changes)
	assert.Equal(t, 4, res.Reads, "one list per collection")
	assert.Empty(t, c.snapshot())
}

func TestDestroyAfterApply(t *testing.T) {
	c := newFakeCloud()
	env := newEnv(t, c)
	env.ExecuteWorkflow(ApplySite, ApplyRequest{Spec: fakeSpec("s1")})
	require.Equal(t, StatusApplied, siteResult(t, env).Status)

	env = newEnv(t, c)
	env.ExecuteWorkflow(DriftSite, DriftRequest{Spec: fakeSpec("s1")})
	assert.Equal(t, StatusConverged, siteResult(t, env).Status)

	env = newEnv(t, c)
	env.ExecuteWorkflow(DestroySite, ApplyRequest{Spec: fakeSpec("s1")})
	res := siteResult(t, env)
	assert.Equal(t, StatusApplied, res.Status)
	assert.Equal(t, 5, res.Summary.Done)
	assert.Empty(t, c.snapshot())
}

func TestFleetCapsConcurrency(t *testing.T) {
	env := quietSuite().NewTestWorkflowEnvironment()
	RegisterWorkflows(env)
	running, most := 0, 0
	env.OnWorkflow(ApplySite, mock.Anything, mock.Anything).Return(func(ctx workflow.Context, req ApplyRequest) (*SiteResult, error) {
		running++
		most = max(most, running)
		defer func() { running-- }()
		if err := workflow.Sleep(ctx, time.Duration(len(req.Spec.Name()))*time.Minute); err != nil {
			return nil, err
		}
		if req.Spec.Name() == "s-bad" {
			return &SiteResult{Site: req.Spec.Name(), Status: StatusFailed, Steps: []StepResult{{ID: "fw/vlan/lan", Outcome: engine.OutcomeFailed, Error: "boom"}}}, nil
		}
		return &SiteResult{Site: req.Spec.Name(), Status: StatusApplied, Plan: &PlanSummary{Changes: 3, Digest: "d"}}, nil
	})
	sites := []SiteSpec{fakeSpec("s1"), fakeSpec("s-bad"), fakeSpec("s333"), fakeSpec("s4"), fakeSpec("s55555")}
	env.ExecuteWorkflow(Fleet, FleetRequest{Sites: sites, MaxConcurrent: 2})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res FleetResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 2, res.MaxInFlight)
	assert.Equal(t, 2, most)
	require.Len(t, res.Sites, 5)
	for i, fs := range res.Sites {
		assert.Equal(t, sites[i].Name(), fs.Site)
	}
	assert.Equal(t, StatusFailed, res.Sites[1].Status)
	assert.Equal(t, []string{"fw/vlan/lan: boom"}, res.Sites[1].Failed)
	assert.Equal(t, StatusApplied, res.Sites[4].Status)
	assert.Equal(t, 3, res.Sites[4].Writes)
}
