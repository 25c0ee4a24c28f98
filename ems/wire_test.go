package ems_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/ems"
)

// Wire-level tests: the client talks to a plain httptest mux (not the simulator) that checks
// the method, path, query, headers and body of each request and answers with the shapes
// public EMS clients read. EMS publishes no API document: the bodies below are copied from
// the research notes on those clients (fotoobo's test mocks, the FortiSOAR connector, the
// ZTNA tag scripts), cited beside each.

const (
	wireUser = "apiadmin"
	wirePass = "wire-secret"
	wireCSRF = "csrf0123456789abcdef0123456789ab"
	wireSess = "sess0123456789abcdef0123456789ab"
)

type wireEMS struct {
	t       *testing.T
	mux     *http.ServeMux
	c       *ems.Client
	signins atomic.Int32
}

// wire returns a client of a plain httptest server whose mux answers the sign-in (fotoobo's
// mock: 200 {"result":{"retval":1,"message":"Login successful."}} with the csrftoken and
// sessionid cookies) and checks the session headers of every other call.
func wire(t *testing.T) *wireEMS {
	t.Helper()
	w := &wireEMS{t: t, mux: http.NewServeMux()}
	w.mux.HandleFunc("/api/v1/auth/signin", func(rw http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(r.Body)
		// fotoobo's test asserts exactly this body.
		assert.JSONEq(t, `{"name":"apiadmin","password":"wire-secret"}`, string(body))
		w.signins.Add(1)
		http.SetCookie(rw, &http.Cookie{Name: "csrftoken", Value: wireCSRF, Path: "/"})
		http.SetCookie(rw, &http.Cookie{Name: "sessionid", Value: wireSess, Path: "/", HttpOnly: true})
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"result":{"retval":1,"message":"Login successful."}}`))
	})
	srv := httptest.NewServer(w.mux)
	t.Cleanup(srv.Close)
	c, err := ems.New(srv.URL, sitekit.WithCredentials(wireUser, sitekit.NewSecret(wirePass)),
		sitekit.WithRetry(sitekit.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	w.c = c
	return w
}

// handle answers method path with body after checking the query, the JSON request body
// (wantBody "" for none) and the session headers every call carries.
func (w *wireEMS) handle(method, path string, query url.Values, wantBody, answer string) {
	w.mux.HandleFunc(path, func(rw http.ResponseWriter, r *http.Request) {
		t := w.t
		assert.Equal(t, method, r.Method, path)
		if query == nil {
			query = url.Values{}
		}
		assert.Equal(t, query, r.URL.Query(), path)
		body, _ := io.ReadAll(r.Body)
		if wantBody == "" {
			assert.Empty(t, body, path)
		} else {
			assert.JSONEq(t, wantBody, string(body), path)
		}
		for _, c := range []string{"csrftoken", "sessionid"} {
			ck, err := r.Cookie(c)
			if assert.NoError(t, err, "%s: cookie %s", path, c) {
				assert.Equal(t, map[string]string{"csrftoken": wireCSRF, "sessionid": wireSess}[c], ck.Value)
			}
		}
		assert.Equal(t, wireCSRF, r.Header.Get("X-CSRFToken"), path)
		assert.Equal(t, "2", r.Header.Get("Ems-Call-Type"), path)
		assert.Equal(t, "http://"+r.Host+"/", r.Header.Get("Referer"), "same-origin Referer")
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(answer))
	})
}

const okResult = `"result":{"retval":1,"message":"Success."}`

func TestWireSerialAndSessionExpiry(t *testing.T) {
	w := wire(t)
	var calls atomic.Int32
	w.mux.HandleFunc("/api/v1/system/serial_number", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			// fotoobo's mock of an expired session.
			rw.WriteHeader(http.StatusUnauthorized)
			_, _ = rw.Write([]byte(`{"result":{"retval":-4,"message":"Session has expired or does not exist."}}`))
			return
		}
		_, _ = rw.Write([]byte(`{"result":{"retval":1,"message":"Serial number retrieved."},"data":"FCTEMS0000000000"}`))
	})
	sn, err := w.c.System.Serial(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "FCTEMS0000000000", sn)
	assert.Equal(t, int32(2), w.signins.Load(), "signed in again after the expired session")
	assert.Equal(t, int32(2), calls.Load(), "the call is replayed once")
}

func TestWireVersionAndLicense(t *testing.T) {
	w := wire(t)
	// fotoobo get_version: data.System.VERSION.
	w.handle(http.MethodGet, "/api/v1/system/consts/get", url.Values{"system_update_time": {"1"}}, "",
		`{`+okResult+`,"data":{"System":{"VERSION":"7.2.4"}}}`)
	// license/get fields of the FOT and PHP clients.
	w.handle(http.MethodGet, "/api/v1/license/get", nil, "",
		`{`+okResult+`,"data":{"sn":"FCTEMS0000000000","hid":"H","seats":{"epp":100,"ztna":"50"},"future_seats":{},
		"licenses":[{"type":"epp","start_date":"2024-01-01T00:00:00","expiry_date":"2099-01-01T00:00:00"}],
		"is_trial":false,"license_ver":2,"future_ver":0,"error":null,"vdom_seats":0,"used":{"epp":12}}}`)
	v, err := w.c.System.Version(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "7.2.4", v)
	l, err := w.c.System.License(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 88, l.Free("epp"))
	assert.Equal(t, 50, l.Seats["ztna"], "seat counts as strings are read")
	assert.Equal(t, "2099-01-01T00:00:00", l.Licenses[0].ExpiryDate)
}

func TestWireEndpointsPagedWithFilters(t *testing.T) {
	w := wire(t)
	w.mux.HandleFunc("/api/v1/endpoints/index", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "outofsync", q.Get("status"), "fotoobo's out-of-sync monitor filter")
		assert.Equal(t, "online", q.Get("connection"))
		assert.Equal(t, "7", q.Get("group_id"))
		assert.Equal(t, "managed", q.Get("management"))
		assert.Equal(t, "2", q.Get("count"))
		rw.Header().Set("Content-Type", "application/json")
		// data {endpoints, total}; flags as 1/0, last_seen in epoch seconds.
		switch q.Get("offset") {
		case "0":
			_, _ = rw.Write([]byte(`{` + okResult + `,"data":{"endpoints":[
				{"device_id":11,"name":"PC-11","is_ems_online":1,"is_quarantined":0,"last_seen":1767225600},
				{"device_id":12,"name":"PC-12","is_ems_online":1,"is_quarantined":1,"last_seen":1767225601}],"total":3}}`))
		case "2":
			_, _ = rw.Write([]byte(`{` + okResult + `,"data":{"endpoints":[{"device_id":13,"name":"PC-13","is_ems_online":1}],"total":3}}`))
		default:
			t.Errorf("unexpected offset %q", q.Get("offset"))
		}
	})
	es, err := w.c.Endpoints.List(t.Context(), &ems.EndpointListOptions{Status: ems.StatusOutOfSync,
		Connection: ems.ConnectionOnline, Management: ems.ManagementManaged, GroupID: 7, PageSize: 2})
	require.NoError(t, err)
	require.Len(t, es, 3)
	assert.Equal(t, []int{11, 12, 13}, []int{es[0].DeviceID, es[1].DeviceID, es[2].DeviceID})
	assert.True(t, es[1].Quarantined)
	assert.Equal(t, int64(1767225601), es[1].LastSeen)
}

func TestWireEndpointActions(t *testing.T) {
	w := wire(t)
	// SOAR 2024: POST clients/quarantine {"ids":[…]}; QA: DELETE devices/delete?ids=;
	// QA: GET workgroups/move/?id_list=&group_id=.
	w.handle(http.MethodPost, "/api/v1/clients/quarantine", nil, `{"ids":[11,12]}`, `{`+okResult+`}`)
	w.handle(http.MethodPost, "/api/v1/clients/unquarantine", nil, `{"ids":[11]}`, `{`+okResult+`}`)
	w.handle(http.MethodDelete, "/api/v1/devices/delete", url.Values{"ids": {"13"}}, "", `{`+okResult+`}`)
	w.handle(http.MethodGet, "/api/v1/workgroups/move/", url.Values{"id_list": {"11,12"}, "group_id": {"7"}}, "", `{`+okResult+`}`)
	ctx := t.Context()
	require.NoError(t, w.c.Endpoints.Quarantine(ctx, 11, 12))
	require.NoError(t, w.c.Endpoints.Unquarantine(ctx, 11))
	require.NoError(t, w.c.Endpoints.Delete(ctx, 13))
	require.NoError(t, w.c.Endpoints.Move(ctx, 7, 11, 12))
}

func TestWireGroups(t *testing.T) {
	w := wire(t)
	// workgroups/index answers a bare array (FOT, PHP); create is a GET with query
	// parameters, parent 1 = "All Groups" (QA).
	w.handle(http.MethodGet, "/api/v1/workgroups/index", url.Values{"custom": {"false"}}, "",
		`{`+okResult+`,"data":[{"id":1,"name":"All Groups","total_devices":3},
		{"id":7,"name":"Compta","parent_id":1,"full_path":"All Groups/Compta","total_devices":"2"}]}`)
	w.handle(http.MethodGet, "/api/v1/workgroups/create", url.Values{"name": {"Compta"}, "parent_id": {"1"}}, "", `{`+okResult+`}`)
	g, err := w.c.Groups.Create(t.Context(), ems.GroupCreateRequest{Name: "Compta"})
	require.NoError(t, err)
	assert.Equal(t, 7, g.ID, "read back from the listing: the create answer carries no group")
	assert.Equal(t, 2, g.TotalDevices)
}

func TestWireZTNATagCreate(t *testing.T) {
	w := wire(t)
	// The create body of the public ZTNA tag script, field for field.
	w.handle(http.MethodPost, "/api/v1/tags/zero_trust/create", nil, `{"name":"ZT-Compta-Compliant","description":"shown to the user","status":true,"comments":"created by SDK",
 "rules":[{"id":1,"type":1,"os":1,"negative":false,"content":"GROUPS/Compta","domainName":"corp.local","fct_based":true},
          {"id":2,"type":4,"os":1,"negative":false,"content":"C:\\ProgramData\\marker.txt"}],
 "use_custom_logic":false}`, `{`+okResult+`}`)
	// tags/zero_trust/index → data.tags (ZT, SOAR).
	w.handle(http.MethodGet, "/api/v1/tags/zero_trust/index", nil, "",
		`{`+okResult+`,"data":{"tags":[{"id":5,"name":"ZT-Compta-Compliant","comments":"created by SDK","status":true}]}}`)
	tag, err := w.c.ZTNATags.Create(t.Context(), ems.ZTNATagRequest{Name: "ZT-Compta-Compliant", Description: "shown to the user",
		Status: true, Comments: "created by SDK", Rules: []ems.Rule{
			{ID: 1, Type: ems.RuleADGroup, OS: ems.OSWindows, Content: "GROUPS/Compta", DomainName: "corp.local", FCTBased: true},
			{ID: 2, Type: ems.RuleFile, OS: ems.OSWindows, Content: `C:\ProgramData\marker.txt`},
		}})
	require.NoError(t, err)
	assert.Equal(t, 5, tag.ID)
}

func TestWireZTNATagUpdateAndDelete(t *testing.T) {
	w := wire(t)
	current := `{"id":5,"name":"T","description":"d","comments":"c","status":true,"rules":[{"id":1,"type":4,"os":1,"negative":false,"content":"x"}],"use_custom_logic":false}`
	w.handle(http.MethodGet, "/api/v1/tags/zero_trust/5/get", nil, "", `{`+okResult+`,"data":`+current+`}`)
	// update_one takes the create body plus the id (ZT update script).
	w.handle(http.MethodPost, "/api/v1/tags/zero_trust/update_one", nil,
		`{"id":5,"name":"T","description":"new","comments":"c","status":true,"rules":[{"id":1,"type":4,"os":1,"negative":false,"content":"x"}],"use_custom_logic":false}`,
		`{`+okResult+`}`)
	w.handle(http.MethodDelete, "/api/v1/tags/zero_trust/5/delete", nil, "", `{`+okResult+`}`)
	desc := "new"
	_, err := w.c.ZTNATags.Update(t.Context(), 5, ems.ZTNATagUpdate{Description: &desc})
	require.NoError(t, err)
	require.NoError(t, w.c.ZTNATags.Delete(t.Context(), 5))
}

func TestWireProfiles(t *testing.T) {
	w := wire(t)
	// QA: profiles/index/?call_type=2 → data[0].profiles; profiles/get/ → data.xml;
	// profiles/import/xml {name, xml, components, profile_component_id}.
	w.handle(http.MethodGet, "/api/v1/profiles/index/", url.Values{"call_type": {"2"}}, "",
		`{`+okResult+`,"data":[{"profiles":[{"id":"1","name":"Default"},{"id":2,"name":"Pessac"}]}]}`)
	w.handle(http.MethodGet, "/api/v1/profiles/get/", url.Values{"is_chrome": {"false"}, "id": {"2"}, "call_type": {"2"}}, "",
		`{`+okResult+`,"data":{"xml":"<forticlient_configuration/>"}}`)
	w.handle(http.MethodPost, "/api/v1/profiles/import/xml", nil,
		`{"name":"Pessac","xml":"<forticlient_configuration/>","components":"1,2,3,4,5,6,7","profile_component_id":1}`, `{`+okResult+`}`)
	ctx := t.Context()
	ps, err := w.c.Profiles.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, 1, ps[0].ID, "string ids are read")
	xml, err := w.c.Profiles.XML(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, "<forticlient_configuration/>", xml)
	p, err := w.c.Profiles.Import(ctx, ems.ProfileImportRequest{Name: "Pessac", XML: "<forticlient_configuration/>"})
	require.NoError(t, err)
	assert.Equal(t, 2, p.ID)
}

func TestWireFortiGateAuthorize(t *testing.T) {
	w := wire(t)
	// QA: client_certificates/index answers a bare array whose cn is the FortiGate serial;
	// PATCH client_certificates/{id}/set {"authorized":true}.
	w.handle(http.MethodGet, "/api/v1/client_certificates/index", nil, "",
		`{`+okResult+`,"data":[{"id":3,"cn":"FGT60FTK00000001","authorized":0}]}`)
	w.handle(http.MethodPatch, "/api/v1/client_certificates/3/set", nil, `{"authorized":true}`, `{`+okResult+`}`)
	f, err := w.c.FortiGates.Authorize(t.Context(), "FGT60FTK00000001")
	require.NoError(t, err)
	assert.True(t, f.Authorized)
	assert.Equal(t, 3, f.ID)
}

// A 2xx answer whose retval is negative is an error (CS CheckResult, PHP emsOk).
func TestWireNegativeRetvalIsAnError(t *testing.T) {
	w := wire(t)
	w.handle(http.MethodGet, "/api/v1/tags/zero_trust/index", nil, "",
		`{"result":{"retval":-2,"message":"Invalid parameters."}}`)
	_, err := w.c.ZTNATags.List(t.Context(), nil)
	require.ErrorIs(t, err, sitekit.ErrInvalid)
	ae, ok := errors.AsType[*ems.APIError](err)
	require.True(t, ok)
	assert.Equal(t, -2, ae.RetVal)
	assert.Equal(t, http.StatusOK, ae.StatusCode)
}

func TestWireSummary(t *testing.T) {
	w := wire(t)
	// fotoobo's test mocks of the two dashboard summaries, byte for byte.
	w.handle(http.MethodGet, "/api/v1/endpoints/connection/donut", nil, "",
		`{"result":{"retval":1,"message":null},"data":[{"token":"offlineNominal","value":1111,"name":"Offline"},
		{"token":"offlineRecent","value":2222,"name":"Offline >1h"},{"token":"online","value":3333,"name":"Online"}]}`)
	w.handle(http.MethodGet, "/api/v1/endpoints/management/donut", nil, "",
		`{"result":{"retval":1,"message":null},"data":[{"token":"managed","value":1000,"name":"Managed"},
		{"token":"unmanaged","value":99,"name":"Unmanaged"}]}`)
	sum, err := w.c.Endpoints.Summary(t.Context())
	require.NoError(t, err)
	assert.Equal(t, ems.EndpointSummary{Online: 3333, OfflineNominal: 1111, OfflineRecent: 2222, Managed: 1000, Unmanaged: 99}, sum)
	assert.Equal(t, 3333, sum.Offline())
}
