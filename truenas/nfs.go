package truenas

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
)

// NFSShare is a sharing.nfs.query entry.
type NFSShare struct {
	ID              int64    `json:"id"`
	Path            string   `json:"path"`
	Comment         string   `json:"comment"`
	Networks        []string `json:"networks"`
	Hosts           []string `json:"hosts"`
	RO              bool     `json:"ro"`
	MaprootUser     string   `json:"maproot_user"`
	MaprootGroup    string   `json:"maproot_group"`
	MapallUser      string   `json:"mapall_user"`
	MapallGroup     string   `json:"mapall_group"`
	Security        []string `json:"security"`
	Enabled         bool     `json:"enabled"`
	ExposeSnapshots bool     `json:"expose_snapshots"`
	Aliases         []string `json:"aliases"`
	Locked          bool     `json:"locked"`
}

// NFSShareRequest creates (Path required) or partially updates an NFS export. Empty
// Networks and Hosts export to everyone; a nil slice is not sent, an empty one clears.
type NFSShareRequest struct {
	Path         string   `json:"path,omitempty"`
	Comment      *string  `json:"comment,omitempty"`
	Networks     []string `json:"networks,omitempty"`
	Hosts        []string `json:"hosts,omitempty"`
	RO           *bool    `json:"ro,omitempty"`
	MaprootUser  *string  `json:"maproot_user,omitempty"`
	MaprootGroup *string  `json:"maproot_group,omitempty"`
	MapallUser   *string  `json:"mapall_user,omitempty"`
	MapallGroup  *string  `json:"mapall_group,omitempty"`
	Security     []string `json:"security,omitempty"`
	Enabled      *bool    `json:"enabled,omitempty"`
}

func (r NFSShareRequest) validate(create bool) error {
	if create || r.Path != "" {
		if err := validateMountPath("Path", r.Path); err != nil {
			return err
		}
	}
	for i, n := range r.Networks {
		if err := validateCIDR("Networks["+strconv.Itoa(i)+"]", n); err != nil {
			return err
		}
	}
	for i, h := range r.Hosts {
		if h == "" || strings.ContainsAny(h, " \t\"") {
			return sitekit.Invalid("Hosts["+strconv.Itoa(i)+"]", h, "must be a host name or address without spaces or quotes")
		}
	}
	if (r.MaprootUser != nil && *r.MaprootUser != "" || r.MaprootGroup != nil && *r.MaprootGroup != "") &&
		(r.MapallUser != nil && *r.MapallUser != "" || r.MapallGroup != nil && *r.MapallGroup != "") {
		return sitekit.Invalid("MapallUser", *r.MapallUser, "maproot and mapall are exclusive")
	}
	for i, sec := range r.Security {
		if err := oneOf("Security["+strconv.Itoa(i)+"]", sec, "SYS", "KRB5", "KRB5I", "KRB5P"); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a create request before any I/O.
func (r NFSShareRequest) Validate() error { return r.validate(true) }

// wireMap fills empty lists on create (TrueNAS expects arrays).
func (r NFSShareRequest) wireMap() map[string]any {
	m := wire(r, nil)
	if r.Networks != nil {
		m["networks"] = r.Networks
	}
	if r.Hosts != nil {
		m["hosts"] = r.Hosts
	}
	return m
}

// NFSSharesService manages NFS exports. Identity: the exported path.
type NFSSharesService struct{ c *Client }

// List returns the NFS shares selected by opts (nil: all of them).
func (s *NFSSharesService) List(ctx context.Context, opts *ListOptions) ([]NFSShare, error) {
	return query[NFSShare](ctx, s.c, "sharing.nfs.query", opts)
}

// All iterates over the NFS shares selected by opts, 100 per call; an error ends the sequence.
func (s *NFSSharesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[NFSShare, error] {
	return pages[NFSShare](ctx, s.c, "sharing.nfs.query", opts, 100)
}

// Get returns the share with id; an error matching sitekit.ErrNotFound if none.
func (s *NFSSharesService) Get(ctx context.Context, id int64) (NFSShare, error) {
	return getOne[NFSShare](ctx, s.c, "sharing.nfs.query", Eq("id", id))
}

// Find returns the share exporting path; an error matching sitekit.ErrNotFound if none,
// ErrAmbiguousName if several.
func (s *NFSSharesService) Find(ctx context.Context, path string) (NFSShare, error) {
	if err := validateMountPath("Path", path); err != nil {
		return NFSShare{}, err
	}
	return findOne[NFSShare](ctx, s.c, "sharing.nfs.query", "path", path)
}

// Create creates an export; the path must be an existing dataset mountpoint.
func (s *NFSSharesService) Create(ctx context.Context, req NFSShareRequest) (NFSShare, error) {
	if err := req.validate(true); err != nil {
		return NFSShare{}, err
	}
	return callT[NFSShare](ctx, s.c, "sharing.nfs.create", true, req.wireMap())
}

// Update changes the fields set in req.
func (s *NFSSharesService) Update(ctx context.Context, id int64, req NFSShareRequest) (NFSShare, error) {
	if err := req.validate(false); err != nil {
		return NFSShare{}, err
	}
	return callT[NFSShare](ctx, s.c, "sharing.nfs.update", true, id, req.wireMap())
}

// Delete removes an export.
func (s *NFSSharesService) Delete(ctx context.Context, id int64) error {
	return s.c.call(ctx, "sharing.nfs.delete", []any{id}, nil, true)
}
