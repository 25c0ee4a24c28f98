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

// Judge: a tier limit "by design" is not a failure; a job that never ran or whose last
// success is older than two intervals is CRITICAL; a failed last run after a recent
// success is a WARNING.
func TestJudge(t *testing.T) {
	bp := standard(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(JobFacts) time.Time { return now }
	comp := &blueprint.Compliance{Findings: []blueprint.Finding{
		{Check: "3-2-1: three copies", OK: true, Detail: "3 copies"},
		{Check: "RTO ≈ 0 on host loss", ByDesign: true, Detail: "one host"},
	}}
	fresh := func(kind, name string, interval, ago time.Duration) JobFacts {
		return JobFacts{Kind: kind, Name: name, Interval: interval, LastRun: now.Add(-ago), LastSuccess: now.Add(-ago), LastStatus: "success"}
	}
	ok := []JobFacts{fresh(kindDelta, "delta", 24*time.Hour, 3*time.Hour), fresh(kindOffsite, "s3", 24*time.Hour, time.Hour)}
	conns := blueprint.Connections{}

	r := Judge(comp, bp, ok, conns, at)
	assert.Equal(t, OK, r.Status, r.Details)
	assert.Contains(t, r.Details, "by design (the standard offer): RTO ≈ 0 on host loss: one host")

	never := append(ok[:1:1], JobFacts{Kind: kindOffsite, Name: "s3"})
	r = Judge(comp, bp, never, conns, at)
	assert.Equal(t, Critical, r.Status)
	assert.Equal(t, `TrueNAS off-site "s3" never ran`, r.Summary)

	old := []JobFacts{fresh(kindDelta, "delta", 24*time.Hour, 49*time.Hour)}
	r = Judge(comp, bp, old, conns, at)
	assert.Equal(t, Critical, r.Status)
	assert.Equal(t, `XO delta backup "delta": last success 2d1h ago`, r.Summary)

	failed := fresh(kindDelta, "delta", 24*time.Hour, 20*time.Hour)
	failed.LastRun, failed.LastStatus = now.Add(-time.Hour), "failure"
	r = Judge(comp, bp, []JobFacts{failed}, conns, at)
	assert.Equal(t, Warning, r.Status)

	broken := &blueprint.Compliance{Findings: []blueprint.Finding{{Check: "3-2-1: one off-site", OK: false, Detail: "off-site copy missing"}}}
	assert.Equal(t, Critical, Judge(broken, bp, ok, conns, at).Status)
}

// On the simulators: before any backup ran the audit is CRITICAL and names the jobs; once
// every job ran it is OK, the tier limit reported by design.
func TestAuditOnSimulators(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	bp := standard(t)
	require.NoError(t, kit.Deploy(ctx, bp))

	var out bytes.Buffer
	assert.Equal(t, Critical, run(ctx, options{live: true}, kit.Getenv(), &out), out.String())
	assert.Contains(t, firstLine(out.String()), `never ran`)

	require.NoError(t, runBackupsOnce(ctx, kit.Connections(), bp.Site().Marker()))
	r := Audit(ctx, bp, kit.Connections(), time.Time{})
	assert.Equal(t, OK, r.Status, r.Details)
	assert.Contains(t, strings.Join(r.Details, "\n"), "by design (the standard offer): RTO ≈ 0 on host loss")
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
	assert.Contains(t, strings.Join(r.Details, "\n"), "by design (the basse offer)")
}

// -live with no variable is UNKNOWN.
func TestLiveWithoutVariablesIsUnknown(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, Unknown, run(context.Background(), options{live: true}, func(string) string { return "" }, &out))
	assert.True(t, strings.HasPrefix(out.String(), "BACKUP UNKNOWN - pv-pessac: not configured: "), out.String())
}
