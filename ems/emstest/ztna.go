package emstest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

type rule struct {
	ID         int    `json:"id"`
	Type       int    `json:"type"`
	OS         int    `json:"os"`
	Negative   bool   `json:"negative"`
	Content    string `json:"content"`
	DomainName string `json:"domainName,omitempty"`
	Context    string `json:"context,omitempty"`
	FCTBased   bool   `json:"fct_based,omitempty"`
}

type tag struct {
	ID             int             `json:"id"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Comments       string          `json:"comments"`
	Status         bool            `json:"status"`
	Rules          []rule          `json:"rules"`
	UseCustomLogic bool            `json:"use_custom_logic"`
	Logic          json.RawMessage `json:"logic,omitempty"`
}

// TagState is a ZTNA tag as the simulator holds it.
type TagState struct {
	ID          int
	Name        string
	Description string
	Comments    string
	Rules       int
}

// Tags returns the ZTNA tags, by id.
func (s *Server) Tags() []TagState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TagState
	for _, t := range sortedByID(s.tags, func(t *tag) int { return t.ID }) {
		out = append(out, TagState{ID: t.ID, Name: t.Name, Description: t.Description, Comments: t.Comments, Rules: len(t.Rules)})
	}
	return out
}

func sortedByID[T any](m map[int]*T, id func(*T) int) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *T) int { return cmp.Compare(id(a), id(b)) })
	return out
}

// validRules checks a rule list like EMS: increasing ids, known type and OS, content.
// the accepted type range (1..10) and OS range (1..5) are [inferred].
func validRules(rules []rule, custom bool, logic json.RawMessage) error {
	prev := 0
	for i, r := range rules {
		switch {
		case r.ID <= prev:
			return invalid("rules[%d].id must increase", i)
		case r.Type < 1 || r.Type > 10:
			return invalid("rules[%d].type %d is unknown", i, r.Type)
		case r.OS < 1 || r.OS > 5:
			return invalid("rules[%d].os %d is unknown", i, r.OS)
		case strings.TrimSpace(r.Content) == "":
			return invalid("rules[%d].content is required", i)
		}
		prev = r.ID
	}
	if custom && (len(logic) == 0 || string(logic) == "null") {
		return invalid("logic is required with use_custom_logic")
	}
	return nil
}

func validName(field, name string) error {
	if strings.TrimSpace(name) == "" || len(name) > 64 || strings.ContainsAny(name, "\"'<>") {
		return invalid("%s %q is not valid", field, name)
	}
	return nil
}

func (s *Server) tagByNameLocked(name string, except int) *tag {
	for _, t := range s.tags {
		if t.ID != except && strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

func (s *Server) tagRoutes(h func(string, handler)) {
	h("GET /api/v1/tags/zero_trust/index", func(*http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := []tag{}
		for _, t := range sortedByID(s.tags, func(t *tag) int { return t.ID }) {
			list = append(list, *t)
		}
		return map[string]any{"tags": list}, "", nil
	})
	h("GET /api/v1/tags/zero_trust/{id}/get", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if t := s.tags[id]; t != nil {
			return *t, "", nil
		}
		return nil, "", missing("Zero trust tag", id)
	})
	save := func(update bool) handler {
		return func(r *http.Request) (any, string, error) {
			var t tag
			if err := decodeBody(r, &t); err != nil {
				return nil, "", err
			}
			if err := validName("name", t.Name); err != nil {
				return nil, "", err
			}
			if err := validRules(t.Rules, t.UseCustomLogic, t.Logic); err != nil {
				return nil, "", err
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if update {
				old := s.tags[t.ID]
				if old == nil {
					return nil, "", missing("Zero trust tag", t.ID)
				}
				if s.tagByNameLocked(t.Name, t.ID) != nil {
					return nil, "", exists("Zero trust tag", t.Name)
				}
				for _, rs := range s.tagRules {
					if rs.Tag == old.Name {
						rs.Tag = t.Name // rule sets follow a renamed tag
					}
				}
				s.tags[t.ID] = &t
				return nil, "Zero trust tag updated successfully.", nil
			}
			if s.tagByNameLocked(t.Name, 0) != nil {
				return nil, "", exists("Zero trust tag", t.Name)
			}
			t.ID = s.id("tag")
			s.tags[t.ID] = &t
			return nil, "Zero trust tag created successfully.", nil
		}
	}
	h("POST /api/v1/tags/zero_trust/create", save(false))
	h("POST /api/v1/tags/zero_trust/update_one", save(true))
	h("DELETE /api/v1/tags/zero_trust/{id}/delete", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.tags[id]
		if t == nil {
			return nil, "", missing("Zero trust tag", id)
		}
		// refusing to delete a tag used by a rule set is [inferred].
		for _, rs := range s.tagRules {
			if rs.Tag == t.Name {
				return nil, "", inUse("Zero trust tag %q is in use by rule set %q.", t.Name, rs.Name)
			}
		}
		delete(s.tags, id)
		return nil, "Zero trust tag deleted successfully.", nil
	})
}
