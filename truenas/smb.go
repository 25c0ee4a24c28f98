package truenas

import (
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// SMB share purposes, with their 25.10+ names. The client translates them for API v25.04
// (TIMEMACHINE_SHARE → TIMEMACHINE, LEGACY_SHARE → NO_PRESET, …).
const (
	SMBDefaultShare         = "DEFAULT_SHARE"
	SMBLegacyShare          = "LEGACY_SHARE"
	SMBTimeMachineShare     = "TIMEMACHINE_SHARE"
	SMBMultiprotocolShare   = "MULTIPROTOCOL_SHARE"
	SMBPrivateDatasetsShare = "PRIVATE_DATASETS_SHARE"
	SMBVeeamRepositoryShare = "VEEAM_REPOSITORY_SHARE"
	SMBTimeLockedShare      = "TIME_LOCKED_SHARE"
	SMBExternalShare        = "EXTERNAL_SHARE"
)

var smbPurpose2504 = map[string]string{
	SMBDefaultShare: "DEFAULT_SHARE", SMBLegacyShare: "NO_PRESET", SMBTimeMachineShare: "TIMEMACHINE",
	SMBMultiprotocolShare: "MULTI_PROTOCOL_NFS", SMBPrivateDatasetsShare: "PRIVATE_DATASETS",
	SMBVeeamRepositoryShare: "VEEAM_REPOSITORY_SHARE",
}

// SMBShare is a sharing.smb.query entry, normalised across versions (25.04's ro/abe fill
// ReadOnly/AccessBasedEnumeration; its purposes are mapped to the 25.10 names).
type SMBShare struct {
	ID                     int64
	Name                   string
	Path                   string
	Comment                string
	Purpose                string
	Enabled                bool
	Browsable              bool
	ReadOnly               bool
	AccessBasedEnumeration bool
	Locked                 bool
}

// UnmarshalJSON decodes both the 25.04 and the 25.10+ shapes.
func (s *SMBShare) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        lenient.Int `json:"id"`
		Name      string      `json:"name"`
		Path      string      `json:"path"`
		Comment   string      `json:"comment"`
		Purpose   string      `json:"purpose"`
		Enabled   bool        `json:"enabled"`
		Browsable bool        `json:"browsable"`
		RO        *bool       `json:"ro"`
		Readonly  *bool       `json:"readonly"`
		ABE       *bool       `json:"abe"`
		ABSE      *bool       `json:"access_based_share_enumeration"`
		Locked    bool        `json:"locked"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = SMBShare{ID: int64(w.ID), Name: w.Name, Path: w.Path, Comment: w.Comment, Purpose: w.Purpose,
		Enabled: w.Enabled, Browsable: w.Browsable, Locked: w.Locked}
	for k, v := range smbPurpose2504 {
		if v == w.Purpose && k != v {
			s.Purpose = k
		}
	}
	s.ReadOnly = w.Readonly != nil && *w.Readonly || w.RO != nil && *w.RO
	s.AccessBasedEnumeration = w.ABSE != nil && *w.ABSE || w.ABE != nil && *w.ABE
	return nil
}

// SMBShareRequest creates (Name and Path required) or partially updates an SMB share.
type SMBShareRequest struct {
	Name                   string
	Path                   string
	Comment                *string
	Purpose                string // see the SMB… constants
	Enabled                *bool
	Browsable              *bool
	ReadOnly               *bool
	AccessBasedEnumeration *bool
}

var smbForbidden = []string{"global", "printers", "homes"}

func (r SMBShareRequest) validate(create bool) error {
	if create || r.Name != "" {
		switch {
		case r.Name == "":
			return sitekit.Invalid("Name", r.Name, "must not be empty")
		case len(r.Name) > 80:
			return sitekit.Invalid("Name", r.Name, "must be at most 80 characters")
		case slices.Contains(smbForbidden, strings.ToLower(r.Name)):
			return sitekit.Invalid("Name", r.Name, "is reserved")
		case strings.ContainsAny(r.Name, `\/[]:|<>+=;,*?"`):
			return sitekit.Invalid("Name", r.Name, `must not contain \ / [ ] : | < > + = ; , * ? "`)
		}
	}
	if create || r.Path != "" {
		if err := validateMountPath("Path", r.Path); err != nil {
			return err
		}
	}
	return oneOf("Purpose", r.Purpose, SMBDefaultShare, SMBLegacyShare, SMBTimeMachineShare, SMBMultiprotocolShare,
		SMBPrivateDatasetsShare, SMBVeeamRepositoryShare, SMBTimeLockedShare, SMBExternalShare)
}

// Validate checks a create request before any I/O.
func (r SMBShareRequest) Validate() error { return r.validate(true) }

// wireMap encodes the request for the API version in use.
func (r SMBShareRequest) wireMap(v2510 bool) (map[string]any, error) {
	m := map[string]any{}
	set := func(k string, v any) { m[k] = v }
	if r.Name != "" {
		set("name", r.Name)
	}
	if r.Path != "" {
		set("path", r.Path)
	}
	if r.Comment != nil {
		set("comment", *r.Comment)
	}
	if r.Enabled != nil {
		set("enabled", *r.Enabled)
	}
	if r.Browsable != nil {
		set("browsable", *r.Browsable)
	}
	if v2510 {
		if r.Purpose != "" {
			set("purpose", r.Purpose)
			set("options", nil) // sending purpose requires options (null = defaults)
		}
		if r.ReadOnly != nil {
			set("readonly", *r.ReadOnly)
		}
		if r.AccessBasedEnumeration != nil {
			set("access_based_share_enumeration", *r.AccessBasedEnumeration)
		}
		return m, nil
	}
	if r.Purpose != "" {
		p, ok := smbPurpose2504[r.Purpose]
		if !ok {
			return nil, sitekit.Invalid("Purpose", r.Purpose, "does not exist on API v25.04")
		}
		set("purpose", p)
	}
	if r.ReadOnly != nil {
		set("ro", *r.ReadOnly)
	}
	if r.AccessBasedEnumeration != nil {
		set("abe", *r.AccessBasedEnumeration)
	}
	return m, nil
}

// SMBSharesService manages SMB shares. Identity: the share name.
type SMBSharesService struct{ c *Client }

// List returns the SMB shares selected by opts (nil: all of them).
func (s *SMBSharesService) List(ctx context.Context, opts *ListOptions) ([]SMBShare, error) {
	return query[SMBShare](ctx, s.c, "sharing.smb.query", opts)
}

// All iterates over the SMB shares selected by opts, 100 per call; an error ends the sequence.
func (s *SMBSharesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[SMBShare, error] {
	return pages[SMBShare](ctx, s.c, "sharing.smb.query", opts, 100)
}

// Get returns the share with id; an error matching sitekit.ErrNotFound if none.
func (s *SMBSharesService) Get(ctx context.Context, id int64) (SMBShare, error) {
	return getOne[SMBShare](ctx, s.c, "sharing.smb.query", Eq("id", id))
}

// Find returns the share whose name is name; an error matching sitekit.ErrNotFound
// if none, ErrAmbiguousName if several.
func (s *SMBSharesService) Find(ctx context.Context, name string) (SMBShare, error) {
	if name == "" {
		return SMBShare{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne[SMBShare](ctx, s.c, "sharing.smb.query", "name", name)
}

func (s *SMBSharesService) body(ctx context.Context, req SMBShareRequest) (map[string]any, error) {
	v2510, err := s.c.atLeast(ctx, "v25.10.0")
	if err != nil {
		return nil, err
	}
	return req.wireMap(v2510)
}

// Create creates a share; the path must be an existing dataset mountpoint.
func (s *SMBSharesService) Create(ctx context.Context, req SMBShareRequest) (SMBShare, error) {
	if err := req.validate(true); err != nil {
		return SMBShare{}, err
	}
	body, err := s.body(ctx, req)
	if err != nil {
		return SMBShare{}, err
	}
	return callT[SMBShare](ctx, s.c, "sharing.smb.create", true, body)
}

// Update changes the fields set in req.
func (s *SMBSharesService) Update(ctx context.Context, id int64, req SMBShareRequest) (SMBShare, error) {
	if err := req.validate(false); err != nil {
		return SMBShare{}, err
	}
	body, err := s.body(ctx, req)
	if err != nil {
		return SMBShare{}, err
	}
	return callT[SMBShare](ctx, s.c, "sharing.smb.update", true, id, body)
}

// Delete removes a share.
func (s *SMBSharesService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "sharing.smb.delete", []any{id}, nil, true)
}
