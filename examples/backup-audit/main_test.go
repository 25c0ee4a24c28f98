package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func standard(t *testing.T) *blueprint.Blueprint {
	t.Helper()
	s := site()
	s.Simulated = true
	bp, err := blueprint.Standard(s)
	require.NoError(t, err)
	return bp
}

// Judge: a tier limit "by design" is not a failure; the jobs' statuses give the exit code;
// a broken 3-2-1 is CRITICAL.
func TestJudge(t *testing.T) {
	comp := &blueprint.Compliance{Findings: []blueprint.Finding{
		{Check: "3-2-1: three copies", OK: true, Detail: "3 copies"},
		{Check: "RTO ≈ 0 on host loss", ByDesign: true, Detail: "one host"},
	}}
	ok := blueprint.JobAudit{Job: "pv-pessac-delta", Kind: "XO delta backup", Status: blueprint.StatusOK, Detail: "last success 3h ago (RPO 24 h)"}
	ba := &blueprint.BackupAudit{Jobs: []blueprint.JobAudit{ok}, Limits: []string{"one XCP-ng host in the standard offer"}}
	r := Judge(comp, ba)
	assert.Equal(t, OK, r.Status, r.Details)
	assert.Equal(t, "1 backup job(s) succeeded within their RPO; 3-2-1 holds", r.Summary)
	assert.Contains(t, r.Details, "by design: one XCP-ng host in the standard offer")

	never := blueprint.JobAudit{Job: "pv-pessac-offsite", Kind: "TrueNAS off-site copy (s3)", Status: blueprint.StatusCritical, Detail: "never ran"}
	r = Judge(comp, &blueprint.BackupAudit{Jobs: []blueprint.JobAudit{ok, never}})
	assert.Equal(t, Critical, r.Status)
	assert.Equal(t, "pv-pessac-offsite: never ran", r.Summary)

	failed := ok
	failed.Status, failed.Detail = blueprint.StatusWarning, "last run failure; last success 20h ago (RPO 24 h)"
	assert.Equal(t, Warning, Judge(comp, &blueprint.BackupAudit{Jobs: []blueprint.JobAudit{failed}}).Status)

	broken := &blueprint.Compliance{Findings: []blueprint.Finding{{Check: "3-2-1: one off-site", OK: false, Detail: "off-site copy missing"}}}
	assert.Equal(t, Critical, Judge(broken, ba).Status)
}

// On the simulators: before any backup ran the audit is CRITICAL and says "never ran"; once
// every job ran it is OK, the tier limits reported by design.
func TestAuditOnSimulators(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	bp := standard(t)
	require.NoError(t, kit.Deploy(ctx, bp))

	var out bytes.Buffer
	assert.Equal(t, Critical, run(ctx, options{live: true}, kit.Getenv(), &out), out.String())
	assert.Contains(t, firstLine(out.String()), "never ran")

	require.NoError(t, runBackupsOnce(ctx, kit.Connections(), bp.Site().Marker()))
	r := Audit(ctx, bp, kit.Connections(), time.Time{})
	assert.Equal(t, OK, r.Status, "%s\n%s", r.Summary, strings.Join(r.Details, "\n"))
	assert.Contains(t, strings.Join(r.Details, "\n"), "by design: one XCP-ng host in the standard offer")
}

// A Basse site's tier limits do not make the audit fail.
func TestBasseTierLimitsAreByDesign(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	s := site()
	s.Simulated, s.Teleworkers = true, blueprint.Teleworkers{}
	bp, err := blueprint.Basse(s)
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))
	require.NoError(t, runBackupsOnce(ctx, kit.Connections(), bp.Site().Marker()))
	r := Audit(ctx, bp, kit.Connections(), time.Time{})
	assert.Equal(t, OK, r.Status, "%s\n%s", r.Summary, strings.Join(r.Details, "\n"))
	assert.Contains(t, strings.Join(r.Details, "\n"), "by design: no continuous replication in the basse offer")
}

// -live with no variable is UNKNOWN, every problem named on the first line.
func TestLiveWithoutVariablesIsUnknown(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, Unknown, run(context.Background(), options{live: true}, func(string) string { return "" }, &out))
	assert.True(t, strings.HasPrefix(out.String(), "BACKUP UNKNOWN - pv-pessac: not configured: "), out.String())
}
