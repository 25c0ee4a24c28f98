package temporal

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// TestEnsureSchedules creates a site's nightly drift and daily backup audit on the real
// server, then updates them (a second call with other times succeeds and takes effect).
func TestEnsureSchedules(t *testing.T) {
	c := dial(t)
	ctx := t.Context()
	site := blueprinttest.Pessac()
	site.Name = fmt.Sprintf("sched-%d", time.Now().UnixNano())
	spec := SiteSpec{Site: site}
	t.Cleanup(func() {
		for _, id := range []string{DriftScheduleID(site.Name), AuditScheduleID(site.Name)} {
			_ = c.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
		}
	})
	require.NoError(t, EnsureSchedules(ctx, c, spec, ScheduleOptions{Queue: "q1"}))
	require.NoError(t, EnsureSchedules(ctx, c, spec, ScheduleOptions{Queue: "q2", DriftCron: "30 3 * * *", Jitter: time.Minute,
		DriftApproval: &Approval{Timeout: 8 * time.Hour}}))

	d, err := c.ScheduleClient().GetHandle(ctx, DriftScheduleID(site.Name)).Describe(ctx)
	require.NoError(t, err)
	act, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, "DriftSite", act.Workflow)
	assert.Equal(t, "q2", act.TaskQueue)
	assert.Equal(t, DriftWorkflowID(site.Name), act.ID)
	require.NotEmpty(t, d.Schedule.Spec.Calendars)
	assert.Equal(t, time.Minute, d.Schedule.Spec.Jitter)
	assert.NotEmpty(t, d.Info.NextActionTimes)
	next := d.Info.NextActionTimes[0].UTC()
	assert.Equal(t, 3, next.Hour(), "30 3 * * * (plus up to a minute of jitter)")

	a, err := c.ScheduleClient().GetHandle(ctx, AuditScheduleID(site.Name)).Describe(ctx)
	require.NoError(t, err)
	aact, ok := a.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, "AuditBackups", aact.Workflow)
}
