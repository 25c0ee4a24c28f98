package xo

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// ServersService registers XCP-ng pool masters in XO (/rest/v0/servers).
type ServersService struct {
	c    *Client
	coll collection[Server]
}

// List returns the servers matching opts (all of them when opts is nil).
func (s *ServersService) List(ctx context.Context, opts *ListOptions) ([]Server, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the servers matching opts (XO does not page: one List call), yielding
// an error last.
func (s *ServersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Server, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the Server id; an unknown id matches sitekit.ErrNotFound.
func (s *ServersService) Get(ctx context.Context, id string) (Server, error) {
	return s.coll.get(ctx, id)
}

// Find returns the Server whose label is name. None matches sitekit.ErrNotFound; several
// (names are not unique in XO) return an [AmbiguousError].
func (s *ServersService) Find(ctx context.Context, name string) (Server, error) {
	return s.coll.find(ctx, "", name)
}

// ServerCreateRequest registers a pool master.
type ServerCreateRequest struct {
	Host              string         `json:"host"`
	Username          string         `json:"username"`
	Password          sitekit.Secret `json:"-"`
	Label             string         `json:"label,omitempty"`
	AllowUnauthorized bool           `json:"allowUnauthorized,omitempty"`
	ReadOnly          bool           `json:"readOnly,omitempty"`
}

// Validate checks the request locally.
func (r ServerCreateRequest) Validate() error {
	if strings.TrimSpace(r.Host) == "" {
		return invalid("Host", r.Host, "must not be empty")
	}
	if strings.TrimSpace(r.Username) == "" {
		return invalid("Username", r.Username, "must not be empty")
	}
	if r.Password.IsZero() {
		return invalid("Password", nil, "must not be empty")
	}
	return nil
}

// Create registers the server (409 → sitekit.ErrExists when its host is already known).
func (s *ServersService) Create(ctx context.Context, req ServerCreateRequest) (Server, error) {
	if err := req.Validate(); err != nil {
		return Server{}, err
	}
	body := map[string]any{"host": req.Host, "username": req.Username, "password": req.Password.Reveal()}
	if req.Label != "" {
		body["label"] = req.Label
	}
	if req.AllowUnauthorized {
		body["allowUnauthorized"] = true
	}
	if req.ReadOnly {
		body["readOnly"] = true
	}
	var res createdID
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: rest.Path(restPrefix, "servers"), Body: body, Result: &res}); err != nil {
		return Server{}, err
	}
	return s.Get(ctx, res.ID)
}

// FindByHost returns the server registered for host (idempotency key of Create).
func (s *ServersService) FindByHost(ctx context.Context, host string) (Server, error) {
	items, err := s.List(ctx, &ListOptions{Filter: Eq("host", host)})
	if err != nil {
		return Server{}, err
	}
	for _, it := range items {
		if it.Host == host {
			return it, nil
		}
	}
	return Server{}, &NotFoundError{Collection: "servers", Name: host}
}

// Connect connects XO to the server (async action, awaited).
func (s *ServersService) Connect(ctx context.Context, id string) error {
	_, err := s.c.action(ctx, rest.Path(restPrefix, "servers", id, "actions", "connect"), nil, nil)
	return err
}

// Disconnect disconnects XO from the server.
func (s *ServersService) Disconnect(ctx context.Context, id string) error {
	_, err := s.c.action(ctx, rest.Path(restPrefix, "servers", id, "actions", "disconnect"), nil, nil)
	return err
}

// Delete unregisters the server.
func (s *ServersService) Delete(ctx context.Context, id string) error {
	return s.c.del(ctx, "servers", id)
}
