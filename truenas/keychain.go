package truenas

import (
	"context"
	"encoding/json"
	"iter"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// Keychain credential types.
const (
	KeychainSSHKeyPair     = "SSH_KEY_PAIR"
	KeychainSSHCredentials = "SSH_CREDENTIALS"
)

// KeychainAttributes are a keychain credential's attributes. Private keys are never kept:
// PrivateKeyID is the key pair referenced by SSH credentials.
type KeychainAttributes struct {
	Host           string
	Port           int
	Username       string
	PrivateKeyID   int64
	RemoteHostKey  string
	ConnectTimeout int
	PublicKey      string
}

// UnmarshalJSON decodes both credential types, dropping private key material.
func (a *KeychainAttributes) UnmarshalJSON(b []byte) error {
	var w struct {
		Host           string          `json:"host"`
		Port           lenient.Int     `json:"port"`
		Username       string          `json:"username"`
		PrivateKey     json.RawMessage `json:"private_key"`
		RemoteHostKey  string          `json:"remote_host_key"`
		ConnectTimeout lenient.Int     `json:"connect_timeout"`
		PublicKey      string          `json:"public_key"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = KeychainAttributes{Host: w.Host, Port: int(w.Port), Username: w.Username, RemoteHostKey: w.RemoteHostKey,
		ConnectTimeout: int(w.ConnectTimeout), PublicKey: w.PublicKey}
	if len(w.PrivateKey) > 0 && w.PrivateKey[0] != '"' {
		a.PrivateKeyID = idOf(w.PrivateKey)
	}
	return nil
}

// KeychainCredential is a keychaincredential.query entry.
type KeychainCredential struct {
	ID         int64              `json:"id"`
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Attributes KeychainAttributes `json:"attributes"`
}

// SSHKeyPair is a generated key pair. The private key is a Secret.
type SSHKeyPair struct {
	PrivateKey sitekit.Secret
	PublicKey  string
}

// SSHConnectionRequest creates SSH credentials (a connection to a remote host) for
// replication, referencing a stored key pair.
type SSHConnectionRequest struct {
	Name           string
	Host           string
	Port           int // default 22
	Username       string
	PrivateKeyID   int64
	RemoteHostKey  string
	ConnectTimeout int // default 10
}

// Validate checks the request before any I/O.
func (r SSHConnectionRequest) Validate() error {
	switch {
	case r.Name == "":
		return sitekit.Invalid("Name", r.Name, "must not be empty")
	case r.Host == "":
		return sitekit.Invalid("Host", r.Host, "must not be empty")
	case r.Port < 0 || r.Port > 65535:
		return sitekit.Invalid("Port", r.Port, "must be 1-65535")
	case r.Username == "":
		return sitekit.Invalid("Username", r.Username, "must not be empty")
	case r.PrivateKeyID <= 0:
		return sitekit.Invalid("PrivateKeyID", r.PrivateKeyID, "must reference an SSH_KEY_PAIR credential")
	case r.RemoteHostKey == "":
		return sitekit.Invalid("RemoteHostKey", r.RemoteHostKey, "must not be empty (see RemoteHostKeyScan)")
	case r.ConnectTimeout < 0:
		return sitekit.Invalid("ConnectTimeout", r.ConnectTimeout, "must not be negative")
	}
	return nil
}

// KeychainCredentialsService manages keychain credentials. Identity: the credential name.
type KeychainCredentialsService struct{ c *Client }

// List returns the credentials selected by opts (nil: all of them).
func (s *KeychainCredentialsService) List(ctx context.Context, opts *ListOptions) ([]KeychainCredential, error) {
	return query[KeychainCredential](ctx, s.c, "keychaincredential.query", opts)
}

// All iterates over the credentials selected by opts, 100 per call; an error ends the sequence.
func (s *KeychainCredentialsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[KeychainCredential, error] {
	return pages[KeychainCredential](ctx, s.c, "keychaincredential.query", opts, 100)
}

// Get returns the credential with id; an error matching sitekit.ErrNotFound if none.
func (s *KeychainCredentialsService) Get(ctx context.Context, id int64) (KeychainCredential, error) {
	return getOne[KeychainCredential](ctx, s.c, "keychaincredential.query", Eq("id", id))
}

// Find returns the credential whose name is name; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *KeychainCredentialsService) Find(ctx context.Context, name string) (KeychainCredential, error) {
	if name == "" {
		return KeychainCredential{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne[KeychainCredential](ctx, s.c, "keychaincredential.query", "name", name)
}

// GenerateKeyPair asks the appliance for a new SSH key pair (not stored).
func (s *KeychainCredentialsService) GenerateKeyPair(ctx context.Context) (SSHKeyPair, error) {
	var w struct {
		PrivateKey string `json:"private_key"`
		PublicKey  string `json:"public_key"`
	}
	if err := s.c.call(ctx, "keychaincredential.generate_ssh_key_pair", []any{}, &w, false); err != nil {
		return SSHKeyPair{}, err
	}
	return SSHKeyPair{PrivateKey: sitekit.NewSecret(w.PrivateKey), PublicKey: w.PublicKey}, nil
}

// CreateKeyPair stores a key pair under name.
func (s *KeychainCredentialsService) CreateKeyPair(ctx context.Context, name string, kp SSHKeyPair) (KeychainCredential, error) {
	if name == "" {
		return KeychainCredential{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	if kp.PrivateKey.IsZero() {
		return KeychainCredential{}, sitekit.Invalid("PrivateKey", "", "must not be empty")
	}
	attrs := map[string]any{"private_key": kp.PrivateKey.Reveal()}
	if kp.PublicKey != "" {
		attrs["public_key"] = kp.PublicKey
	}
	return callT[KeychainCredential](ctx, s.c, "keychaincredential.create", true,
		map[string]any{"name": name, "type": KeychainSSHKeyPair, "attributes": attrs})
}

// RemoteHostKeyScan returns the SSH host key of host:port as seen by the appliance.
func (s *KeychainCredentialsService) RemoteHostKeyScan(ctx context.Context, host string, port int) (string, error) {
	if host == "" {
		return "", sitekit.Invalid("Host", host, "must not be empty")
	}
	if port == 0 {
		port = 22
	}
	return callT[string](ctx, s.c, "keychaincredential.remote_ssh_host_key_scan", false,
		map[string]any{"host": host, "port": port, "connect_timeout": 10})
}

// CreateSSHConnection stores SSH credentials for replication.
func (s *KeychainCredentialsService) CreateSSHConnection(ctx context.Context, req SSHConnectionRequest) (KeychainCredential, error) {
	if err := req.Validate(); err != nil {
		return KeychainCredential{}, err
	}
	if req.Port == 0 {
		req.Port = 22
	}
	if req.ConnectTimeout == 0 {
		req.ConnectTimeout = 10
	}
	return callT[KeychainCredential](ctx, s.c, "keychaincredential.create", true, map[string]any{
		"name": req.Name, "type": KeychainSSHCredentials,
		"attributes": map[string]any{"host": req.Host, "port": req.Port, "username": req.Username,
			"private_key": req.PrivateKeyID, "remote_host_key": req.RemoteHostKey, "connect_timeout": req.ConnectTimeout},
	})
}

// KeychainCredentialDeleteOptions are the options of keychaincredential.delete.
type KeychainCredentialDeleteOptions struct {
	// Cascade deletes a credential that is in use: replication tasks using the SSH
	// connection are disabled and lose it, SSH connections using the key pair are deleted.
	// Without it, deleting a credential in use is refused with a validation error.
	Cascade bool `json:"cascade"`
}

// Delete deletes a credential (opts nil: no cascade). Deleting a credential in use without
// Cascade is an error matching sitekit.ErrInvalid.
func (s *KeychainCredentialsService) Delete(ctx context.Context, id int64, opts *KeychainCredentialDeleteOptions) error {
	if opts == nil {
		opts = &KeychainCredentialDeleteOptions{}
	}
	return s.c.call(ctx, "keychaincredential.delete", []any{id, *opts}, nil, true)
}

// UsedBy returns what uses a credential (keychaincredential.used_by): each entry's title
// names a replication task or SSH connection.
func (s *KeychainCredentialsService) UsedBy(ctx context.Context, id int64) ([]KeychainUsage, error) {
	return callT[[]KeychainUsage](ctx, s.c, "keychaincredential.used_by", false, id)
}

// KeychainUsage is one entry of keychaincredential.used_by.
type KeychainUsage struct {
	// Title names the user: "Replication task offsite", "SSH credentials offsite-ssh".
	Title string `json:"title"`
	// UnbindMethod is what a cascade delete does to it: "disable" or "delete".
	UnbindMethod string `json:"unbind_method"`
}
