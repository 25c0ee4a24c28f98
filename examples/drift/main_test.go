package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"github.com/sitekit/sitekit/fortigate"
)

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// -live with no SITEKIT_* variable: UNKNOWN (3), saying what is missing, on the first line.
func TestLiveWithoutVariablesIsUnknown(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), options{live: true}, func(string) string { return "" }, &out)
	assert.Equal(t, Unknown, code)
	line := firstLine(out.String())
	assert.True(t, strings.HasPrefix(line, "DRIFT UNKNOWN - pv-pessac: not configured: "), line)
	assert.Contains(t, line, "SITEKIT_FORTIGATE_URL is not set")
}

// A converged site is OK (0); a hand-added guests → servers policy is CRITICAL (2).
func TestDriftExitCodes(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	s := site()
	s.Simulated = true
	bp, err := blueprint.Standard(s)
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))

	var out bytes.Buffer
	assert.Equal(t, OK, run(ctx, options{live: true}, kit.Getenv(), &out), out.String())
	assert.Equal(t, "DRIFT OK - pv-pessac: the appliances match the blueprint", firstLine(out.String()))

	_, err = kit.Connections().FortiGate.Policies.Create(ctx, fortigate.Policy{
		Name: "quick-fix", SrcIntf: fortigate.Refs("invites"), DstIntf: fortigate.Refs("servers"),
		SrcAddr: fortigate.Refs("all"), DstAddr: fortigate.Refs("all"), Service: fortigate.Refs("ALL"),
		Action: "accept", Schedule: "always",
	})
	require.NoError(t, err)
	out.Reset()
	assert.Equal(t, Critical, run(ctx, options{live: true}, kit.Getenv(), &out), out.String())
	assert.Equal(t, `DRIFT CRITICAL - pv-pessac: policy "quick-fix" opens invites→servers ALL→all`, firstLine(out.String()))
}

// An unmanaged address inside a VLAN is a WARNING (1), named.
func TestUnmanagedAddressIsAWarning(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	s := site()
	s.Simulated = true
	bp, err := blueprint.Standard(s)
	require.NoError(t, err)
	require.NoError(t, kit.Deploy(ctx, bp))
	_, err = kit.Connections().FortiGate.Addresses.Create(ctx, fortigate.Address{Name: "printer", Subnet: fortigate.MustIPMask("10.10.20.50/32")})
	require.NoError(t, err)
	var out bytes.Buffer
	assert.Equal(t, Warning, run(ctx, options{live: true}, kit.Getenv(), &out), out.String())
	assert.Equal(t, "DRIFT WARNING - pv-pessac: 1 unmanaged object(s) touch the site", firstLine(out.String()))
	assert.Contains(t, out.String(), `unmanaged: fortigate address "printer" (servers)`)
}

// The run on simulators reports the colleague's policy.
func TestRunOnSimulators(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, Critical, run(context.Background(), options{}, nil, &out), out.String())
}
