package ems

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/lenient"
	"github.com/sitekit/sitekit/internal/rest"
)

// TagRulesService manages zero-trust tagging rule sets (/api/v1/tag_rules/zero_trust): each
// set tags the endpoints matching its rules with an existing ZTNA tag. Listing and
// create are confirmed paths; the body fields, the listing's "tag_rules"
// member, update_one and {id}/delete are inferred from the tags family.
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

// tagRulePage is one page of GET /api/v1/tag_rules/zero_trust/index: data {tag_rules, total}.
type tagRulePage struct {
	TagRules []TagRule   `json:"tag_rules"`
	Total    lenient.Int `json:"total"`
}

// List returns every rule set (GET /api/v1/tag_rules/zero_trust/index?offset=&count=, one
// call per page of opts.PageSize).
func (s *TagRulesService) List(ctx context.Context, opts *ListOptions) ([]TagRule, error) {
	return collect(s.All(ctx, opts))
}

// All iterates over the rule sets one page at a time; an error is yielded last.
func (s *TagRulesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[TagRule, error] {
	if err := opts.Validate(); err != nil {
		return items(func() ([]TagRule, error) { return nil, err })
	}
	return paged(opts.pageSize(), func(offset, count int) ([]TagRule, int, error) {
		var p tagRulePage
		q := url.Values{"offset": {strconv.Itoa(offset)}, "count": {strconv.Itoa(count)}}
		err := s.c.do(ctx, call{method: http.MethodGet, path: "/tag_rules/zero_trust/index", query: q, out: &p})
		return p.TagRules, int(p.Total), err
	})
}

// Get returns rule set id, found in the listing (EMS has no call reading one rule set). An
// unknown id matches sitekit.ErrNotFound.
func (s *TagRulesService) Get(ctx context.Context, id int) (TagRule, error) {
	if err := validateID("ID", id); err != nil {
		return TagRule{}, err
	}
	return findOne(s.All(ctx, nil), "tag rule set", "", id, func(r TagRule) bool { return r.ID == id })
}

// Find returns the rule set called name: sitekit.ErrNotFound when absent.
func (s *TagRulesService) Find(ctx context.Context, name string) (TagRule, error) {
	if err := validateTagName("Name", name); err != nil {
		return TagRule{}, err
	}
	return findOne(s.All(ctx, nil), "tag rule set", name, 0, func(r TagRule) bool { return r.Name == name })
}

// Create adds a rule set and returns it as stored (read back by name [inferred]).
func (s *TagRulesService) Create(ctx context.Context, req TagRuleRequest) (TagRule, error) {
	if err := req.Validate(); err != nil {
		return TagRule{}, err
	}
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/tag_rules/zero_trust/create", body: req}); err != nil {
		return TagRule{}, err
	}
	return s.Find(ctx, req.Name)
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

// Update changes rule set id: it reads the set, applies u, validates, then sends the whole
// body to POST /api/v1/tag_rules/zero_trust/update_one [inferred from the tags family]. It
// returns the set after the update.
func (s *TagRulesService) Update(ctx context.Context, id int, u TagRuleUpdate) (TagRule, error) {
	if err := validateID("ID", id); err != nil {
		return TagRule{}, err
	}
	if err := validateRuleSetChange("Tag", u.Tag, u.Rules); err != nil {
		return TagRule{}, err
	}
	cur, err := s.Get(ctx, id)
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
	return s.Get(ctx, id)
}

// Delete removes rule set id (DELETE /api/v1/tag_rules/zero_trust/{id}/delete [inferred]).
func (s *TagRulesService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: rest.Path(rest.Raw("tag_rules/zero_trust"), id, "delete")})
}
