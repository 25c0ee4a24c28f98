package xo

import (
	"context"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit/internal/rest"
)

// SRsService manages storage repositories (/rest/v0/srs).
type SRsService struct{ collection[SR] }

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
