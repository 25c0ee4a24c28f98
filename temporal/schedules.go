package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"
)

// ScheduleOptions configure the schedules of a site; zero fields take the defaults.
type ScheduleOptions struct {
	// Queue is the task queue of the scheduled workflows (default [DefaultTaskQueue]).
	Queue string
	// DriftCron is when the drift runs (default "0 2 * * *", nightly at 02:00).
	DriftCron string
	// AuditCron is when the backup audit runs (default "0 7 * * *", daily at 07:00).
	AuditCron string
	// TimeZone of the cron expressions (default UTC).
	TimeZone string
	// Jitter spreads the start of each action by up to this much, so a thousand sites
	// do not plan in the same second (default 30 minutes).
	Jitter time.Duration
	// DriftApproval, when set, lets a nightly drift wait for the approval of its plan and
	// then apply it; without it the drift is only reported.
	DriftApproval *Approval
	// Timeouts of the scheduled runs.
	Timeouts Timeouts
}

// DriftScheduleID and AuditScheduleID are the IDs of a site's schedules.
func DriftScheduleID(site string) string { return "sitekit-drift-" + site }

// AuditScheduleID is the ID of a site's daily backup audit schedule.
func AuditScheduleID(site string) string { return "sitekit-backup-audit-" + site }

// EnsureSchedules creates, or updates to o, the two schedules of a site: a nightly
// [DriftSite] (its non-empty plan is the run's result, and awaits approval when
// o.DriftApproval is set) and a daily [AuditBackups]. Overlapping runs are skipped.
func EnsureSchedules(ctx context.Context, c client.Client, spec SiteSpec, o ScheduleOptions) error {
	if o.Queue == "" {
		o.Queue = DefaultTaskQueue
	}
	if o.DriftCron == "" {
		o.DriftCron = "0 2 * * *"
	}
	if o.AuditCron == "" {
		o.AuditCron = "0 7 * * *"
	}
	if o.TimeZone == "" {
		o.TimeZone = "UTC"
	}
	if o.Jitter == 0 {
		o.Jitter = 30 * time.Minute
	}
	name := spec.Name()
	drift := client.ScheduleOptions{
		ID:      DriftScheduleID(name),
		Spec:    client.ScheduleSpec{CronExpressions: []string{o.DriftCron}, TimeZoneName: o.TimeZone, Jitter: o.Jitter},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{ID: DriftWorkflowID(name), Workflow: DriftSite, TaskQueue: o.Queue,
			Args: []any{DriftRequest{Spec: spec, Approval: o.DriftApproval, Timeouts: o.Timeouts}}},
		Note: "sitekit nightly drift of " + name,
	}
	audit := client.ScheduleOptions{
		ID:      AuditScheduleID(name),
		Spec:    client.ScheduleSpec{CronExpressions: []string{o.AuditCron}, TimeZoneName: o.TimeZone, Jitter: o.Jitter},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{ID: "sitekit-backup-audit-" + name, Workflow: AuditBackups, TaskQueue: o.Queue,
			Args: []any{spec}},
		Note: "sitekit daily backup audit of " + name,
	}
	for _, so := range []client.ScheduleOptions{drift, audit} {
		if err := ensureSchedule(ctx, c, so); err != nil {
			return err
		}
	}
	return nil
}

func ensureSchedule(ctx context.Context, c client.Client, so client.ScheduleOptions) error {
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, so)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sdktemporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("schedule %s: %w", so.ID, err)
	}
	h := sc.GetHandle(ctx, so.ID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		s.Spec = &so.Spec
		s.Action = so.Action
		s.Policy.Overlap = so.Overlap
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", so.ID, err)
	}
	return nil
}
