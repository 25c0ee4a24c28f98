package ems

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// ZTNATagsService manages zero-trust tags (/api/v1/tags/zero_trust). EMS evaluates each
// tag's rules on the endpoints and pushes the tags to the FortiGate over the Fabric connector,
// where they become dynamic "ems-tag" addresses used by ZTNA policies.
type ZTNATagsService struct{ c *Client }

// RuleType is the kind of a detection rule. EMS numbers rule types by their position in the
// GUI drop-down, which may change between releases: only ADGroup (1)
// and File (4) are confirmed by a public client; the other values are inferred and must be
// checked against a capture from the target EMS version.
type RuleType int

// Rule types.
const (
	RuleADGroup       RuleType = 1  // content "GROUPS/<name>", DomainName set
	RuleAntivirus     RuleType = 2  // antivirus software running and up to date [inferred]
	RuleCertificate   RuleType = 3  // certificate present [inferred]
	RuleFile          RuleType = 4  // content is a file path
	RuleRegistryKey   RuleType = 5  // inferred
	RuleOSVersion     RuleType = 6  // content e.g. "Windows 11" [inferred]
	RuleRunningProc   RuleType = 7  // inferred
	RuleVulnerability RuleType = 8  // vulnerable-device severity [inferred]
	RuleUserIdentity  RuleType = 9  // inferred
	RuleOnNet         RuleType = 10 // on-fabric status [inferred]
)

var ruleTypeNames = map[RuleType]string{
	RuleADGroup: "ad-group", RuleAntivirus: "antivirus", RuleCertificate: "certificate", RuleFile: "file",
	RuleRegistryKey: "registry-key", RuleOSVersion: "os-version", RuleRunningProc: "running-process",
	RuleVulnerability: "vulnerability", RuleUserIdentity: "user-identity", RuleOnNet: "on-net",
}

// String names the rule type.
func (t RuleType) String() string {
	if n, ok := ruleTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("RuleType(%d)", int(t))
}

// Known reports whether t is one of the rule types above.
func (t RuleType) Known() bool { _, ok := ruleTypeNames[t]; return ok }

// OS is the platform column of a rule, numbered from 1 = Windows in GUI order; the
// other values are inferred.
type OS int

// Platforms.
const (
	OSWindows OS = 1
	OSMac     OS = 2 // inferred
	OSLinux   OS = 3 // inferred
	OSIOS     OS = 4 // inferred
	OSAndroid OS = 5 // inferred
)

// Rule is one detection rule of a tag or tagging rule set.
type Rule struct {
	// ID numbers the rule inside its tag; ids must increase.
	ID       int      `json:"id"`
	Type     RuleType `json:"type"`
	OS       OS       `json:"os"`
	Negative bool     `json:"negative"`
	Content  string   `json:"content"`
	// DomainName qualifies an AD group rule.
	DomainName string `json:"domainName,omitempty"`
	Context    string `json:"context,omitempty"`
	// FCTBased: evaluated by FortiClient on the endpoint.
	FCTBased bool `json:"fct_based,omitempty"`
}

// Logic holds per-platform custom logic, each a JSON string such as
// `{"op":"or","rules":[{"id":1},{"id":2}]}`; nil platforms use the default (all rules).
type Logic struct {
	Windows *string `json:"windows"`
	Mac     *string `json:"mac"`
	Linux   *string `json:"linux"`
	IOS     *string `json:"ios"`
	Android *string `json:"android"`
}

type logicExpr struct {
	Op    string      `json:"op"`
	Rules []logicExpr `json:"rules"`
	ID    int         `json:"id"`
}

// ZTNATag is a zero-trust tag as EMS returns it.
type ZTNATag struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Description is shown to the endpoint user.
	Description string `json:"description"`
	// Comments is the administrator's free text: the blueprint marker lives here.
	Comments       string `json:"comments"`
	Status         bool   `json:"status"`
	Rules          []Rule `json:"rules"`
	UseCustomLogic bool   `json:"use_custom_logic"`
	Logic          *Logic `json:"logic,omitempty"`
}

// ZTNATagRequest is the body of a tag create (POST /api/v1/tags/zero_trust/create).
type ZTNATagRequest struct {
	Name           string `json:"name"`
	Description    string `json:"description"`
	Status         bool   `json:"status"`
	Comments       string `json:"comments"`
	Rules          []Rule `json:"rules"`
	UseCustomLogic bool   `json:"use_custom_logic"`
	Logic          *Logic `json:"logic,omitempty"`
}

// Validate checks the request before any I/O.
func (r ZTNATagRequest) Validate() error {
	if err := validateTagName("Name", r.Name); err != nil {
		return err
	}
	return validateRules(r.Rules, r.UseCustomLogic, r.Logic)
}

func validateTagName(field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return sitekit.Invalid(field, name, "must not be empty")
	case len(name) > 64:
		return sitekit.Invalid(field, name, "must be at most 64 bytes")
	case strings.ContainsAny(name, "\"'<>"):
		return sitekit.Invalid(field, name, `must not contain " ' < or >`)
	}
	return nil
}

func validateRules(rules []Rule, custom bool, logic *Logic) error {
	prev := 0
	ids := map[int]bool{}
	for i, r := range rules {
		f := func(name string) string { return fmt.Sprintf("Rules[%d].%s", i, name) }
		switch {
		case r.ID <= prev:
			return sitekit.Invalid(f("ID"), r.ID, "rule ids must be positive and increasing")
		case !r.Type.Known():
			return sitekit.Invalid(f("Type"), int(r.Type), "unknown rule type")
		case r.OS < OSWindows || r.OS > OSAndroid:
			return sitekit.Invalid(f("OS"), int(r.OS), "must be between 1 (Windows) and 5")
		case strings.TrimSpace(r.Content) == "":
			return sitekit.Invalid(f("Content"), r.Content, "must not be empty")
		case r.Type == RuleADGroup && r.DomainName == "":
			return sitekit.Invalid(f("DomainName"), r.DomainName, "an AD group rule needs its domain")
		}
		prev = r.ID
		ids[r.ID] = true
	}
	if !custom {
		return nil
	}
	if logic == nil {
		return sitekit.Invalid("Logic", nil, "required when UseCustomLogic is set")
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"Windows", logic.Windows}, {"Mac", logic.Mac}, {"Linux", logic.Linux}, {"IOS", logic.IOS}, {"Android", logic.Android}} {
		if p.v == nil {
			continue
		}
		var e logicExpr
		if err := json.Unmarshal([]byte(*p.v), &e); err != nil {
			return sitekit.Invalid("Logic."+p.name, *p.v, "must be a JSON logic expression")
		}
		if id, ok := unknownRule(e, ids); !ok {
			return sitekit.Invalid("Logic."+p.name, *p.v, fmt.Sprintf("refers to unknown rule id %d", id))
		}
	}
	return nil
}

func unknownRule(e logicExpr, ids map[int]bool) (int, bool) {
	if len(e.Rules) == 0 && e.Op == "" {
		return e.ID, ids[e.ID]
	}
	for _, r := range e.Rules {
		if id, ok := unknownRule(r, ids); !ok {
			return id, false
		}
	}
	return 0, true
}

// List returns every tag (GET /api/v1/tags/zero_trust/index → data.tags, one call).
func (s *ZTNATagsService) List(ctx context.Context, opts *ListOptions) ([]ZTNATag, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var data struct {
		Tags []ZTNATag `json:"tags"`
	}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/tags/zero_trust/index", out: &data}); err != nil {
		return nil, err
	}
	if data.Tags == nil {
		data.Tags = []ZTNATag{}
	}
	return data.Tags, nil
}

// All iterates over List's answer.
func (s *ZTNATagsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[ZTNATag, error] {
	return items(func() ([]ZTNATag, error) { return s.List(ctx, opts) })
}

// Find returns the tag called name: sitekit.ErrNotFound when absent.
func (s *ZTNATagsService) Find(ctx context.Context, name string) (ZTNATag, error) {
	if err := validateTagName("Name", name); err != nil {
		return ZTNATag{}, err
	}
	return findOne(s.All(ctx, nil), "ztna tag", name, 0, func(t ZTNATag) bool { return t.Name == name })
}

// Get returns tag id (GET /api/v1/tags/zero_trust/{id}/get).
func (s *ZTNATagsService) Get(ctx context.Context, id int) (ZTNATag, error) {
	var t ZTNATag
	if err := validateID("ID", id); err != nil {
		return t, err
	}
	err := s.c.do(ctx, call{method: http.MethodGet, path: rest.Path(rest.Raw("tags/zero_trust"), id, "get"), out: &t})
	return t, err
}

// Create adds a tag and returns it as stored. A duplicate name matches sitekit.ErrExists.
// The create answer's data is not publicly documented: the tag is read back by name [inferred].
func (s *ZTNATagsService) Create(ctx context.Context, req ZTNATagRequest) (ZTNATag, error) {
	if err := req.Validate(); err != nil {
		return ZTNATag{}, err
	}
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/tags/zero_trust/create", body: req}); err != nil {
		return ZTNATag{}, err
	}
	return s.Find(ctx, req.Name)
}

// ZTNATagUpdate changes some fields of a tag; nil fields keep their value.
type ZTNATagUpdate struct {
	Name           *string
	Description    *string
	Comments       *string
	Status         *bool
	Rules          *[]Rule
	UseCustomLogic *bool
	Logic          *Logic
}

// Validate checks the fields being changed.
func (u ZTNATagUpdate) Validate() error {
	return validateRuleSetChange("Name", u.Name, u.Rules)
}

func (u ZTNATagUpdate) apply(t ZTNATag) ZTNATagRequest {
	r := ZTNATagRequest{Name: t.Name, Description: t.Description, Status: t.Status, Comments: t.Comments,
		Rules: t.Rules, UseCustomLogic: t.UseCustomLogic, Logic: t.Logic}
	set(&r.Name, u.Name)
	set(&r.Description, u.Description)
	set(&r.Comments, u.Comments)
	set(&r.Status, u.Status)
	set(&r.Rules, u.Rules)
	set(&r.UseCustomLogic, u.UseCustomLogic)
	if u.Logic != nil {
		r.Logic = u.Logic
	}
	return r
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

type ztnaTagUpdateBody struct {
	ID int `json:"id"`
	ZTNATagRequest
}

// Update changes tag id: it reads the tag, applies u and sends the whole body to
// POST /api/v1/tags/zero_trust/update_one (the API replaces the tag). It returns the
// updated tag.
func (s *ZTNATagsService) Update(ctx context.Context, id int, u ZTNATagUpdate) (ZTNATag, error) {
	if err := validateID("ID", id); err != nil {
		return ZTNATag{}, err
	}
	if err := u.Validate(); err != nil {
		return ZTNATag{}, err
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return ZTNATag{}, err
	}
	req := u.apply(cur)
	if err := req.Validate(); err != nil {
		return ZTNATag{}, err
	}
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/tags/zero_trust/update_one", body: ztnaTagUpdateBody{id, req}}); err != nil {
		return ZTNATag{}, err
	}
	return s.Get(ctx, id)
}

// Delete removes tag id (DELETE /api/v1/tags/zero_trust/{id}/delete). A tag used by a
// tagging rule set matches sitekit.ErrInUse [inferred].
func (s *ZTNATagsService) Delete(ctx context.Context, id int) error {
	if err := validateID("ID", id); err != nil {
		return err
	}
	return s.c.do(ctx, call{method: http.MethodDelete, path: rest.Path(rest.Raw("tags/zero_trust"), id, "delete")})
}
