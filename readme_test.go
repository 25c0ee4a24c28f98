package sitekit_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tourFromExample returns the lines of Example_tour between its "README tour" markers, one
// tab of indentation removed, without the error checks (the README leaves them out).
func tourFromExample(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("example_tour_test.go")
	require.NoError(t, err)
	_, body, ok := strings.Cut(string(src), "// README tour begins.\n")
	require.True(t, ok)
	body, _, ok = strings.Cut(body, "\t// README tour ends.")
	require.True(t, ok)
	var out []string
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "if err != nil {" {
			i += 2 // log.Fatal(err) and the closing brace
			continue
		}
		out = append(out, strings.TrimPrefix(lines[i], "\t"))
	}
	return out
}

// readmeBlock returns the lines of the first ```go block after heading in README.md.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	md, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(md), "\n"+heading+"\n")
	require.True(t, ok, "README has %q", heading)
	_, rest, ok = strings.Cut(rest, "```go\n")
	require.True(t, ok)
	block, _, ok := strings.Cut(rest, "```\n")
	require.True(t, ok)
	return strings.Split(strings.TrimRight(block, "\n"), "\n")
}

// The README's tour is Example_tour, run against the simulators, minus its error checks.
func TestREADMETourIsTheExample(t *testing.T) {
	assert.Equal(t, tourFromExample(t), readmeBlock(t, "## A 60-second tour"))
}

// The README lists every variable a live run of the examples reads.
func TestREADMEListsTheLiveVariables(t *testing.T) {
	md, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, v := range []string{
		"SITEKIT_FORTIGATE_URL", "SITEKIT_FORTIGATE_TOKEN", "SITEKIT_FORTIGATE_SHA256",
		"SITEKIT_XO_URL", "SITEKIT_XO_TOKEN", "SITEKIT_XO_SHA256",
		"SITEKIT_EMS_URL", "SITEKIT_EMS_USER", "SITEKIT_EMS_PASSWORD", "SITEKIT_EMS_SHA256",
		"SITEKIT_TRUENAS_URL", "SITEKIT_TRUENAS_API_KEY", "SITEKIT_TRUENAS_SHA256",
		"SITEKIT_NETDATA_URL", "SITEKIT_NETDATA_TOKEN", "SITEKIT_NETDATA_SHA256",
		"SITEKIT_OFFSITE_ACCESS_KEY", "SITEKIT_OFFSITE_SECRET_KEY", "SITEKIT_NETDATA_STREAM_KEY", "SITEKIT_SIMULATED",
	} {
		assert.True(t, strings.Contains(string(md), "`"+v+"`"), "README lists %s", v)
	}
}
