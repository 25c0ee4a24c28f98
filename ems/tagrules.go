package ems

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// TagRulesService manages zero-trust tagging rule sets (/api/v1/tag_rules/zero_trust): each
// set tags the endpoints matching its rules with an existing ZTNA tag. Listing [C: SOAR] and
// create [C: UMB importer] are confirmed paths; the body fields, the listing's "tag_rules"
// member, update_one and {id}/delete are inferred from the tags family [I].
type TagRulesService struct{ c *Client }

// TagRule is a tagging rule set.
type TagRule struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Tag is the name of the ZTNA tag the set applies.
	Tag     string `json:"tag"`
	Enabled bool   `json:"enabled"`
	// Comments is the administrator's free text: the blueprint marker lives here.
	Comments       string `json:"comments"`
	Rules          []Rule `json:"rules"`
	UseCustomLogic bool   `json:"use_custom_logic"`
	Logic          *Logic `json:"logic,omitempty"`
}

// TagRuleRequest creates or replaces a rule set.
type TagRuleRequest struct {
	Name           string `json:"name"`
	Tag            string `json:"tag"`
	Enabled        bool   `json:"enabled"`
	Comments       string `json:"comments"`
	Rules          []Rule `json:"rules"`
	UseCustomLogic bool   `json:"use_custom_logic"`
	Logic          *Logic `json:"logic,omitempty"`
}

// Validate checks the request before any I/O: names, at least one rule, known rule types,
// increasing ids, custom logic referring only to the set's rules. Whether Tag names an
// existing tag is checked by EMS (sitekit.ErrNotFound).
func (r TagRuleRequest) Validate() error {
	if err := validateTagName("Name", r.Name); err != nil {
		return err
	}
	if err := validateTagName("Tag", r.Tag); err != nil {
		return err
	}
	if len(r.Rules) == 0 {
		return sitekit.Invalid("Rules", "[]", "a rule set needs at least one rule")
	}
	return validateRules(r.Rules, r.UseCustomLogic, r.Logic)
}

// TagRuleListOptions selects one page of rule sets.
type TagRuleListOptions struct {
	Offset int
	// Count is the page size, 1..MaxPageSize.
	Count int
}

// Validate checks the options before any I/O.
func (o TagRuleListOptions) Validate() error {
	return validatePage(o.Count, o.Offset)
}

// TagRulePage is one page of rule sets.
type TagRulePage struct {
	TagRules []TagRule `json:"tag_rules"`
	Total    int       `json:"total"`
}

// List returns one page (GET /api/v1/tag_rules/zero_trust/index?offset=&count= [C]).
func (s *TagRulesService) List(ctx context.Context, opts TagRuleListOptions) (TagRulePage, error) {
	var p TagRulePage
	if err := opts.Validate(); err != nil {
		return p, err
	}
	q := url.Values{"offset": {strconv.Itoa(opts.Offset)}, "count": {strconv.Itoa(opts.Count)}}
	err := s.c.do(ctx, call{method: http.MethodGet, path: "/tag_rules/zero_trust/index", query: q, out: &p})
	return p, err
}

// All iterates over every rule set, page by page; an error is yielded last.
func (s *TagRulesService) All(ctx context.Context, opts TagRuleListOptions) iter.Seq2[TagRule, error] {
	return func(yield func(TagRule, error) bool) {
		if err := opts.Validate(); err != nil {
			yield(TagRule{}, err)
			return
		}
		for {
			p, err := s.List(ctx, opts)
			if err != nil {
				yield(TagRule{}, err)
				return
			}
			for _, r := range p.TagRules {
				if !yield(r, nil) {
					return
				}
			}
			opts.Offset += len(p.TagRules)
			if len(p.TagRules) < opts.Count || opts.Offset >= p.Total {
				return
			}
		}
	}
}

// Get finds a rule set by name (sitekit.ErrNotFound when absent).
func (s *TagRulesService) Get(ctx context.Context, name string) (TagRule, error) {
	if err := validateTagName("Name", name); err != nil {
		return TagRule{}, err
	}
	for r, err := range s.All(ctx, TagRuleListOptions{Count: DefaultPageSize}) {
		if err != nil {
			return TagRule{}, err
		}
		if r.Name == name {
			return r, nil
		}
	}
	return TagRule{}, notFound("tag rule set", name)
}

// Create adds a rule set and returns it as stored (read back by name [I]).
func (s *TagRulesService) Create(ctx context.Context, req TagRuleRequest) (TagRule, error) {
	if err := req.Validate(); err != nil {
		return TagRule{}, err
	}
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/tag_rules/zero_trust/create", body: req}); err != nil {
		return TagRule{}, err
	}
	return s.Get(ctx, req.Name)
}

// TagRuleUpdate changes some fields of a rule set; nil fields keep their value.
type TagRuleUpdate struct {
	Tag            *string
	Enabled        *bool
	Comments       *string
	Rules          *[]Rule
	UseCustomLogic *bool
	Logic          *Logic
}

type tagRuleUpdateBody struct {
	ID int `json:"id"`
	TagRuleRequest
}

// Update changes the rule set named name: read, merge u, validate, then
// POST /api/v1/tag_rules/zero_trust/update_one with the whole body [I].
func (s *TagRulesService) Update(ctx context.Context, name string, u TagRuleUpdate) (TagRule, error) {
	if err := validateTagName("Name", name); err != nil {
		return TagRule{}, err
	}
	if err := validateRuleSetChange("Tag", u.Tag, u.Rules); err != nil {
		return TagRule{}, err
	}
	cur, err := s.Get(ctx, name)
	if err != nil {
		return TagRule{}, err
	}
	req := TagRuleRequest{Name: cur.Name, Tag: cur.Tag, Enabled: cur.Enabled, Comments: cur.Comments, Rules: cur.Rules,
		UseCustomLogic: cur.UseCustomLogic, Logic: cur.Logic}
	set(&req.Tag, u.Tag)
	set(&req.Enabled, u.Enabled)
	set(&req.Comments, u.Comments)
	set(&req.Rules, u.Rules)
	set(&req.UseCustomLogic, u.UseCustomLogic)
	if u.Logic != nil {
		req.Logic = u.Logic
	}
	if err := req.Validate(); err != nil {
		return TagRule{}, err
	}
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/tag_rules/zero_trust/update_one", body: tagRuleUpdateBody{cur.ID, req}}); err != nil {
		return TagRule{}, err
	}
	return s.Get(ctx, name)
}

// Delete removes rule set id (DELETE /api/v1/tag_rules/zero_trust/{id}/delete [I]).
func (s *TagRulesService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: rest.Path(rest.Raw("tag_rules/zero_trust"), id, "delete")})
}
