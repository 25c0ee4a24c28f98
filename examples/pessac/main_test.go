package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

func testEnv(getenv func(string) string, stdin string) (env, *bytes.Buffer) {
	var out bytes.Buffer
	return env{getenv: getenv, stdin: strings.NewReader(stdin), stdout: &out, stderr: &bytes.Buffer{}}, &out
}

// The default run deploys the site on simulators and converges.
func TestRunOnSimulatorsConverges(t *testing.T) {
	e, out := testEnv(func(string) string { return "" }, "")
	require.NoError(t, run(context.Background(), options{}, e))
	assert.Contains(t, out.String(), "Re-plan: ")
	assert.Contains(t, out.String(), "# Site pv-pessac")
}

// -live with no variables names every missing one and sends nothing.
func TestLiveWithoutEnvironmentNamesTheVariables(t *testing.T) {
	e, _ := testEnv(func(string) string { return "" }, "")
	err := run(context.Background(), options{live: true}, e)
	require.Error(t, err)
	for _, v := range []string{"SITEKIT_FORTIGATE_URL", "SITEKIT_XO_URL", "SITEKIT_EMS_URL", "SITEKIT_TRUENAS_URL", "SITEKIT_NETDATA_URL"} {
		assert.Contains(t, err.Error(), v)
	}
	// Leaving appliances out is explicit.
	err = run(context.Background(), options{live: true, skip: []string{"fortigate", "xo", "ems", "truenas"}}, e)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SITEKIT_XO_URL")
	assert.Contains(t, err.Error(), "SITEKIT_NETDATA_URL")
}

// -destroy asks for the site name: a wrong answer deletes nothing, the right one destroys;
// -yes does not ask.
func TestDestroyAsksForTheSiteName(t *testing.T) {
	ctx := context.Background()
	kit := blueprinttest.Start(t)
	e, _ := testEnv(kit.Getenv(), "")
	require.NoError(t, run(ctx, options{live: true}, e))
	before := len(kit.FortiGate.Objects("firewall/policy"))
	require.Positive(t, before)

	e, _ = testEnv(kit.Getenv(), "pv-pesac\n")
	err := run(ctx, options{live: true, destroy: true}, e)
	require.ErrorIs(t, err, errNotConfirmed)
	assert.Len(t, kit.FortiGate.Objects("firewall/policy"), before, "nothing deleted")

	e, _ = testEnv(kit.Getenv(), "") // no answer at all
	require.ErrorIs(t, run(ctx, options{live: true, destroy: true}, e), errNotConfirmed)

	e, _ = testEnv(kit.Getenv(), "pv-pessac\n")
	require.NoError(t, run(ctx, options{live: true, destroy: true}, e))
	assert.Less(t, len(kit.FortiGate.Objects("firewall/policy")), before)

	e, _ = testEnv(kit.Getenv(), "")
	require.NoError(t, run(ctx, options{live: true, destroy: true, yes: true}, e))
}
