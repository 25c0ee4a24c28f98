package ems_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
	"github.com/sitekit/sitekit/ems/emstest"
)

func TestSystem(t *testing.T) {
	_, c := setup(t, emstest.WithVersion("7.2.9"), emstest.WithSeats(100))
	ctx := context.Background()
	v, err := c.System.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, "7.2.9", v)

	l, err := c.System.License(ctx)
	require.NoError(t, err)
	assert.Equal(t, emstest.DefaultSerial, l.SerialNumber)
	assert.Equal(t, 100, l.Seats["epp"])
	assert.Equal(t, 12, l.Used["epp"])
	assert.Equal(t, 88, l.Free("epp"))
	assert.False(t, l.IsTrial)
	require.Len(t, l.Licenses, 1)
	assert.Equal(t, "2099-01-01T00:00:00", l.Licenses[0].ExpiryDate)

	info, err := c.System.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, "EMS-SIM", info.Name)
	assert.Equal(t, 100, info.License.Seats["ztna"])
}

func TestEndpointsPagingAndFilters(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	_, err := c.System.Serial(ctx) // sign in first, so the page count below is exact
	require.NoError(t, err)
	srv.Faults().ResetCounters()

	all, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{PageSize: 5})
	require.NoError(t, err)
	require.Len(t, all, 12)
	assert.Equal(t, 1001, all[0].DeviceID)
	assert.Equal(t, 1012, all[11].DeviceID)
	assert.Equal(t, 3, srv.Faults().Calls("GET /api/v1/endpoints/index"), "pages of 5, 5, 2")
	assert.True(t, all[0].Registered)
	assert.Equal(t, "All Groups/Other Endpoints", all[0].GroupPath)

	// Early stop: the iterator honours yield's false and fetches no further page.
	srv.Faults().ResetCounters()
	n := 0
	for e, err := range c.Endpoints.All(ctx, &ems.EndpointListOptions{PageSize: 4}) {
		require.NoError(t, err)
		n++
		if e.DeviceID == 1002 {
			break
		}
	}
	assert.Equal(t, 2, n)
	assert.Equal(t, 1, srv.Faults().Calls("GET /api/v1/endpoints/index"))

	sum, err := c.Endpoints.Summary(ctx)
	require.NoError(t, err)
	assert.Equal(t, ems.EndpointSummary{Online: 8, OfflineNominal: 4, Managed: 12}, sum)

	// fotoobo's out-of-sync monitor: online endpoints whose profile is not applied.
	outOfSync, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{Connection: ems.ConnectionOnline, Status: ems.StatusOutOfSync})
	require.NoError(t, err)
	assert.Len(t, outOfSync, 2)

	online, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{Connection: "online"})
	require.NoError(t, err)
	assert.Len(t, online, 8)
	for _, e := range online {
		assert.True(t, e.Online)
	}

	one, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{DeviceID: 1010})
	require.NoError(t, err)
	require.Len(t, one, 1)
	assert.Equal(t, "PC-10", one[0].Name)

	d, err := c.Endpoints.Get(ctx, 1005)
	require.NoError(t, err)
	assert.Equal(t, "PC-05", d.Name)
	require.Len(t, d.Groups, 1)
	assert.Equal(t, 2, d.Groups[0].ID)
	assert.Contains(t, string(d.Raw), `"fct_sn"`)

	_, err = c.Endpoints.Get(ctx, 999)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
}

func TestEndpointActions(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	require.NoError(t, c.Endpoints.Quarantine(ctx, 1001, 1002))
	e, _ := srv.Endpoint(1002)
	assert.True(t, e.Quarantined)
	d, err := c.Endpoints.Get(ctx, 1001)
	require.NoError(t, err)
	assert.True(t, d.Quarantined)
	require.NoError(t, c.Endpoints.Unquarantine(ctx, 1001, 1002))
	e, _ = srv.Endpoint(1002)
	assert.False(t, e.Quarantined)
	err = c.Endpoints.Quarantine(ctx, 4242)
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	g, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Compta"})
	require.NoError(t, err)
	require.NoError(t, c.Endpoints.Move(ctx, g.ID, 1003, 1004))
	e, _ = srv.Endpoint(1003)
	assert.Equal(t, g.ID, e.GroupID)
	inGroup, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{GroupID: g.ID})
	require.NoError(t, err)
	assert.Len(t, inGroup, 2)

	require.NoError(t, c.Endpoints.Delete(ctx, 1011))
	require.NoError(t, c.Endpoints.Delete(ctx, 1012))
	require.ErrorIs(t, c.Endpoints.Delete(ctx, 1012), sitekit.ErrNotFound)
	_, ok := srv.Endpoint(1011)
	assert.False(t, ok)
	l, err := c.System.License(ctx)
	require.NoError(t, err)
	assert.Equal(t, 10, l.Used["epp"], "deleting endpoints frees seats")
}

// Group paths and behaviours of the simulator: create as a GET with name and parent_id
// (ems.md §4, QA); full_path "All Groups/…" (ems.md §4: FOT reads full_path); rename and
// delete paths, a duplicate sibling refused (ErrExists), a group holding endpoints or
// subgroups refused (ErrInUse) and built-in groups protected are [inferred].
func TestGroups(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	g, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Technique"})
	require.NoError(t, err)
	assert.Equal(t, ems.RootGroupID, g.ParentID)
	assert.Equal(t, "All Groups/Technique", g.FullPath)

	sub, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Bureau d'etudes", ParentID: g.ID})
	require.NoError(t, err)
	assert.Equal(t, "All Groups/Technique/Bureau d'etudes", sub.FullPath)

	_, err = c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Technique"})
	require.ErrorIs(t, err, sitekit.ErrExists)

	custom, err := c.Groups.List(ctx, &ems.GroupListOptions{CustomOnly: true})
	require.NoError(t, err)
	assert.Len(t, custom, 2)
	all, err := c.Groups.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, all, 4)
	assert.Equal(t, 12, all[0].TotalDevices)

	got, err := c.Groups.Find(ctx, "All Groups/Technique/Bureau d'etudes")
	require.NoError(t, err)
	assert.Equal(t, sub.ID, got.ID)
	_, err = c.Groups.Find(ctx, "Nope")
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	got, err = c.Groups.Get(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, "Bureau d'etudes", got.Name)
	_, err = c.Groups.Get(ctx, 4242)
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	renamed, err := c.Groups.Update(ctx, sub.ID, ems.GroupUpdateRequest{Name: "BE"})
	require.NoError(t, err)
	assert.Equal(t, "All Groups/Technique/BE", renamed.FullPath)
	got, err = c.Groups.Find(ctx, "BE")
	require.NoError(t, err)
	assert.Equal(t, sub.ID, got.ID)

	// The same name under another parent: Find by bare name is ambiguous, by path it is not.
	twin, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "BE"})
	require.NoError(t, err)
	_, err = c.Groups.Find(ctx, "BE")
	require.ErrorIs(t, err, ems.ErrAmbiguousName)
	got, err = c.Groups.Find(ctx, "All Groups/BE")
	require.NoError(t, err)
	assert.Equal(t, twin.ID, got.ID)
	require.NoError(t, c.Groups.Delete(ctx, twin.ID))

	require.NoError(t, c.Endpoints.Move(ctx, sub.ID, 1001))
	err = c.Groups.Delete(ctx, sub.ID)
	require.ErrorIs(t, err, sitekit.ErrInUse)
	err = c.Groups.Delete(ctx, g.ID)
	require.ErrorIs(t, err, sitekit.ErrInUse, "has a subgroup")
	require.NoError(t, c.Endpoints.Move(ctx, 2, 1001))
	require.NoError(t, c.Groups.Delete(ctx, sub.ID))
	require.NoError(t, c.Groups.Delete(ctx, g.ID))
	assert.Len(t, srv.Groups(), 2)
	err = c.Groups.Delete(ctx, 2)
	require.ErrorIs(t, err, sitekit.ErrInvalid, "built-in group")
}

// Profiles as opaque XML: listing, get (default profile without id) and import are QA's
// calls (ems.md §5); the XML is stored untouched; a duplicate name refused is [inferred].
func TestProfiles(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	ps, err := c.Profiles.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "Default", ps[0].Name)

	xml, err := c.Profiles.XML(ctx, 0)
	require.NoError(t, err)
	assert.Contains(t, xml, "<forticlient_configuration>")

	golden := `<?xml version="1.0"?><forticlient_configuration><vpn/></forticlient_configuration>`
	imported, err := c.Profiles.Import(ctx, ems.ProfileImportRequest{Name: "Pessac", XML: golden})
	require.NoError(t, err)
	assert.Equal(t, "Pessac", imported.Name)
	got, ok := srv.ProfileXML("Pessac")
	require.True(t, ok)
	assert.Equal(t, golden, got, "content round-trips untouched")
	p, err := c.Profiles.Find(ctx, "Pessac")
	require.NoError(t, err)
	assert.Equal(t, imported.ID, p.ID)
	byID, err := c.Profiles.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "Pessac", byID.Name)
	xml, err = c.Profiles.XML(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, golden, xml)
	_, err = c.Profiles.Import(ctx, ems.ProfileImportRequest{Name: "Pessac", XML: golden})
	require.ErrorIs(t, err, sitekit.ErrExists)
	_, err = c.Profiles.XML(ctx, 99)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
}

func compliantTag(site string) ems.ZTNATagRequest {
	logic := `{"op":"or","rules":[{"id":1},{"id":2}]}`
	return ems.ZTNATagRequest{
		Name: "ZT-Compta-Compliant", Description: "Poste conforme", Status: true, Comments: sitekit.Marker(site),
		Rules: []ems.Rule{
			{ID: 1, Type: ems.RuleADGroup, OS: ems.OSWindows, Content: "GROUPS/Compta", DomainName: "corp.local", FCTBased: true},
			{ID: 2, Type: ems.RuleFile, OS: ems.OSWindows, Content: `C:\ProgramData\marker.txt`},
		},
		UseCustomLogic: true, Logic: &ems.Logic{Windows: &logic},
	}
}

// ZTNA tags: create, index, {id}/get, update_one (the whole body plus id) and {id}/delete
// (ems.md §6: ZT, SOAR); a duplicate name refused (ErrExists) and an unknown id answering
// 404 are [inferred].
func TestZTNATags(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	tag, err := c.ZTNATags.Create(ctx, compliantTag("pessac"))
	require.NoError(t, err)
	assert.Positive(t, tag.ID)
	site, ok := sitekit.ParseMarker(tag.Comments)
	assert.True(t, ok)
	assert.Equal(t, "pessac", site)
	require.Len(t, tag.Rules, 2)
	assert.Equal(t, ems.RuleFile, tag.Rules[1].Type)
	require.NotNil(t, tag.Logic)
	require.NotNil(t, tag.Logic.Windows)

	_, err = c.ZTNATags.Create(ctx, compliantTag("pessac"))
	require.ErrorIs(t, err, sitekit.ErrExists)

	desc := "Poste conforme (Compta)"
	upd, err := c.ZTNATags.Update(ctx, tag.ID, ems.ZTNATagUpdate{Description: &desc})
	require.NoError(t, err)
	assert.Equal(t, desc, upd.Description)
	assert.Len(t, upd.Rules, 2, "partial update keeps the rules")
	assert.Equal(t, tag.Comments, upd.Comments)

	ts, err := c.ZTNATags.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, ts, 1)
	require.NoError(t, c.ZTNATags.Delete(ctx, tag.ID))
	assert.Empty(t, srv.Tags())
	_, err = c.ZTNATags.Find(ctx, tag.Name)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	_, err = c.ZTNATags.Get(ctx, tag.ID)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
	err = c.ZTNATags.Delete(ctx, tag.ID)
	require.ErrorIs(t, err, sitekit.ErrNotFound)
}

// Tagging rule sets: index paged with offset/count (ems.md §6: SOAR) and create (UMB
// importer); the body fields, update_one, {id}/delete, a rule set naming an unknown tag
// refused (ErrNotFound) and a tag in use by a rule set refused (ErrInUse) are [inferred].
func TestTagRules(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	tag, err := c.ZTNATags.Create(ctx, ems.ZTNATagRequest{Name: "AV-Running", Status: true,
		Rules: []ems.Rule{{ID: 1, Type: ems.RuleAntivirus, OS: ems.OSWindows, Content: "running"}}})
	require.NoError(t, err)

	rule := func(name string) ems.TagRuleRequest {
		return ems.TagRuleRequest{Name: name, Tag: tag.Name, Enabled: true, Comments: sitekit.Marker("pessac"),
			Rules: []ems.Rule{{ID: 1, Type: ems.RuleOSVersion, OS: ems.OSWindows, Content: "Windows 11"}}}
	}
	var second ems.TagRule
	for _, n := range []string{"Patched-1", "Patched-2", "Patched-3"} {
		r, err := c.TagRules.Create(ctx, rule(n))
		require.NoError(t, err)
		assert.Equal(t, n, r.Name)
		if n == "Patched-2" {
			second = r
		}
	}
	srv.Faults().ResetCounters()
	var names []string
	for r, err := range c.TagRules.All(ctx, &ems.ListOptions{PageSize: 2}) {
		require.NoError(t, err)
		names = append(names, r.Name)
		assert.Equal(t, tag.Name, r.Tag)
	}
	assert.Equal(t, []string{"Patched-1", "Patched-2", "Patched-3"}, names)
	assert.Equal(t, 2, srv.Faults().Calls("GET /api/v1/tag_rules/zero_trust/index"))

	// A rule set naming a tag EMS does not have: refused by EMS.
	bad := rule("Ghost")
	bad.Tag = "No-Such-Tag"
	_, err = c.TagRules.Create(ctx, bad)
	require.ErrorIs(t, err, sitekit.ErrNotFound)

	off := false
	upd, err := c.TagRules.Update(ctx, second.ID, ems.TagRuleUpdate{Enabled: &off})
	require.NoError(t, err)
	assert.False(t, upd.Enabled)
	assert.Equal(t, sitekit.Marker("pessac"), upd.Comments)

	err = c.ZTNATags.Delete(ctx, tag.ID)
	require.ErrorIs(t, err, sitekit.ErrInUse, "a tag used by rule sets")
	for _, r := range srv.TagRules() {
		require.NoError(t, c.TagRules.Delete(ctx, r.ID))
	}
	require.NoError(t, c.ZTNATags.Delete(ctx, tag.ID))
}

// FortiGates: client_certificates/index with cn = serial, PATCH {id}/set {"authorized"} and
// {id}/delete (ems.md §7: QA); the name and authorized fields of the listing are [inferred].
func TestFortiGates(t *testing.T) {
	var authorized []string
	srv, c := setup(t, emstest.WithAuthorizeHook(func(serial string, ok bool) {
		if ok {
			authorized = append(authorized, serial)
		}
	}))
	ctx := context.Background()
	_, err := c.FortiGates.Authorize(ctx, "FGT60FTK00000001")
	require.ErrorIs(t, err, sitekit.ErrNotFound, "not connected yet")

	srv.AddPendingFortiGate("FGT60FTK00000001", "fw-pessac")
	srv.AddPendingFortiGate("FGT40FTK00000009", "fw-other")
	pending, err := c.FortiGates.List(ctx, &ems.FortiGateListOptions{Pending: true})
	require.NoError(t, err)
	require.Len(t, pending, 2)
	assert.Equal(t, "FGT60FTK00000001", pending[0].CN)

	f, err := c.FortiGates.Authorize(ctx, "fgt60ftk00000001")
	require.NoError(t, err)
	assert.True(t, f.Authorized)
	assert.True(t, srv.IsAuthorized("FGT60FTK00000001"))
	assert.Equal(t, []string{"FGT60FTK00000001"}, authorized)

	_, err = c.FortiGates.Authorize(ctx, "FGT60FTK00000001")
	require.NoError(t, err, "idempotent")
	assert.Len(t, authorized, 1, "no second PATCH")
	pending, err = c.FortiGates.List(ctx, &ems.FortiGateListOptions{Pending: true})
	require.NoError(t, err)
	assert.Len(t, pending, 1)

	require.NoError(t, c.FortiGates.SetAuthorized(ctx, f.ID, false))
	assert.False(t, srv.IsAuthorized("FGT60FTK00000001"))
	require.NoError(t, c.FortiGates.Delete(ctx, pending[0].ID))
	assert.Len(t, srv.FortiGates(), 1)
}

// TestBadInputSendsNothing: local validation fails with a field-named error before any I/O
// (not even a sign-in).
func TestBadInputSendsNothing(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	unknownType := compliantTag("x")
	unknownType.Rules[1].Type = 99
	unknownLogicRule := compliantTag("x")
	l := `{"op":"and","rules":[{"id":1},{"id":7}]}`
	unknownLogicRule.Logic = &ems.Logic{Windows: &l}
	cases := []struct {
		field string
		call  func() error
	}{
		{"Name", func() error { _, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: ""}); return err }},
		{"Name", func() error { _, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "a/b"}); return err }},
		{"Name", func() error { _, err := c.Groups.Update(ctx, 5, ems.GroupUpdateRequest{Name: " "}); return err }},
		{"PageSize", func() error { _, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{PageSize: -1}); return err }},
		{"PageSize", func() error {
			_, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{PageSize: ems.MaxPageSize + 1})
			return err
		}},
		{"PageSize", func() error { _, err := c.TagRules.List(ctx, &ems.ListOptions{PageSize: -1}); return err }},
		{"GroupID", func() error { _, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{GroupID: -1}); return err }},
		{"Status", func() error { _, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{Status: "insync"}); return err }},
		{"Connection", func() error { _, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{Connection: "up"}); return err }},
		{"Management", func() error { _, err := c.Endpoints.List(ctx, &ems.EndpointListOptions{Management: "x"}); return err }},
		{"ID", func() error { _, err := c.Groups.Get(ctx, 0); return err }},
		{"Rules[1].Type", func() error { _, err := c.ZTNATags.Create(ctx, unknownType); return err }},
		{"Logic.Windows", func() error { _, err := c.ZTNATags.Create(ctx, unknownLogicRule); return err }},
		{"Tag", func() error {
			_, err := c.TagRules.Create(ctx, ems.TagRuleRequest{Name: "r", Rules: compliantTag("x").Rules})
			return err
		}},
		{"Rules", func() error { _, err := c.TagRules.Create(ctx, ems.TagRuleRequest{Name: "r", Tag: "t"}); return err }},
		{"Rules[1].ID", func() error {
			rs := []ems.Rule{{ID: 2, Type: ems.RuleFile, OS: 1, Content: "x"}, {ID: 1, Type: ems.RuleFile, OS: 1, Content: "y"}}
			_, err := c.ZTNATags.Update(ctx, 1, ems.ZTNATagUpdate{Rules: &rs})
			return err
		}},
		{"DeviceIDs", func() error { return c.Endpoints.Quarantine(ctx) }},
		{"DeviceIDs[1]", func() error { return c.Endpoints.Quarantine(ctx, 1001, -3) }},
		{"DeviceID", func() error { return c.Endpoints.Delete(ctx, 0) }},
		{"GroupID", func() error { return c.Endpoints.Move(ctx, 0, 1001) }},
		{"ID", func() error { return c.FortiGates.SetAuthorized(ctx, 0, true) }},
		{"Serial", func() error { _, err := c.FortiGates.Authorize(ctx, ""); return err }},
		{"XML", func() error {
			_, err := c.Profiles.Import(ctx, ems.ProfileImportRequest{Name: "p", XML: "{}"})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call()
		var fe *sitekit.FieldError
		if assert.ErrorAs(t, err, &fe, tc.field) {
			assert.Equal(t, tc.field, fe.Field)
			assert.ErrorIs(t, err, sitekit.ErrInvalid)
		}
	}
	// The iterator reports the same error as its only element.
	for _, err := range c.Endpoints.All(ctx, &ems.EndpointListOptions{PageSize: -1}) {
		require.ErrorIs(t, err, sitekit.ErrInvalid)
	}
	assert.Zero(t, srv.Faults().TotalCalls(), "no request reached the simulator: %v", srv.Faults().CallCounts())
}

func TestErrorsAreTyped(t *testing.T) {
	_, c := setup(t)
	_, err := c.Endpoints.Get(context.Background(), 77)
	ae, ok := errors.AsType[*ems.APIError](err)
	require.True(t, ok)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.Equal(t, -2, ae.RetVal)
	assert.True(t, strings.HasPrefix(ae.Error(), "ems: GET "), ae.Error())
	assert.Equal(t, "/api/v1/endpoints/device/77/details", ae.Path)
	assert.Contains(t, ae.Error(), "does not exist")
}
