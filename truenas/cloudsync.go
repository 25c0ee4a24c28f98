package truenas

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"

	"github.com/sitekit/sitekit"
)

// CloudProvider is the provider object of cloud sync credentials (25.04+ shape). Only S3
// (any S3-compatible endpoint, e.g. Backblaze B2's) and B2 fields are typed; secrets are
// Secrets and are never decoded back from the appliance.
type CloudProvider struct {
	Type            string // S3, B2, …
	AccessKeyID     string
	SecretAccessKey sitekit.Secret
	Endpoint        string
	Region          string
	SkipRegion      bool
	SignaturesV2    bool
	Account         string         // B2 key id
	Key             sitekit.Secret // B2 application key
}

// UnmarshalJSON keeps the non-secret fields.
func (p *CloudProvider) UnmarshalJSON(b []byte) error {
	var w struct {
		Type         string `json:"type"`
		AccessKeyID  string `json:"access_key_id"`
		Endpoint     string `json:"endpoint"`
		Region       string `json:"region"`
		SkipRegion   bool   `json:"skip_region"`
		SignaturesV2 bool   `json:"signatures_v2"`
		Account      string `json:"account"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = CloudProvider{Type: w.Type, AccessKeyID: w.AccessKeyID, Endpoint: w.Endpoint, Region: w.Region,
		SkipRegion: w.SkipRegion, SignaturesV2: w.SignaturesV2, Account: w.Account}
	return nil
}

func (p CloudProvider) validate(prefix string) error {
	switch p.Type {
	case "S3":
		if p.AccessKeyID == "" {
			return sitekit.Invalid(prefix+".AccessKeyID", "", "must not be empty")
		}
		if p.SecretAccessKey.IsZero() {
			return sitekit.Invalid(prefix+".SecretAccessKey", "", "must not be empty")
		}
		if p.Endpoint != "" {
			if u, err := url.Parse(p.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				return sitekit.Invalid(prefix+".Endpoint", p.Endpoint, "must be an absolute http(s) URL")
			}
		}
	case "B2":
		if p.Account == "" {
			return sitekit.Invalid(prefix+".Account", "", "must not be empty")
		}
		if p.Key.IsZero() {
			return sitekit.Invalid(prefix+".Key", "", "must not be empty")
		}
	case "":
		return sitekit.Invalid(prefix+".Type", "", "must not be empty (S3, B2, …)")
	default:
		return sitekit.Invalid(prefix+".Type", p.Type, "only S3 and B2 are supported by this client")
	}
	return nil
}

func (p CloudProvider) wire() map[string]any {
	if p.Type == "B2" {
		return map[string]any{"type": "B2", "account": p.Account, "key": p.Key.Reveal()}
	}
	return map[string]any{"type": "S3", "access_key_id": p.AccessKeyID, "secret_access_key": p.SecretAccessKey.Reveal(),
		"endpoint": p.Endpoint, "region": p.Region, "skip_region": p.SkipRegion, "signatures_v2": p.SignaturesV2, "max_upload_parts": 10000}
}

// CloudCredential is a cloudsync.credentials.query entry (without secrets).
type CloudCredential struct {
	ID       int64         `json:"id"`
	Name     string        `json:"name"`
	Provider CloudProvider `json:"provider"`
}

// CloudCredentialsService manages cloud credentials. Identity: the credential name.
type CloudCredentialsService struct{ c *Client }

// List returns the credentials selected by opts (nil: all of them).
func (s *CloudCredentialsService) List(ctx context.Context, opts *ListOptions) ([]CloudCredential, error) {
	return query[CloudCredential](ctx, s.c, "cloudsync.credentials.query", opts)
}

// All iterates over the credentials selected by opts, 100 per call; an error ends the sequence.
func (s *CloudCredentialsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[CloudCredential, error] {
	return pages[CloudCredential](ctx, s.c, "cloudsync.credentials.query", opts, 100)
}

// Get returns the credential with id; an error matching sitekit.ErrNotFound if none.
func (s *CloudCredentialsService) Get(ctx context.Context, id int64) (CloudCredential, error) {
	return getOne[CloudCredential](ctx, s.c, "cloudsync.credentials.query", Eq("id", id))
}

// Find returns the credential whose name is name; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *CloudCredentialsService) Find(ctx context.Context, name string) (CloudCredential, error) {
	if name == "" {
		return CloudCredential{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne[CloudCredential](ctx, s.c, "cloudsync.credentials.query", "name", name)
}

// CloudCredentialRequest creates (Name required) or updates cloud credentials. The
// provider, secrets included, is always sent whole: the API never returns secrets to merge.
type CloudCredentialRequest struct {
	Name     string
	Provider CloudProvider
}

// Validate checks a create request before any I/O.
func (r CloudCredentialRequest) Validate() error {
	if r.Name == "" {
		return sitekit.Invalid("Name", r.Name, "must not be empty")
	}
	return r.Provider.validate("Provider")
}

// Create stores a credential.
func (s *CloudCredentialsService) Create(ctx context.Context, req CloudCredentialRequest) (CloudCredential, error) {
	if err := req.Validate(); err != nil {
		return CloudCredential{}, err
	}
	return callT[CloudCredential](ctx, s.c, "cloudsync.credentials.create", true, map[string]any{"name": req.Name, "provider": req.Provider.wire()})
}

// Update replaces a credential's provider (and its name when req.Name is not empty).
func (s *CloudCredentialsService) Update(ctx context.Context, id int64, req CloudCredentialRequest) (CloudCredential, error) {
	if err := req.Provider.validate("Provider"); err != nil {
		return CloudCredential{}, err
	}
	body := map[string]any{"provider": req.Provider.wire()}
	if req.Name != "" {
		body["name"] = req.Name
	}
	return callT[CloudCredential](ctx, s.c, "cloudsync.credentials.update", true, id, body)
}

// Delete deletes a credential.
func (s *CloudCredentialsService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "cloudsync.credentials.delete", []any{id}, nil, true)
}

// VerifyResult is the answer of cloudsync.credentials.verify.
type VerifyResult struct {
	Valid   bool   `json:"valid"`
	Error   string `json:"error"`
	Excerpt string `json:"excerpt"`
}

// Verify checks that the provider's credentials work, without storing them.
func (s *CloudCredentialsService) Verify(ctx context.Context, p CloudProvider) (VerifyResult, error) {
	if err := p.validate("Provider"); err != nil {
		return VerifyResult{}, err
	}
	return callT[VerifyResult](ctx, s.c, "cloudsync.credentials.verify", false, p.wire())
}

// CloudSyncAttributes are a task's bucket attributes.
type CloudSyncAttributes struct {
	Bucket       string `json:"bucket"`
	Folder       string `json:"folder"`
	FastList     bool   `json:"fast_list,omitempty"`
	Region       string `json:"region,omitempty"`
	StorageClass string `json:"storage_class,omitempty"`
}

// CloudSync is a cloudsync.query entry.
type CloudSync struct {
	ID             int64               `json:"id"`
	Description    string              `json:"description"`
	Path           string              `json:"path"`
	CredentialsRaw json.RawMessage     `json:"credentials,omitempty"`
	Attributes     CloudSyncAttributes `json:"attributes"`
	Direction      string              `json:"direction"`     // PUSH PULL
	TransferMode   string              `json:"transfer_mode"` // SYNC COPY MOVE
	Snapshot       bool                `json:"snapshot"`
	Encryption     bool                `json:"encryption"`
	Transfers      int                 `json:"transfers"`
	Schedule       Schedule            `json:"schedule"`
	Enabled        bool                `json:"enabled"`
	Locked         bool                `json:"locked"`
	Job            *Job                `json:"job"`
}

// Credentials returns the credential id (the API expands it to an object).
func (t CloudSync) Credentials() int64 { return idOf(t.CredentialsRaw) }

// CloudSyncRequest creates (Path, Credentials, Attributes.Bucket, Direction, TransferMode
// required) or partially updates a cloud sync task. Description carries the sitekit marker.
type CloudSyncRequest struct {
	Description        *string
	Path               string
	Credentials        int64
	Attributes         *CloudSyncAttributes
	Direction          string
	TransferMode       string
	Snapshot           *bool
	Schedule           *Schedule
	Transfers          int
	Enabled            *bool
	EncryptionPassword sitekit.Secret // enables rclone encryption when set
	EncryptionSalt     sitekit.Secret
}

func (r CloudSyncRequest) validate(create bool) error {
	if create || r.Path != "" {
		if err := validateMountPath("Path", r.Path); err != nil {
			return err
		}
	}
	if create {
		switch {
		case r.Credentials <= 0:
			return sitekit.Invalid("Credentials", r.Credentials, "must reference cloud credentials")
		case r.Attributes == nil || r.Attributes.Bucket == "":
			return sitekit.Invalid("Attributes.Bucket", "", "must not be empty")
		case r.Direction == "":
			return sitekit.Invalid("Direction", r.Direction, "is required (PUSH or PULL)")
		case r.TransferMode == "":
			return sitekit.Invalid("TransferMode", r.TransferMode, "is required (SYNC, COPY or MOVE)")
		}
	}
	if err := oneOf("Direction", r.Direction, "PUSH", "PULL"); err != nil {
		return err
	}
	if err := oneOf("TransferMode", r.TransferMode, "SYNC", "COPY", "MOVE"); err != nil {
		return err
	}
	if r.Transfers < 0 {
		return sitekit.Invalid("Transfers", r.Transfers, "must not be negative")
	}
	if r.Schedule != nil {
		return r.Schedule.Validate("Schedule")
	}
	return nil
}

// Validate checks a create request before any I/O.
func (r CloudSyncRequest) Validate() error { return r.validate(true) }

func (r CloudSyncRequest) wire() map[string]any {
	m := map[string]any{}
	if r.Description != nil {
		m["description"] = *r.Description
	}
	if r.Path != "" {
		m["path"] = r.Path
	}
	if r.Credentials != 0 {
		m["credentials"] = r.Credentials
	}
	if r.Attributes != nil {
		m["attributes"] = r.Attributes
	}
	if r.Direction != "" {
		m["direction"] = r.Direction
	}
	if r.TransferMode != "" {
		m["transfer_mode"] = r.TransferMode
	}
	if r.Snapshot != nil {
		m["snapshot"] = *r.Snapshot
	}
	if r.Schedule != nil {
		m["schedule"] = r.Schedule
	}
	if r.Transfers != 0 {
		m["transfers"] = r.Transfers
	}
	if r.Enabled != nil {
		m["enabled"] = *r.Enabled
	}
	if !r.EncryptionPassword.IsZero() {
		m["encryption"] = true
		m["filename_encryption"] = true
		m["encryption_password"] = r.EncryptionPassword.Reveal()
		m["encryption_salt"] = r.EncryptionSalt.Reveal()
	}
	return m
}

// CloudSyncsService manages cloud sync tasks. Identity: the description.
type CloudSyncsService struct{ c *Client }

// List returns the cloud sync tasks selected by opts (nil: all of them).
func (s *CloudSyncsService) List(ctx context.Context, opts *ListOptions) ([]CloudSync, error) {
	return query[CloudSync](ctx, s.c, "cloudsync.query", opts)
}

// All iterates over the cloud sync tasks selected by opts, 100 per call; an error ends the sequence.
func (s *CloudSyncsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[CloudSync, error] {
	return pages[CloudSync](ctx, s.c, "cloudsync.query", opts, 100)
}

// Get returns the cloud sync task with id; an error matching sitekit.ErrNotFound if none.
func (s *CloudSyncsService) Get(ctx context.Context, id int64) (CloudSync, error) {
	return getOne[CloudSync](ctx, s.c, "cloudsync.query", Eq("id", id))
}

// Find returns the cloud sync task whose description is description; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *CloudSyncsService) Find(ctx context.Context, description string) (CloudSync, error) {
	if description == "" {
		return CloudSync{}, sitekit.Invalid("Description", description, "must not be empty")
	}
	return findOne[CloudSync](ctx, s.c, "cloudsync.query", "description", description)
}

// Create creates a task (a plain call).
func (s *CloudSyncsService) Create(ctx context.Context, req CloudSyncRequest) (CloudSync, error) {
	if err := req.validate(true); err != nil {
		return CloudSync{}, err
	}
	return callT[CloudSync](ctx, s.c, "cloudsync.create", true, req.wire())
}

// Update changes the fields set in req.
func (s *CloudSyncsService) Update(ctx context.Context, id int64, req CloudSyncRequest) (CloudSync, error) {
	if err := req.validate(false); err != nil {
		return CloudSync{}, err
	}
	return callT[CloudSync](ctx, s.c, "cloudsync.update", true, id, req.wire())
}

// Delete deletes a task.
func (s *CloudSyncsService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "cloudsync.delete", []any{id}, nil, true)
}

// Sync runs a task now (cloudsync.sync, a job) and waits for it, reporting progress.
func (s *CloudSyncsService) Sync(ctx context.Context, id int64, dryRun bool, progress func(Job)) (Job, error) {
	return s.c.runJob(ctx, "cloudsync.sync", []any{id, map[string]any{"dry_run": dryRun}}, progress, nil)
}
