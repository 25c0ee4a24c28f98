package blueprint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/fortigate"
)

// emsNames are the names of the site's EMS objects. EMS groups have no free-text field:
// their name ("<site>-<vlan>") is their identity and marker.
type emsNames struct{ site string }

func (n emsNames) group(vlan string) string { return n.site + "-" + vlan }
func (n emsNames) tag() string              { return n.site + "-compliant" }
func (n emsNames) tagRule() string          { return n.site + "-compliance" }

// complianceRules are the detection rules of the "compliant" ZTNA tag: antivirus running
// and up to date, and no high-severity vulnerability (OS patched). Rule type numbers are
// the EMS GUI order (see ems.RuleType: AV and vulnerability are inferred values).
func complianceRules() []ems.Rule {
	return []ems.Rule{
		{ID: 1, Type: ems.RuleAntivirus, OS: ems.OSWindows, Content: "AV software is installed and running"},
		{ID: 2, Type: ems.RuleVulnerability, OS: ems.OSWindows, Negative: true, Content: "High"},
	}
}

// emsTagState is the compared part of a ZTNA tag or tagging rule set.
type emsTagState struct {
	Name     string     `json:"name"`
	Tag      string     `json:"tag,omitempty"`
	Comments string     `json:"comments"`
	Enabled  bool       `json:"enabled"`
	Rules    []ems.Rule `json:"rules"`
}

// emsFGTState is the desired state of the FortiGate on EMS.
type emsFGTState struct {
	Serial     string `json:"serial"`
	Authorized bool   `json:"authorized"`
}

// ems adds the EMS resources: one endpoint group per department (user VLANs), the
// "compliant" ZTNA tag and its tagging rule set (AV running, OS patched), and the site's
// FortiGate authorized on the Fabric.
func (b *build) ems() error {
	e := b.conns.EMS
	n := emsNames{b.site.Name}
	groups := &obj[ems.Group]{app: appEMS, kind: "group", collection: "workgroups",
		list: func(ctx context.Context) ([]ems.Group, error) { return e.Groups.List(ctx, nil) },
		name: func(g ems.Group) string { return g.Name },
		managed: func(_ context.Context, _ *engine.Reader, g ems.Group) (bool, error) {
			return strings.HasPrefix(g.Name, b.site.Name+"-") && (g.ParentID == ems.RootGroupID || g.ParentID == 0), nil
		},
		norm: func(g ems.Group) ems.Group { return ems.Group{Name: g.Name} },
		create: func(ctx context.Context, w ems.Group) (engine.Outputs, error) {
			_, err := e.Groups.Create(ctx, ems.GroupCreateRequest{Name: w.Name})
			return nil, err
		},
		update: func(context.Context, ems.Group, ems.Group) (engine.Outputs, error) { return nil, nil },
		del:    func(ctx context.Context, c ems.Group) error { return e.Groups.Delete(ctx, c.ID) },
	}
	for _, v := range b.site.Network.ByRole(RoleUsers) {
		b.add(groups.resource(b, n.group(v.Name), ems.Group{Name: n.group(v.Name)}, nil, nil))
	}

	tagState := func(t ems.ZTNATag) emsTagState {
		return emsTagState{Name: t.Name, Comments: t.Comments, Enabled: t.Status, Rules: t.Rules}
	}
	tags := &obj[ems.ZTNATag]{app: appEMS, kind: "ztna-tag", collection: "tags/zero_trust",
		list: func(ctx context.Context) ([]ems.ZTNATag, error) { return e.ZTNATags.List(ctx, nil) },
		name: func(t ems.ZTNATag) string { return t.Name },
		managed: func(_ context.Context, _ *engine.Reader, t ems.ZTNATag) (bool, error) {
			return hasMarker(t.Comments, b.site.Name), nil
		},
		diff: func(w, c ems.ZTNATag) []string { return engine.DiffJSON(tagState(w), tagState(c)) },
		create: func(ctx context.Context, w ems.ZTNATag) (engine.Outputs, error) {
			_, err := e.ZTNATags.Create(ctx, ems.ZTNATagRequest{Name: w.Name, Description: w.Description, Status: w.Status,
				Comments: w.Comments, Rules: w.Rules})
			return engine.Outputs{"name": w.Name}, err
		},
		update: func(ctx context.Context, w, c ems.ZTNATag) (engine.Outputs, error) {
			_, err := e.ZTNATags.Update(ctx, c.ID, ems.ZTNATagUpdate{Description: &w.Description, Comments: &w.Comments,
				Status: &w.Status, Rules: &w.Rules})
			return engine.Outputs{"name": w.Name}, err
		},
		outputs: func(t ems.ZTNATag) engine.Outputs { return engine.Outputs{"name": t.Name} },
		del:     func(ctx context.Context, c ems.ZTNATag) error { return e.ZTNATags.Delete(ctx, c.ID) },
		provide: []string{"name"},
	}
	tag := ems.ZTNATag{Name: n.tag(), Description: "Antivirus running and OS patched: may reach the ERP through ZTNA",
		Comments: b.marker, Status: true, Rules: complianceRules()}
	b.add(tags.resource(b, n.tag(), tag, nil, nil))

	ruleState := func(t ems.TagRule) emsTagState {
		return emsTagState{Name: t.Name, Tag: t.Tag, Comments: t.Comments, Enabled: t.Enabled, Rules: t.Rules}
	}
	rules := &obj[ems.TagRule]{app: appEMS, kind: "tag-rule", collection: "tag_rules/zero_trust",
		list: func(ctx context.Context) ([]ems.TagRule, error) {
			var out []ems.TagRule
			for r, err := range e.TagRules.All(ctx, &ems.ListOptions{PageSize: ems.MaxPageSize}) {
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		},
		name: func(t ems.TagRule) string { return t.Name },
		managed: func(_ context.Context, _ *engine.Reader, t ems.TagRule) (bool, error) {
			return hasMarker(t.Comments, b.site.Name), nil
		},
		diff: func(w, c ems.TagRule) []string { return engine.DiffJSON(ruleState(w), ruleState(c)) },
		create: func(ctx context.Context, w ems.TagRule) (engine.Outputs, error) {
			_, err := e.TagRules.Create(ctx, ems.TagRuleRequest{Name: w.Name, Tag: w.Tag, Enabled: w.Enabled, Comments: w.Comments, Rules: w.Rules})
			return nil, err
		},
		update: func(ctx context.Context, w, c ems.TagRule) (engine.Outputs, error) {
			_, err := e.TagRules.Update(ctx, c.ID, ems.TagRuleUpdate{Tag: &w.Tag, Enabled: &w.Enabled, Comments: &w.Comments, Rules: &w.Rules})
			return nil, err
		},
		del: func(ctx context.Context, c ems.TagRule) error { return e.TagRules.Delete(ctx, c.ID) },
	}
	b.add(rules.resource(b, n.tagRule(), ems.TagRule{Name: n.tagRule(), Tag: n.tag(), Enabled: true, Comments: b.marker,
		Rules: complianceRules()}, nil, nil, keyEMSTag(n.tag())))
	for _, o := range []interface{ lister(*build) }{tags, rules} {
		o.lister(b)
	}

	if b.conns.FortiGate != nil {
		b.emsAuthorizeFortiGate()
	}
	return nil
}

// The FortiGate authorization waits up to emsJoinWait for the FortiGate to appear on EMS,
// checking every emsJoinInterval.
var (
	emsJoinWait     = 2 * time.Minute
	emsJoinInterval = 5 * time.Second
)

// errFortiGatePending is returned while the FortiGate has not yet connected to EMS.
var errFortiGatePending = errors.New("the FortiGate has not connected to EMS yet (its EMS connector must reach EMS first)")

// emsAuthorizeFortiGate authorizes the site's FortiGate (by serial number, read from the
// FortiGate itself) on EMS, once its connector has connected. The record is the
// FortiGate's own: destroy de-authorizes it.
func (b *build) emsAuthorizeFortiGate() {
	e, fgt := b.conns.EMS, b.conns.FortiGate
	serial := func(ctx context.Context, r *engine.Reader) (string, error) {
		st, err := engine.ListAs(ctx, r, appFortiGate, "monitor/system/status", func(ctx context.Context) (fortigate.SystemStatus, error) {
			s, err := fgt.Monitor.Status(ctx)
			return s, classify(err)
		})
		return st.Serial, err
	}
	find := func(ctx context.Context, r *engine.Reader, sn string) (ems.FortiGate, bool, error) {
		all, err := engine.ListAs(ctx, r, appEMS, "client_certificates", func(ctx context.Context) ([]ems.FortiGate, error) {
			v, err := e.FortiGates.List(ctx, nil)
			return v, classify(err)
		})
		if err != nil {
			return ems.FortiGate{}, false, err
		}
		i := slices.IndexFunc(all, func(f ems.FortiGate) bool { return strings.EqualFold(f.CN, sn) })
		if i < 0 {
			return ems.FortiGate{}, false, nil
		}
		return all[i], true, nil
	}
	b.reads(appFortiGate, "monitor/system/status")
	b.reads(appEMS, "client_certificates")
	var after []engine.Key
	for _, k := range []engine.Key{engine.K(appFortiGate, "ems-connector", fgNames{b.site.Name}.emsConnector())} {
		if _, ok := b.g.Resource(k); ok {
			after = append(after, k)
		}
	}
	authorize := func(ctx context.Context) (engine.Outputs, error) {
		st, err := fgt.Monitor.Status(ctx)
		if err != nil {
			return nil, classify(err)
		}
		// The FortiGate's connector (created just before) takes a moment to reach EMS and
		// appear as pending: poll for it.
		deadline := time.Now().Add(emsJoinWait)
		f, err := e.FortiGates.Authorize(ctx, st.Serial)
		if errors.Is(err, sitekit.ErrNotFound) {
			engine.Report(ctx, "waiting for the FortiGate %s to connect to EMS through its connector (at most %s)", st.Serial, emsJoinWait)
		}
		for errors.Is(err, sitekit.ErrNotFound) && time.Now().Before(deadline) {
			t := time.NewTimer(emsJoinInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			f, err = e.FortiGates.Authorize(ctx, st.Serial)
		}
		if errors.Is(err, sitekit.ErrNotFound) {
			return nil, fmt.Errorf("ems authorization failed: waited %s for FortiGate %s to connect, which never happened: %w", emsJoinWait, st.Serial, errFortiGatePending)
		}
		if err != nil {
			return nil, classify(err)
		}
		return engine.Outputs{"serial": f.CN}, nil
	}
	b.add(&engine.Func[emsFGTState]{
		ID: keyEMSFortiGate(b.site.Name), After: after, Provides: []string{"serial"}, Duration: estimates[appEMS],
		WantFn: func(engine.Inputs) emsFGTState { return emsFGTState{Authorized: true} },
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			sn, err := serial(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			f, ok, err := find(ctx, r, sn)
			if err != nil || !ok || !f.Authorized {
				return engine.NotFound(), err
			}
			return engine.Found(emsFGTState{Authorized: true}, true, engine.Outputs{"serial": f.CN}), nil
		},
		OnCreate: func(ctx context.Context, _ emsFGTState) (engine.Outputs, error) { return authorize(ctx) },
		OnUpdate: func(ctx context.Context, _ emsFGTState, _ engine.Observed) (engine.Outputs, error) {
			return authorize(ctx)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			sn, _ := cur.Outputs["serial"].(string)
			f, err := e.FortiGates.Find(ctx, sn)
			if errors.Is(err, sitekit.ErrNotFound) {
				return nil
			}
			if err != nil {
				return classify(err)
			}
			return classify(e.FortiGates.SetAuthorized(ctx, f.ID, false))
		},
	})
}
