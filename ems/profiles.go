package ems

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
)

// ProfilesService lists endpoint profiles and moves their content as opaque FortiClient XML:
// the profile JSON schemas are not public, so profiles are exported from a golden EMS and
// imported, never modelled field by field.
type ProfilesService struct{ c *Client }

// Profile is one entry of the profile listing. Only id and name are modelled [I]; Raw keeps
// the whole record.
type Profile struct {
	ID   int             `json:"id"`
	Name string          `json:"name"`
	Raw  json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps Raw and accepts a string id.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID   lenient.Int `json:"id"`
		Name string      `json:"name"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = Profile{ID: int(raw.ID), Name: raw.Name, Raw: append(json.RawMessage(nil), b...)}
	return nil
}

// List returns the profiles (GET /api/v1/profiles/index/?call_type=2 → data[0].profiles [C]).
func (s *ProfilesService) List(ctx context.Context) ([]Profile, error) {
	var data []struct {
		Profiles []Profile `json:"profiles"`
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/profiles/index/", query: url.Values{"call_type": {"2"}}, out: &data})
	var out []Profile
	for _, d := range data {
		out = append(out, d.Profiles...)
	}
	return out, err
}

// Get finds a profile by name (sitekit.ErrNotFound when absent).
func (s *ProfilesService) Get(ctx context.Context, name string) (Profile, error) {
	if strings.TrimSpace(name) == "" {
		return Profile{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	ps, err := s.List(ctx)
	if err != nil {
		return Profile{}, err
	}
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, notFound("profile", name)
}

// XML returns the FortiClient XML configuration of profile id, or of the default profile when
// id is 0 (GET /api/v1/profiles/get/?is_chrome=false&id=&call_type=2 → data.xml [C]).
func (s *ProfilesService) XML(ctx context.Context, id int) (string, error) {
	if id < 0 {
		return "", sitekit.Invalid("ID", id, "must not be negative")
	}
	q := url.Values{"is_chrome": {"false"}, "call_type": {"2"}}
	if id > 0 {
		q.Set("id", strconv.Itoa(id))
	}
	var data struct {
		XML string `json:"xml"`
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/profiles/get/", query: q, out: &data})
	return data.XML, err
}

// ProfileComponent selects a part of a profile to import [C: QA numbering].
type ProfileComponent int

// Profile components.
const (
	ComponentMalware ProfileComponent = iota + 1
	ComponentSandbox
	ComponentWebFilter
	ComponentFirewall
	ComponentVPN
	ComponentVulnerabilityScan
	ComponentSystem
)

// ProfileImportRequest imports a FortiClient XML document as a new profile.
type ProfileImportRequest struct {
	Name string
	XML  string
	// Components to import (empty: all seven).
	Components []ProfileComponent
}

// Validate checks the request before any I/O.
func (r ProfileImportRequest) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return sitekit.Invalid("Name", r.Name, "must not be empty")
	}
	if !strings.HasPrefix(strings.TrimSpace(r.XML), "<") {
		return sitekit.Invalid("XML", "(document)", "must be a FortiClient XML document")
	}
	for i, c := range r.Components {
		if c < ComponentMalware || c > ComponentSystem {
			return sitekit.Invalid("Components["+strconv.Itoa(i)+"]", int(c), "must be between 1 and 7")
		}
	}
	return nil
}

// Import creates a profile from XML (POST /api/v1/profiles/import/xml {name, xml, components:
// "1..7", profile_component_id: 1} [C]).
func (s *ProfilesService) Import(ctx context.Context, req ProfileImportRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	comps := req.Components
	if len(comps) == 0 {
		comps = []ProfileComponent{1, 2, 3, 4, 5, 6, 7}
	}
	parts := make([]string, len(comps))
	for i, c := range comps {
		parts[i] = strconv.Itoa(int(c))
	}
	body := map[string]any{"name": req.Name, "xml": req.XML, "components": strings.Join(parts, ","), "profile_component_id": 1}
	return s.c.do(ctx, call{method: http.MethodPost, path: "/profiles/import/xml", body: body})
}
