package emstest

import (
	"net/http"
	"strings"
)

// profile content is opaque FortiClient XML; the listing's fields besides id and name are
// not public: the listing fields besides id and name are [inferred].
type profile struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	xml  string
}

const defaultProfileXML = `<?xml version="1.0" encoding="UTF-8"?>
<forticlient_configuration><antivirus><enabled>1</enabled></antivirus><system><ui><disable_backup>0</disable_backup></ui></system></forticlient_configuration>`

// ProfileXML returns the XML of the profile named name.
func (s *Server) ProfileXML(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.profiles {
		if p.Name == name {
			return p.xml, true
		}
	}
	return "", false
}

func (s *Server) profileRoutes(h func(string, handler)) {
	h("GET /api/v1/profiles/index/", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := make([]profile, 0, len(s.profiles))
		for _, p := range s.profiles {
			list = append(list, *p)
		}
		return []any{map[string]any{"profiles": list}}, "", nil
	})
	h("GET /api/v1/profiles/get/", func(r *http.Request) (any, string, error) {
		id, err := intParam(r.URL.Query(), "id", 1)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.profiles {
			if p.ID == id {
				return map[string]any{"id": p.ID, "name": p.Name, "xml": p.xml}, "", nil
			}
		}
		return nil, "", missing("Profile", id)
	})
	h("POST /api/v1/profiles/import/xml", func(r *http.Request) (any, string, error) {
		var body struct {
			Name       string `json:"name"`
			XML        string `json:"xml"`
			Components string `json:"components"`
		}
		if err := decodeBody(r, &body); err != nil {
			return nil, "", err
		}
		if strings.TrimSpace(body.Name) == "" || !strings.HasPrefix(strings.TrimSpace(body.XML), "<") {
			return nil, "", invalid("name and xml are required")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.profiles {
			if p.Name == body.Name {
				return nil, "", exists("Profile", body.Name)
			}
		}
		p := &profile{ID: 10 + s.id("profile"), Name: body.Name, Type: "endpoint", xml: body.XML}
		s.profiles = append(s.profiles, p)
		return map[string]int{"id": p.ID}, "Profile imported successfully.", nil
	})
}
