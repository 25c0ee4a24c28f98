package ems

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// FortiGatesService lists the FortiGates that connected to EMS over the Fabric connector
// (their client certificates, /api/v1/client_certificates) and authorizes them.
type FortiGatesService struct{ c *Client }

// FortiGate is one Fabric device of GET /api/v1/client_certificates/index. CN is the
// FortiGate's serial number; Name and Authorized are inferred field names (the
// authorize call sets "authorized").
type FortiGate struct {
	ID         int    `json:"id"`
	CN         string `json:"cn"`
	Name       string `json:"name"`
	Authorized bool   `json:"authorized"`
}

// UnmarshalJSON decodes leniently (authorized as 1/0 or bool, id as string or number).
func (f *FortiGate) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID         lenient.Int  `json:"id"`
		CN         string       `json:"cn"`
		Name       string       `json:"name"`
		Authorized lenient.Bool `json:"authorized"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = FortiGate{ID: int(raw.ID), CN: raw.CN, Name: raw.Name, Authorized: bool(raw.Authorized)}
	return nil
}

// FortiGateListOptions filters the FortiGate listing (applied by the client: EMS answers
// every FortiGate in one call). A nil *FortiGateListOptions lists every FortiGate.
type FortiGateListOptions struct {
	// Pending keeps the FortiGates awaiting authorization.
	Pending bool
}

// List returns the FortiGates known to EMS (GET /api/v1/client_certificates/index, a bare
// array).
func (s *FortiGatesService) List(ctx context.Context, opts *FortiGateListOptions) ([]FortiGate, error) {
	fs := []FortiGate{}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/client_certificates/index", out: &fs}); err != nil {
		return nil, err
	}
	if opts != nil && opts.Pending {
		fs = slices.DeleteFunc(fs, func(f FortiGate) bool { return f.Authorized })
	}
	return fs, nil
}

// All iterates over List's answer.
func (s *FortiGatesService) All(ctx context.Context, opts *FortiGateListOptions) iter.Seq2[FortiGate, error] {
	return items(func() ([]FortiGate, error) { return s.List(ctx, opts) })
}

// Get returns FortiGate id, found in the listing. An unknown id matches sitekit.ErrNotFound.
func (s *FortiGatesService) Get(ctx context.Context, id int) (FortiGate, error) {
	if err := validateID("ID", id); err != nil {
		return FortiGate{}, err
	}
	return findOne(s.All(ctx, nil), "fortigate", "", id, func(f FortiGate) bool { return f.ID == id })
}

// Find returns the FortiGate whose serial number (its certificate CN) is serial, compared
// without case. A FortiGate that never connected matches sitekit.ErrNotFound.
func (s *FortiGatesService) Find(ctx context.Context, serial string) (FortiGate, error) {
	if strings.TrimSpace(serial) == "" {
		return FortiGate{}, sitekit.Invalid("Serial", serial, "must not be empty")
	}
	return findOne(s.All(ctx, nil), "fortigate", serial, 0, func(f FortiGate) bool { return strings.EqualFold(f.CN, serial) })
}

// SetAuthorized authorizes (or denies) FortiGate id
// (PATCH /api/v1/client_certificates/{id}/set {"authorized":…}).
func (s *FortiGatesService) SetAuthorized(ctx context.Context, id int, authorized bool) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	body := map[string]bool{"authorized": authorized}
	return s.c.do(ctx, call{method: http.MethodPatch, path: rest.Path(rest.Raw("client_certificates"), id, "set"), body: body})
}

// Authorize authorizes the FortiGate with this serial number and returns it. The FortiGate
// must have connected first (its fctems connector enabled); until then the error matches
// sitekit.ErrNotFound and the caller polls (the bring-up order is inferred).
func (s *FortiGatesService) Authorize(ctx context.Context, serial string) (FortiGate, error) {
	f, err := s.Find(ctx, serial)
	if err != nil {
		return FortiGate{}, err
	}
	if f.Authorized {
		return f, nil
	}
	if err := s.SetAuthorized(ctx, f.ID, true); err != nil {
		return FortiGate{}, err
	}
	f.Authorized = true
	return f, nil
}

// Delete forgets FortiGate id (DELETE /api/v1/client_certificates/{id}/delete).
func (s *FortiGatesService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: rest.Path(rest.Raw("client_certificates"), id, "delete")})
}
