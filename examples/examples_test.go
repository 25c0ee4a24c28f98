package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commands are the example programs.
var commands = []string{"pessac", "drift", "backup-audit", "inventory", "simulators"}

// No example imports a package under sitekit/internal (the public packages it imports may
// use them: Go allows that across modules).
func TestExamplesImportPublicPackagesOnly(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is on PATH")
	for _, c := range commands {
		out, err := exec.Command(goTool, "list", "-f", `{{join .Imports "\n"}}`, "./"+c).CombinedOutput()
		require.NoError(t, err, "%s", out)
		imports := strings.Fields(string(out))
		assert.Contains(t, imports, "github.com/sitekit/sitekit/blueprint/blueprinttest", c, "the list is read")
		for _, imp := range imports {
			assert.NotContains(t, imp, "sitekit/internal/", "%s imports %s", c, imp)
		}
	}
}

// Each example's files, copied into a module of their own that requires sitekit, build: Go
// refuses an internal package imported from another module, so this is what a user who
// copies an example gets.
func TestExamplesBuildInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every example in a fresh module")
	}
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is on PATH")
	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/msp\n\ngo 1.26.0\n\nrequire github.com/sitekit/sitekit v0.0.0\n\nreplace github.com/sitekit/sitekit => " + repo + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	for _, c := range commands {
		files, err := filepath.Glob(filepath.Join(c, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, c)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, c), 0o755))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, c, filepath.Base(f)), b, 0o644))
		}
	}
	cmd := exec.Command(goTool, "build", "-o", os.DevNull, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "go build of the copied examples:\n%s", out)
}
