package temporal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

const historyDir = "testdata/histories"

// TestReplayHistories replays the histories recorded on a real server by
// TestRecordHistories against today's workflow code. A change that alters the commands a
// run issues (the scheduler's order, the activities called) without a new
// workflow.GetVersion branch fails here instead of breaking the runs in flight.
func TestReplayHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(historyDir, "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5, "recorded histories under %s", historyDir)
	r := worker.NewWorkflowReplayer()
	RegisterWorkflows(r)
	for _, f := range files {
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quietLogger(), f), f)
	}
}

// TestRecordHistories records the histories TestReplayHistories replays, on the server of
// .ci/run, over the fake cloud: SITEKIT_RECORD_HISTORIES=1 go test -run TestRecordHistories.
// Re-record only on purpose: the committed files stand for the runs in flight.
func TestRecordHistories(t *testing.T) {
	if os.Getenv("SITEKIT_RECORD_HISTORIES") != "1" {
		t.Skip("set SITEKIT_RECORD_HISTORIES=1 to record the replay histories")
	}
	c := dial(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	require.NoError(t, os.MkdirAll(historyDir, 0o755))

	record := func(name string, cloud *fakeCloud, start func(queue string) (client.WorkflowRun, error), during func(run client.WorkflowRun)) {
		queue := uniqueQueue(t)
		w := NewWorker(c, queue, fakeActivities(cloud), worker.Options{})
		require.NoError(t, w.Start())
		defer w.Stop()
		run, err := start(queue)
		require.NoError(t, err)
		if during != nil {
			during(run)
		}
		require.NoError(t, run.Get(ctx, nil), name)
		var hist historypb.History
		it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			hist.Events = append(hist.Events, ev)
		}
		b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&hist)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(historyDir, name+".json"), append(b, '\n'), 0o644))
	}
	opts := func(id, queue string) client.StartWorkflowOptions {
		return client.StartWorkflowOptions{ID: id + "-" + queue, TaskQueue: queue}
	}

	cloud := newFakeCloud()
	cloud.objs[kOrphan] = "managed-by sitekit:rec"
	record("apply-approved", cloud, func(q string) (client.WorkflowRun, error) {
		return c.ExecuteWorkflow(ctx, opts("apply", q), ApplySite, ApplyRequest{Spec: fakeSpec("rec"), Approval: &Approval{Timeout: time.Hour}})
	}, func(run client.WorkflowRun) {
		var plan *PlanSummary
		require.Eventually(t, func() bool {
			v, err := c.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), QueryPlan)
			return err == nil && v.Get(&plan) == nil && plan != nil
		}, time.Minute, 50*time.Millisecond)
		require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), SignalApproval, ApprovalSignal{Digest: plan.Digest, Approved: true, By: "recorder"}))
	})
	record("drift-converged", cloud, func(q string) (client.WorkflowRun, error) {
		return c.ExecuteWorkflow(ctx, opts("drift", q), DriftSite, DriftRequest{Spec: fakeSpec("rec")})
	}, nil)
	record("destroy", cloud, func(q string) (client.WorkflowRun, error) {
		return c.ExecuteWorkflow(ctx, opts("destroy", q), DestroySite, ApplyRequest{Spec: fakeSpec("rec")})
	}, nil)

	failing := newFakeCloud()
	failing.fail[kVLAN] = errors.New("vlan id 5000 out of range")
	record("apply-failed-step", failing, func(q string) (client.WorkflowRun, error) {
		return c.ExecuteWorkflow(ctx, opts("failed", q), ApplySite, ApplyRequest{Spec: fakeSpec("rec")})
	}, nil)
	record("fleet-drift", newFakeCloud(), func(q string) (client.WorkflowRun, error) {
		return c.ExecuteWorkflow(ctx, opts("fleet", q), Fleet, FleetRequest{DriftOnly: true, MaxConcurrent: 2,
			Sites: []SiteSpec{fakeSpec("rec-1"), fakeSpec("rec-2"), fakeSpec("rec-3")}})
	}, nil)
}
