package xotest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/xo"
)

// TestXOLibContract runs XO's own client, xo-lib, against the simulator: the script
// .ci/xolib-contract.js covers sign-in, session.getUser, system.getMethodsInfo,
// xo.getAllObjects, remotes, the backup job lifecycle (create, edit, run, logs, delete) and
// schedules, and exits non-zero on any deviation. .ci/xolib.sh installs Node and a pinned
// xo-lib and sets SITEKIT_XOLIB_DIR (the directory holding node_modules/xo-lib); without it
// the test is skipped. xo-lib cannot skip TLS verification, so the simulator serves plain
// HTTP on loopback.
func TestXOLibContract(t *testing.T) {
	dir := os.Getenv("SITEKIT_XOLIB_DIR")
	if dir == "" {
		t.Skip("SITEKIT_XOLIB_DIR not set (run .ci/xolib.sh)")
	}
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	script, err := filepath.Abs("../../.ci/xolib-contract.js")
	require.NoError(t, err)

	srv := NewTestServer(t, WithPlainHTTP())
	c, err := srv.Client()
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vm, err := c.VMs.Create(ctx, xo.VMCreateRequest{Pool: srv.PoolID, Template: srv.DebianTemplateID, NameLabel: "contract", CPUs: 1, Memory: 1 << 30})
	require.NoError(t, err)

	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"),
		"XO_URL="+srv.URL(), "XO_USER="+srv.Username(), "XO_PASSWORD="+srv.Password(), "XO_VM="+vm.ID)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "xo-lib contract")
}
