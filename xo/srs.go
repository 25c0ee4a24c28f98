package xo

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit/internal/rest"
)

// SRsService manages storage repositories (/rest/v0/srs).
type SRsService struct {
	c    *Client
	coll collection[SR]
}

// List returns the SRs matching opts (all of them when opts is nil).
func (s *SRsService) List(ctx context.Context, opts *ListOptions) ([]SR, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the SRs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *SRsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[SR, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the SR id; an unknown id matches sitekit.ErrNotFound.
func (s *SRsService) Get(ctx context.Context, id string) (SR, error) {
	return s.coll.get(ctx, id)
}

// Find returns the SR whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *SRsService) Find(ctx context.Context, pool, name string) (SR, error) {
	return s.coll.find(ctx, pool, name)
}

// NFSSRRequest creates a shared NFS SR (POST /srs, XO ≥ 6.7), e.g. on a TrueNAS export.
type NFSSRRequest struct {
	Host            string // host UUID the SR is created from
	NameLabel       string
	NameDescription string
	Server          string // NFS server address
	ServerPath      string // export path, e.g. /mnt/tank/vms
	NFSVersion      string // "", "3", "4", "4.1"
}

// Validate checks the request locally.
func (r NFSSRRequest) Validate() error {
	if !isUUID(r.Host) {
		return invalid("Host", r.Host, "must be a host UUID")
	}
	if strings.TrimSpace(r.NameLabel) == "" {
		return invalid("NameLabel", r.NameLabel, "must not be empty")
	}
	if strings.TrimSpace(r.Server) == "" {
		return invalid("Server", r.Server, "must not be empty")
	}
	if !strings.HasPrefix(r.ServerPath, "/") {
		return invalid("ServerPath", r.ServerPath, "must be an absolute export path")
	}
	switch r.NFSVersion {
	case "", "3", "4", "4.0", "4.1":
	default:
		return invalid("NFSVersion", r.NFSVersion, "must be 3, 4 or 4.1")
	}
	return nil
}

// CreateNFS creates the SR and returns it.
func (s *SRsService) CreateNFS(ctx context.Context, req NFSSRRequest) (SR, error) {
	if err := req.Validate(); err != nil {
		return SR{}, err
	}
	dc := map[string]string{"server": req.Server, "serverpath": req.ServerPath}
	if req.NFSVersion != "" {
		dc["nfsversion"] = req.NFSVersion
	}
	body := map[string]any{"hostId": req.Host, "SR_type": "nfs", "name_label": req.NameLabel, "device_config": dc, "content_type": "user"}
	if req.NameDescription != "" {
		body["name_description"] = req.NameDescription
	}
	var res createdID
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: rest.Path(restPrefix, "srs"), Body: body, Result: &res}); err != nil {
		return SR{}, err
	}
	return s.Get(ctx, res.ID)
}

// Delete destroys the SR.
func (s *SRsService) Delete(ctx context.Context, id string) error { return s.c.del(ctx, "srs", id) }
