package emstest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// tagRule is a tagging rule set. Index and create are what public clients call; the body
// fields, the listing member "tag_rules", update_one and {id}/delete are [inferred].
type tagRule struct {
	ID             int             `json:"id"`
	Name           string          `json:"name"`
	Tag            string          `json:"tag"`
	Enabled        bool            `json:"enabled"`
	Comments       string          `json:"comments"`
	Rules          []rule          `json:"rules"`
	UseCustomLogic bool            `json:"use_custom_logic"`
	Logic          json.RawMessage `json:"logic,omitempty"`
}

// TagRuleState is a tagging rule set as the simulator holds it.
type TagRuleState struct {
	ID       int
	Name     string
	Tag      string
	Enabled  bool
	Comments string
	Rules    int
}

// TagRules returns the tagging rule sets, by id.
func (s *Server) TagRules() []TagRuleState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TagRuleState
	for _, r := range sortedByID(s.tagRules, func(r *tagRule) int { return r.ID }) {
		out = append(out, TagRuleState{ID: r.ID, Name: r.Name, Tag: r.Tag, Enabled: r.Enabled, Comments: r.Comments, Rules: len(r.Rules)})
	}
	return out
}

func (s *Server) tagRuleRoutes(h func(string, handler)) {
	h("GET /api/v1/tag_rules/zero_trust/index", func(r *http.Request) (any, string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := []tagRule{}
		for _, rs := range sortedByID(s.tagRules, func(r *tagRule) int { return r.ID }) {
			list = append(list, *rs)
		}
		pg, err := page(r.URL.Query(), list)
		if err != nil {
			return nil, "", err
		}
		return map[string]any{"tag_rules": pg, "total": len(list)}, "", nil
	})
	save := func(update bool) handler {
		return func(r *http.Request) (any, string, error) {
			var rs tagRule
			if err := decodeBody(r, &rs); err != nil {
				return nil, "", err
			}
			if err := validName("name", rs.Name); err != nil {
				return nil, "", err
			}
			if len(rs.Rules) == 0 {
				return nil, "", invalid("rules is required")
			}
			if err := validRules(rs.Rules, rs.UseCustomLogic, rs.Logic); err != nil {
				return nil, "", err
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.tagByNameLocked(rs.Tag, 0) == nil {
				return nil, "", missing("Zero trust tag", rs.Tag)
			}
			for _, o := range s.tagRules {
				if o.ID != rs.ID && strings.EqualFold(o.Name, rs.Name) {
					return nil, "", exists("Tag rule set", rs.Name)
				}
			}
			if update {
				if s.tagRules[rs.ID] == nil {
					return nil, "", missing("Tag rule set", rs.ID)
				}
				s.tagRules[rs.ID] = &rs
				return nil, "Tag rule set updated successfully.", nil
			}
			rs.ID = s.id("tagrule")
			s.tagRules[rs.ID] = &rs
			return nil, "Tag rule set created successfully.", nil
		}
	}
	h("POST /api/v1/tag_rules/zero_trust/create", save(false))
	h("POST /api/v1/tag_rules/zero_trust/update_one", save(true))
	h("DELETE /api/v1/tag_rules/zero_trust/{id}/delete", func(r *http.Request) (any, string, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, "", err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.tagRules[id] == nil {
			return nil, "", missing("Tag rule set", id)
		}
		delete(s.tagRules, id)
		return nil, "Tag rule set deleted successfully.", nil
	})
}
