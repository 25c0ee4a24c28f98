package ems

import (
	"context"
	"encoding/json"
	"iter"
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

// Profile is one entry of the profile listing. Only id and name are modelled [inferred]; Raw keeps
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

// List returns the profiles (GET /api/v1/profiles/index/?call_type=2, one call).
func (s *ProfilesService) List(ctx context.Context, opts *ListOptions) ([]Profile, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var data []struct {
		Profiles []Profile `json:"profiles"`
	}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/profiles/index/", query: url.Values{"call_type": {"2"}}, out: &data}); err != nil {
		return nil, err
	}
	out := []Profile{}
	for _, d := range data {
		out = append(out, d.Profiles...)
	}
	return out, nil
}

// All iterates over List's answer.
func (s *ProfilesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Profile, error] {
	return items(func() ([]Profile, error) { return s.List(ctx, opts) })
}

// Get returns profile id, found in the listing. An unknown id matches sitekit.ErrNotFound.
func (s *ProfilesService) Get(ctx context.Context, id int) (Profile, error) {
	if err := validateID("ID", id); err != nil {
		return Profile{}, err
	}
	return findOne(s.All(ctx, nil), "profile", "", id, func(p Profile) bool { return p.ID == id })
}

// Find returns the profile called name: sitekit.ErrNotFound when absent, ErrAmbiguousName
// when several profiles carry it.
func (s *ProfilesService) Find(ctx context.Context, name string) (Profile, error) {
	if strings.TrimSpace(name) == "" {
		return Profile{}, sitekit.Invalid("Name", name, "must not be empty")
	}
	return findOne(s.All(ctx, nil), "profile", name, 0, func(p Profile) bool { return p.Name == name })
}

// XML returns the FortiClient XML configuration of profile id, or of the default profile when
// id is 0 (GET /api/v1/profiles/get/?is_chrome=false&id=&call_type=2 → data.xml).
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

// ProfileComponent selects a part of a profile to import.
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
// "1,…,7", profile_component_id: 1}) and returns it, read back by name (the import answer
// carries no profile).
func (s *ProfilesService) Import(ctx context.Context, req ProfileImportRequest) (Profile, error) {
	if err := req.Validate(); err != nil {
		return Profile{}, err
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
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/profiles/import/xml", body: body}); err != nil {
		return Profile{}, err
	}
	return s.Find(ctx, req.Name)
}
