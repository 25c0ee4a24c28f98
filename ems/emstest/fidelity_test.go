package emstest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/ems/emstest"
)

// Fidelity: every behaviour the simulator claims, driven over raw HTTP like a public script,
// with its evidence. Fortinet does not publish the EMS API: the evidence is what public
// clients send and read (their names as in the package doc's Fidelity section: fotoobo
// @5284c08, Fortinet's FortiSOAR connector, the ZTNA tag scripts, the QA test library, …),
// as collected in the research notes ems.md (sections cited), a client's test mock, or
// "inferred" when no public source shows the behaviour.

// writes returns the headers a write needs: X-CSRFToken equal to the cookie, same-origin
// Referer.
func (b *browser) writes() map[string]string {
	return map[string]string{"X-CSRFToken": b.csrf(), "Referer": b.srv.URL() + "/"}
}

// envelope decodes an EMS answer.
type envelope struct {
	Result struct {
		RetVal  int     `json:"retval"`
		Message *string `json:"message"`
	} `json:"result"`
	Data json.RawMessage `json:"data"`
}

func decode(t *testing.T, page string) envelope {
	t.Helper()
	var e envelope
	require.NoError(t, json.Unmarshal([]byte(page), &e), page)
	return e
}

// total answers endpoints/index?<query> and returns data.total.
func total(t *testing.T, b *browser, query string) int {
	t.Helper()
	st, _, page := b.do("GET", "/api/v1/endpoints/index?"+query, "", nil)
	require.Equal(t, http.StatusOK, st, page)
	var d struct {
		Endpoints []map[string]any `json:"endpoints"`
		Total     int              `json:"total"`
	}
	require.NoError(t, json.Unmarshal(decode(t, page).Data, &d))
	return d.Total
}

func TestFidelityEndpointFilters(t *testing.T) {
	srv := emstest.NewTestServer(t)
	b := newBrowser(t, srv)
	b.signin()

	// fotoobo @5284c08 fotoobo/tools/ems/monitor.py endpoint_online_outofsync: GET
	// /endpoints/index?offset=0&count=1&connection=online&status=outofsync and reads
	// data.total as "online endpoints whose policy is not in sync". The factory data has two
	// (PC-02 and PC-05; PC-06 is out of sync but offline).
	assert.Equal(t, 2, total(t, b, "offset=0&count=1&connection=online&status=outofsync"))
	assert.Equal(t, 3, total(t, b, "offset=0&count=1&status=outofsync"))
	// connection=online: fotoobo (above) and the ems.md §3 filter list; offline is its
	// counterpart [inferred].
	assert.Equal(t, 8, total(t, b, "connection=online"))
	assert.Equal(t, 4, total(t, b, "connection=offline"))
	assert.Equal(t, 12, total(t, b, "offset=0&count=1"), "no filter: every endpoint")
	// device_id and group_id: filters public clients send (ems.md §3 filter list);
	// group_id keeping subgroups too is [inferred].
	assert.Equal(t, 1, total(t, b, "device_id=1003"))
	assert.Equal(t, 12, total(t, b, "group_id=1"), "the root group holds every endpoint")
	// management=managed|unmanaged: the parameter is in the ems.md §3 filter list, its
	// values are the tokens of endpoints/management/donut [inferred].
	id := srv.AddEndpoint(emstest.EndpointSeed{Name: "GUEST-01", Unmanaged: true, Online: true})
	assert.Equal(t, 12, total(t, b, "management=managed"))
	assert.Equal(t, 1, total(t, b, "management=unmanaged"))
	require.True(t, srv.SetOutOfSync(id, true))
	assert.Equal(t, 3, total(t, b, "connection=online&status=outofsync"), "filters are ANDed")

	// The other parameters of the reference's list have no public description of their
	// values: the simulator refuses them instead of answering every endpoint.
	for _, q := range []string{"activity=x", "event_type=Antivirus", "view_type=x", "filters=%7B%7D", "verification=%7B%7D", "client_id=1"} {
		st, _, page := b.do("GET", "/api/v1/endpoints/index?"+q, "", nil)
		assert.Equal(t, http.StatusBadRequest, st, q)
		assert.Contains(t, page, "does not simulate", q)
	}
	st, _, _ := b.do("GET", "/api/v1/endpoints/index?status=insync", "", nil)
	assert.Equal(t, http.StatusBadRequest, st, "a status value no public client sends [inferred]")
}

func TestFidelityDonuts(t *testing.T) {
	srv := emstest.NewTestServer(t)
	b := newBrowser(t, srv)
	b.signin()
	donut := func(path string) map[string]int {
		st, _, page := b.do("GET", path, "", nil)
		require.Equal(t, http.StatusOK, st, page)
		var d []struct {
			Token string `json:"token"`
			Value int    `json:"value"`
			Name  string `json:"name"`
		}
		require.NoError(t, json.Unmarshal(decode(t, page).Data, &d))
		out := map[string]int{}
		for _, x := range d {
			out[x.Token] = x.Value
		}
		return out
	}
	// fotoobo monitor.py connections / endpoint_management_status and their test mocks:
	// data is [{token, value, name}] with tokens online, offlineNominal, offlineRecent and
	// managed, unmanaged. Every offline endpoint counts as offlineNominal [inferred: the split
	// by time is not simulated].
	assert.Equal(t, map[string]int{"online": 8, "offlineNominal": 4, "offlineRecent": 0}, donut("/api/v1/endpoints/connection/donut"))
	assert.Equal(t, map[string]int{"managed": 12, "unmanaged": 0}, donut("/api/v1/endpoints/management/donut"))
	// fotoobo monitor.py endpoint_os_versions sums the values of fctversion{windows,mac,linux}
	// donuts; tokens being the FortiClient versions is [inferred].
	assert.Equal(t, map[string]int{"7.2.4.0972": 12}, donut("/api/v1/endpoints/fctversionwindows/donut"))
	assert.Empty(t, donut("/api/v1/endpoints/fctversionmac/donut"))
	assert.Empty(t, donut("/api/v1/endpoints/fctversionlinux/donut"))
}

func TestFidelityEnvelopeAndLists(t *testing.T) {
	srv := emstest.NewTestServer(t)
	b := newBrowser(t, srv)
	b.signin()
	// ems.md §2 (FOT, PHP emsOk, CS CheckResult): every JSON answer is
	// {"result":{"retval":1,"message":…},"data":…}; paged lists are data {<collection>, total}
	// with offset/count (REL, DNN, CS, FOT).
	st, _, page := b.do("GET", "/api/v1/endpoints/index?offset=10&count=5", "", nil)
	require.Equal(t, http.StatusOK, st)
	e := decode(t, page)
	assert.Equal(t, 1, e.Result.RetVal)
	var p struct {
		Endpoints []struct {
			DeviceID      int `json:"device_id"`
			IsEMSOnline   any `json:"is_ems_online"`
			IsQuarantined any `json:"is_quarantined"`
			LastSeen      any `json:"last_seen"`
		} `json:"endpoints"`
		Total int `json:"total"`
	}
	require.NoError(t, json.Unmarshal(e.Data, &p))
	assert.Equal(t, 12, p.Total)
	require.Len(t, p.Endpoints, 2)
	// ems.md §3 (RPT, fctemsepdata2html): flags are 1/0, last_seen epoch seconds.
	assert.Equal(t, float64(1), p.Endpoints[0].IsEMSOnline)
	assert.Equal(t, float64(0), p.Endpoints[0].IsQuarantined)
	assert.IsType(t, float64(0), p.Endpoints[0].LastSeen)

	// ems.md §2/§4 (FOT, QA): workgroups and client_certificates answer a bare array;
	// "All Groups" is group 1 (QA: parent_id 1 = root); "Other Endpoints" as group 2 is
	// [inferred].
	st, _, page = b.do("GET", "/api/v1/workgroups/index?custom=false", "", nil)
	require.Equal(t, http.StatusOK, st)
	var groups []struct {
		ID       int    `json:"id"`
		Name     string `json:"name"`
		FullPath string `json:"full_path"`
		Total    int    `json:"total_devices"`
	}
	require.NoError(t, json.Unmarshal(decode(t, page).Data, &groups))
	require.Len(t, groups, 2)
	assert.Equal(t, "All Groups", groups[0].Name)
	assert.Equal(t, 1, groups[0].ID)
	assert.Equal(t, 12, groups[0].Total)

	// ems.md §5 (QA): profiles/index/?call_type=2 → data[0].profiles.
	st, _, page = b.do("GET", "/api/v1/profiles/index/?call_type=2", "", nil)
	require.Equal(t, http.StatusOK, st)
	var profiles []struct {
		Profiles []struct{ Name string } `json:"profiles"`
	}
	require.NoError(t, json.Unmarshal(decode(t, page).Data, &profiles))
	require.Len(t, profiles, 1)
	assert.Equal(t, "Default", profiles[0].Profiles[0].Name)

	// ems.md §6 (ZT, SOAR): tags/zero_trust/index → data.tags.
	st, _, page = b.do("GET", "/api/v1/tags/zero_trust/index", "", nil)
	require.Equal(t, http.StatusOK, st)
	assert.JSONEq(t, `{"tags":[]}`, string(decode(t, page).Data))

	// ems.md §7 (FOT get_version): system/consts/get?system_update_time=1 → data.System.VERSION.
	st, _, page = b.do("GET", "/api/v1/system/consts/get?system_update_time=1", "", nil)
	require.Equal(t, http.StatusOK, st)
	assert.JSONEq(t, `{"System":{"VERSION":"`+emstest.DefaultVersion+`"}}`, string(decode(t, page).Data))

	// A path this EMS does not have: 404 (SOAR's error table), answered as an HTML page like
	// Django's [inferred body].
	st, ct, _ := b.do("GET", "/api/v1/no/such/path", "", nil)
	assert.Equal(t, http.StatusNotFound, st)
	assert.Contains(t, ct, "text/html")
}

func TestFidelityWritesAndErrors(t *testing.T) {
	srv := emstest.NewTestServer(t)
	b := newBrowser(t, srv)
	b.signin()
	w := b.writes()

	// ems.md §4 (QA): workgroups/create is a GET with name and parent_id that writes —
	// still a GET, so Django's CSRF check does not apply to it.
	st, _, page := b.do("GET", "/api/v1/workgroups/create?name=Compta&parent_id=1", "", nil)
	require.Equal(t, http.StatusOK, st, page)
	// A second group of the same name under the same parent: refused. The status and retval
	// (400, -1) are [inferred]; retval -1 meaning "warning such as a duplicate" is ZT's
	// importer reading.
	st, _, page = b.do("GET", "/api/v1/workgroups/create?name=Compta&parent_id=1", "", nil)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, -1, decode(t, page).Result.RetVal)

	// ems.md §3 (SOAR 2024): quarantine {"ids":[…]}; an unknown id answers 404 retval -2
	// [inferred] and nothing is applied.
	st, _, page = b.do("POST", "/api/v1/clients/quarantine", `{"ids":[1001,4242]}`, w)
	assert.Equal(t, http.StatusNotFound, st, page)
	assert.Equal(t, -2, decode(t, page).Result.RetVal)
	e, _ := srv.Endpoint(1001)
	assert.False(t, e.Quarantined, "all or nothing [inferred]")

	// ems.md §7 (QA): PATCH client_certificates/{id}/set {"authorized":true}.
	id := srv.AddPendingFortiGate("FGT60FTK00000001", "fw")
	st, _, page = b.do("PATCH", "/api/v1/client_certificates/"+strconv.Itoa(id)+"/set", `{"authorized":true}`, w)
	require.Equal(t, http.StatusOK, st, page)
	assert.True(t, srv.IsAuthorized("FGT60FTK00000001"))

	// Seats used follow the registered endpoints (ems.md §11 fake-server notes: "seat
	// counters that move when endpoints register") [inferred].
	before := srv.SeatsUsed()
	st, _, _ = b.do("DELETE", "/api/v1/devices/delete?ids=1002", "", w)
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, before-1, srv.SeatsUsed())
}

// WithSeed makes the simulator's random values (tokens, MAC addresses, FortiClient serials)
// reproducible; a different seed gives different ones. Simulator behaviour, no vendor claim.
func TestSeedMakesRandomnessReproducible(t *testing.T) {
	macs := func(seed uint64) (string, string) {
		srv := emstest.NewTestServer(t, emstest.WithSeed(seed))
		b := newBrowser(t, srv)
		b.signin()
		st, _, page := b.do("GET", "/api/v1/endpoints/device/1001/details", "", nil)
		require.Equal(t, http.StatusOK, st)
		var e struct {
			MAC string `json:"mac_addr"`
		}
		require.NoError(t, json.Unmarshal(decode(t, page).Data, &e))
		return e.MAC, b.csrf()
	}
	mac1, csrf1 := macs(7)
	mac2, csrf2 := macs(7)
	mac3, csrf3 := macs(8)
	assert.Equal(t, mac1, mac2)
	assert.Equal(t, csrf1, csrf2)
	assert.NotEqual(t, mac1, mac3)
	assert.NotEqual(t, csrf1, csrf3)
	assert.Len(t, csrf1, 32)
}

// What fotoobo @5284c08 sends besides its monitor: "ems get workgroups" asks
// workgroups/index?custom=True|False (Python's bool spelling; the case being ignored by EMS
// is [inferred]); its session headers carry Referer "https://<ems-host>" without the port,
// which a real EMS on 443 accepts: the simulator, on another port, accepts a port-less
// Referer naming its host (a deliberate deviation from Django's exact-origin check).
func TestFidelityFotoobo(t *testing.T) {
	srv := emstest.NewTestServer(t)
	b := newBrowser(t, srv)
	b.signin()
	st, _, page := b.do("GET", "/api/v1/workgroups/create?name=Compta&parent_id=1", "", nil)
	require.Equal(t, http.StatusOK, st, page)
	groups := func(q string) int {
		st, _, page := b.do("GET", "/api/v1/workgroups/index?"+q, "", nil)
		require.Equal(t, http.StatusOK, st, page)
		var gs []any
		require.NoError(t, json.Unmarshal(decode(t, page).Data, &gs))
		return len(gs)
	}
	assert.Equal(t, 1, groups("custom=True"))
	assert.Equal(t, 3, groups("custom=False"))

	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	portless := map[string]string{"X-CSRFToken": b.csrf(), "Referer": "https://" + u.Hostname()}
	st, _, page = b.do("POST", "/api/v1/clients/quarantine", `{"ids":[1001]}`, portless)
	assert.Equal(t, http.StatusOK, st, page)
	other := map[string]string{"X-CSRFToken": b.csrf(), "Referer": "https://" + u.Hostname() + ":1"}
	st, _, _ = b.do("POST", "/api/v1/clients/quarantine", `{"ids":[1001]}`, other)
	assert.Equal(t, http.StatusForbidden, st, "another port is another origin")
}
