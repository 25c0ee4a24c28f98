package temporal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// TestEndToEndPinnedToVersion runs an apply on a worker built with Versioned, once its
// build is the deployment's current version: the run is pinned to that build.
func TestEndToEndPinnedToVersion(t *testing.T) {
	c := dial(t)
	ctx := t.Context()
	queue := uniqueQueue(t)
	deployment := "sitekit-" + queue
	w := NewWorker(c, queue, fakeActivities(newFakeCloud()), Versioned(worker.Options{}, deployment, "build-1"))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	h := c.WorkerDeploymentClient().GetHandle(deployment)
	// The server learns the version from the worker's polls.
	require.Eventually(t, func() bool {
		_, err := h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: "build-1"})
		return err == nil
	}, time.Minute, 200*time.Millisecond)

	run, err := StartApply(ctx, c, queue, ApplyRequest{Spec: fakeSpec("pinned-" + queue[len(queue)-6:])})
	require.NoError(t, err)
	var res SiteResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, StatusApplied, res.Status)
	d, err := c.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
	require.NoError(t, err)
	vi := d.RawResponse.GetWorkflowExecutionInfo().GetVersioningInfo()
	require.NotNil(t, vi)
	assert.Equal(t, enumspb.VERSIONING_BEHAVIOR_PINNED, vi.GetBehavior())
	assert.Equal(t, "build-1", vi.GetDeploymentVersion().GetBuildId())
}
