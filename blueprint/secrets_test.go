package blueprint_test

import (
	"context"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint"
)

// TestMissingSecretsFailThePlan: every missing secret is reported at once by the plan,
// before anything is written (issue 13: an unset variable was found after 51 steps).
func TestMissingSecretsFailThePlan(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	site := e.site
	site.Credentials.OffsiteAccessKey = "env:SITEKIT_TEST_UNSET_ACCESS"
	site.Credentials.OffsiteSecretKey = "env:SITEKIT_TEST_UNSET_SECRET"
	site.Credentials.NetdataStreamKey = "file:/nonexistent/stream-key"
	bp, err := blueprint.Standard(site)
	require.NoError(t, err)
	e.sims.ResetCounters()
	_, err = bp.Plan(ctx, e.conns)
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"Credentials.OffsiteAccessKey", "Credentials.OffsiteSecretKey", "Credentials.NetdataStreamKey"}, ve.Fields())
	assert.ErrorContains(t, err, "SITEKIT_TEST_UNSET_ACCESS is not set")
	assert.ErrorContains(t, err, "/nonexistent/stream-key")
	for _, inj := range e.sims.Injectors() {
		assert.Zero(t, inj.TotalCalls(), "nothing read or written before the secrets resolve")
	}

	// A destroy needs no secret.
	_, err = bp.PlanDestroy(ctx, e.conns)
	require.NoError(t, err)
}

// TestPluggedSecretResolver: a scheme plugged in (a vault) and file: both resolve, and the
// values reach the appliances.
func TestPluggedSecretResolver(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, blueprinttest.Faults{})
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stream-key"), []byte("11111111-2222-4333-8444-555555555555\n"), 0o600))
	vault := map[string]string{"pessac/access": "AKIAVAULT", "pessac/secret": "from-the-vault"}
	var asked []string
	secrets := blueprint.DefaultSecrets()
	secrets["file"] = blueprint.FileSecrets{Dir: dir}
	secrets["vault"] = blueprint.SecretResolverFunc(func(_ context.Context, ref blueprint.SecretRef) (sitekit.Secret, error) {
		key := string(ref)[len("vault:"):]
		asked = append(asked, key)
		return sitekit.NewSecret(vault[key]), nil
	})
	site := e.site
	site.Credentials.OffsiteAccessKey = "vault:pessac/access"
	site.Credentials.OffsiteSecretKey = "vault:pessac/secret"
	site.Credentials.NetdataStreamKey = "file:stream-key"
	bp, err := blueprint.Standard(site)
	require.NoError(t, err)
	conns := e.conns
	conns.Secrets = secrets
	p, err := bp.Plan(ctx, conns)
	require.NoError(t, err)
	assert.Equal(t, []string{"pessac/access", "pessac/secret"}, asked, "resolved once each, when planning")
	_, err = p.Apply(ctx, fast()...)
	require.NoError(t, err)
	creds, err := conns.TrueNAS.CloudCredentials.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	assert.Equal(t, "AKIAVAULT", creds[0].Provider.AccessKeyID)
}

// TestSecretRefSyntax: a reference without a scheme is the secret itself, refused.
func TestSecretRefSyntax(t *testing.T) {
	t.Setenv("SITEKIT_TEST_SET", "v")
	v, err := blueprint.SecretRef("env:SITEKIT_TEST_SET").Resolve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v", v.Reveal())
	_, err = blueprint.SecretRef("hunter2").Resolve(context.Background())
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	_, err = blueprint.SecretRef("file:relative").Resolve(context.Background())
	require.ErrorContains(t, err, "CREDENTIALS_DIRECTORY")
}
