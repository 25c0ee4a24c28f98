package ems

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// FortiGatesService lists the FortiGates that connected to EMS over the Fabric connector
// (their client certificates, /api/v1/client_certificates [C]) and authorizes them.
type FortiGatesService struct{ c *Client }

// FortiGate is one Fabric device of GET /api/v1/client_certificates/index [C]. CN is the
// FortiGate's serial number [C]; Name and Authorized are inferred field names [I] (the
// authorize call sets "authorized" [C]).
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

// List returns every FortiGate known to EMS (a bare array [C]).
func (s *FortiGatesService) List(ctx context.Context) ([]FortiGate, error) {
	var fs []FortiGate
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/client_certificates/index", out: &fs})
	return fs, err
}

// Pending returns the FortiGates awaiting authorization.
func (s *FortiGatesService) Pending(ctx context.Context) ([]FortiGate, error) {
	fs, err := s.List(ctx)
	out := fs[:0]
	for _, f := range fs {
		if !f.Authorized {
			out = append(out, f)
		}
	}
	return out, err
}

// Get finds a FortiGate by serial number (sitekit.ErrNotFound when it never connected).
func (s *FortiGatesService) Get(ctx context.Context, serial string) (FortiGate, error) {
	if strings.TrimSpace(serial) == "" {
		return FortiGate{}, sitekit.Invalid("Serial", serial, "must not be empty")
	}
	fs, err := s.List(ctx)
	if err != nil {
		return FortiGate{}, err
	}
	for _, f := range fs {
		if strings.EqualFold(f.CN, serial) {
			return f, nil
		}
	}
	return FortiGate{}, notFound("fortigate", serial)
}

// SetAuthorized authorizes (or denies) FortiGate id
// (PATCH /api/v1/client_certificates/{id}/set {"authorized":…} [C]).
func (s *FortiGatesService) SetAuthorized(ctx context.Context, id int, authorized bool) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	body := map[string]bool{"authorized": authorized}
	return s.c.do(ctx, call{method: http.MethodPatch, path: rest.Path(rest.Raw("client_certificates"), id, "set"), body: body})
}

// Authorize authorizes the FortiGate with this serial number and returns it. The FortiGate
// must have connected first (its fctems connector enabled); until then the error matches
// sitekit.ErrNotFound and the caller polls (the bring-up order is inferred [I]).
func (s *FortiGatesService) Authorize(ctx context.Context, serial string) (FortiGate, error) {
	f, err := s.Get(ctx, serial)
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

// Delete forgets FortiGate id (DELETE /api/v1/client_certificates/{id}/delete [C]).
func (s *FortiGatesService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: rest.Path(rest.Raw("client_certificates"), id, "delete")})
}
