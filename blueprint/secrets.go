package blueprint

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
)

// SecretResolver returns the secret a reference names. Plug a vault or a password
// manager in by implementing it and adding it to [SecretSchemes] under its scheme.
type SecretResolver interface {
	// ResolveSecret returns the secret ref names. A missing secret is an error saying
	// where it was looked for, never a zero Secret.
	ResolveSecret(ctx context.Context, ref SecretRef) (sitekit.Secret, error)
}

// SecretResolverFunc adapts a function to [SecretResolver].
type SecretResolverFunc func(ctx context.Context, ref SecretRef) (sitekit.Secret, error)

// ResolveSecret calls f.
func (f SecretResolverFunc) ResolveSecret(ctx context.Context, ref SecretRef) (sitekit.Secret, error) {
	return f(ctx, ref)
}

// SecretSchemes dispatches a reference "<scheme>:<name>" to the resolver of its scheme.
// [DefaultSecrets] has "env" and "file"; add others (a vault) to a copy:
//
//	s := blueprint.DefaultSecrets()
//	s["vault"] = myVault // resolves "vault:kv/pessac#stream-key"
//	conns.Secrets = s
type SecretSchemes map[string]SecretResolver

// ResolveSecret implements SecretResolver.
func (s SecretSchemes) ResolveSecret(ctx context.Context, ref SecretRef) (sitekit.Secret, error) {
	scheme, _, err := ref.parse()
	if err != nil {
		return sitekit.Secret{}, err
	}
	r, ok := s[scheme]
	if !ok || r == nil {
		return sitekit.Secret{}, fmt.Errorf("no resolver for scheme %q (known: %s)", scheme, strings.Join(s.schemes(), ", "))
	}
	return r.ResolveSecret(ctx, ref)
}

func (s SecretSchemes) schemes() []string {
	return slices.Sorted(maps.Keys(s))
}

// DefaultSecrets returns the built-in resolvers: "env:NAME" reads the environment
// variable NAME ([EnvSecrets]); "file:PATH" reads a file ([FileSecrets]).
func DefaultSecrets() SecretSchemes {
	return SecretSchemes{"env": EnvSecrets{}, "file": FileSecrets{}}
}

// EnvSecrets resolves "env:NAME" from the process environment; an unset or empty
// variable is an error naming it.
type EnvSecrets struct{}

// ResolveSecret implements SecretResolver.
func (EnvSecrets) ResolveSecret(_ context.Context, ref SecretRef) (sitekit.Secret, error) {
	_, name, err := ref.parse()
	if err != nil {
		return sitekit.Secret{}, err
	}
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return sitekit.Secret{}, fmt.Errorf("environment variable %s is not set", name)
	}
	return sitekit.NewSecret(v), nil
}

// FileSecrets resolves "file:PATH": an absolute path is read as is; a relative one is
// looked up in Dir, or when Dir is empty in $CREDENTIALS_DIRECTORY (the directory where
// systemd puts a service's LoadCredential= files). Container secrets mounted under
// /run/secrets are read with an absolute path. One trailing newline is removed; an empty
// file is an error.
type FileSecrets struct {
	Dir string
}

// ResolveSecret implements SecretResolver.
func (f FileSecrets) ResolveSecret(_ context.Context, ref SecretRef) (sitekit.Secret, error) {
	_, path, err := ref.parse()
	if err != nil {
		return sitekit.Secret{}, err
	}
	if !filepath.IsAbs(path) {
		dir := f.Dir
		if dir == "" {
			dir = os.Getenv("CREDENTIALS_DIRECTORY")
		}
		if dir == "" {
			return sitekit.Secret{}, fmt.Errorf("%s is a relative path and neither FileSecrets.Dir nor $CREDENTIALS_DIRECTORY is set", path)
		}
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return sitekit.Secret{}, fmt.Errorf("cannot read %s: %v", path, pe.Err)
		}
		return sitekit.Secret{}, err
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return sitekit.Secret{}, fmt.Errorf("%s is empty", path)
	}
	return sitekit.NewSecret(v), nil
}

var secretRefRE = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):(.+)$`)

// parse splits the reference into scheme and name.
func (r SecretRef) parse() (scheme, name string, err error) {
	m := secretRefRE.FindStringSubmatch(string(r))
	if m == nil {
		return "", "", sitekit.Invalid("SecretRef", string(r), `must be a reference "<scheme>:<name>" such as "env:NAME" or "file:/run/secrets/name", never the secret itself`)
	}
	return m[1], m[2], nil
}

// secretUse is one reference the blueprint needs, with the site field naming it.
type secretUse struct {
	field string
	ref   SecretRef
}

// neededSecrets lists the references the plan's resources will use with these
// connections: the S3 keys when TrueNAS pushes to S3, the Netdata stream key when XO
// creates Linux VMs.
func (b *build) neededSecrets() []secretUse {
	s := b.site
	var out []secretUse
	if b.has(appTrueNAS) && s.Offsite.Kind == OffsiteS3 {
		out = append(out, secretUse{"Credentials.OffsiteAccessKey", s.Credentials.OffsiteAccessKey},
			secretUse{"Credentials.OffsiteSecretKey", s.Credentials.OffsiteSecretKey})
	}
	if b.has(appXO) && s.Credentials.NetdataStreamKey != "" {
		out = append(out, secretUse{"Credentials.NetdataStreamKey", s.Credentials.NetdataStreamKey})
	}
	return out
}

// resolveSecrets resolves every reference the plan needs, before anything is read or
// written, and reports every missing one at once (a *ValidationError, one
// *sitekit.FieldError per reference).
func (b *build) resolveSecrets(ctx context.Context, r SecretResolver) error {
	if r == nil {
		r = DefaultSecrets()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.secrets = map[SecretRef]sitekit.Secret{}
	var p problems
	for _, u := range b.neededSecrets() {
		if _, done := b.secrets[u.ref]; done {
			continue
		}
		v, err := r.ResolveSecret(ctx, u.ref)
		if err != nil {
			p.add(u.field, string(u.ref), "%v", err)
			continue
		}
		b.secrets[u.ref] = v
	}
	if len(p.list) > 0 {
		return &ValidationError{Problems: p.list}
	}
	return nil
}

// secret returns the value of ref resolved at plan time. A graph built without a plan
// ([Blueprint.Graph], on a distributed executor's worker) resolves it now.
func (b *build) secret(ctx context.Context, ref SecretRef) (sitekit.Secret, error) {
	b.mu.Lock()
	v, ok := b.secrets[ref]
	b.mu.Unlock()
	if ok {
		return v, nil
	}
	r := b.conns.Secrets
	if r == nil {
		r = DefaultSecrets()
	}
	v, err := r.ResolveSecret(ctx, ref)
	if err != nil {
		return sitekit.Secret{}, fmt.Errorf("secret %s: %w", ref, err)
	}
	return v, nil
}
