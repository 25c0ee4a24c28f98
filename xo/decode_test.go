package xo

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/jsonrpc"
	"github.com/sitekit/sitekit/internal/rest"
)

// swaggerExample returns the first 200 example of GET path in the XO OpenAPI document.
func swaggerExample(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("xotest/testdata/swagger.json")
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value json.RawMessage `json:"value"`
					} `json:"examples"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	ex := doc.Paths[path]["get"].Responses["200"].Content["application/json"].Examples["Example 1"].Value
	require.NotEmpty(t, ex, path)
	return ex
}

// TestReferenceExamplesDecode replays the OpenAPI document's example objects through the
// client's types.
func TestReferenceExamplesDecode(t *testing.T) {
	var vm VM
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/vms/{id}"), &vm))
	assert.Equal(t, "VM", vm.Type)
	assert.EqualValues(t, 4294967296, vm.Memory.Size)
	assert.EqualValues(t, 2, vm.CPUs.Number)

	var host Host
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/hosts/{id}"), &host))
	assert.EqualValues(t, 16, host.CPUs.CPUCount, `"cpu_count":"16" decodes leniently`)
	assert.NotEmpty(t, host.PIFs)

	var pif PIF
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/pifs/{id}"), &pif))
	assert.Equal(t, "eth0", pif.Device)
	assert.EqualValues(t, -1, pif.VLAN)

	var task Task
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/tasks/{id}"), &task))
	assert.Equal(t, TaskFailure, task.Status)
	err := task.Err()
	var te *TaskError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "ConnectionError", te.Name)
	assert.Contains(t, te.Message, "invalid status closed")

	var log BackupLog
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/backup-logs/{id}"), &log))
	assert.Equal(t, "success", log.Status)
	require.Len(t, log.Tasks, 1)
	require.Len(t, log.Tasks[0].Tasks, 2)
	assert.Equal(t, "transfer", log.Tasks[0].Tasks[0].Tasks[0].Message)

	var job BackupJob
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/backup-jobs/{id}"), &job))
	assert.Equal(t, "full", job.Mode)
	var sched Schedule
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/schedules/{id}"), &sched))
	assert.Equal(t, "0 0 * * *", sched.Cron)
	var repo BackupRepository
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/backup-repositories/{id}"), &repo))
	assert.Contains(t, repo.URL, "obfuscated")
	var srv Server
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/servers/{id}"), &srv))
	assert.Equal(t, "connected", srv.Status)
	var d Dashboard
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/dashboard"), &d))
	assert.EqualValues(t, 50, d.VMsStatus.Total)
	var a Alarm
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/alarms/{id}"), &a))
	assert.Equal(t, "physical_utilisation", a.Body.Name)
	for _, p := range []string{"/pools/{id}", "/networks/{id}", "/srs/{id}", "/vm-templates/{id}", "/vifs/{id}", "/vdis/{id}", "/vbds/{id}"} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(swaggerExample(t, p), &m), p)
	}
	var tpl Template
	require.NoError(t, json.Unmarshal(swaggerExample(t, "/vm-templates/{id}"), &tpl))
	require.Len(t, tpl.TemplateInfo.Disks, 1)
	assert.EqualValues(t, 10737418240, tpl.TemplateInfo.Disks[0].Size)
}

// TestReferenceErrors replays the error bodies of reference §8.
func TestReferenceErrors(t *testing.T) {
	base := func(status int) *rest.APIError {
		return &rest.APIError{Appliance: "xo", Method: "GET", Path: "/rest/v0/vms/1234", StatusCode: status, Kind: rest.KindForStatus(status)}
	}
	err := decodeError(base(404), []byte(`{"error":"no such VM 1234","data":{"id":"1234","type":"VM"}}`))
	var e *APIError
	require.True(t, errors.As(err, &e))
	assert.Equal(t, CodeNoSuchObject, e.Code)
	assert.Equal(t, "no such VM 1234", e.Message)
	assert.ErrorIs(t, err, sitekit.ErrNotFound)

	err = decodeError(base(422), []byte(`{"error":{"body.name_label":{"message":"'name_label' is required"}},"data":{}}`))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, map[string]string{"body.name_label": "'name_label' is required"}, e.Fields)
	assert.ErrorIs(t, err, sitekit.ErrInvalid)

	err = decodeError(base(500), []byte(`{"error":"PIF_VLAN_EXISTS(OpaqueRef:1)","data":{"code":"PIF_VLAN_EXISTS","params":["OpaqueRef:1"]},"info":"This is a XenServer/XCP-ng error, not an XO error"}`))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "PIF_VLAN_EXISTS", e.XapiCode)
	assert.ErrorIs(t, err, sitekit.ErrExists)

	err = decodeError(base(401), []byte(`{"error":"invalid credentials"}`))
	assert.ErrorIs(t, err, sitekit.ErrUnauthorized)

	rpc := rpcError("vm.create", &jsonrpc.Error{Code: 1, Message: "no such VM-template 1234", Data: json.RawMessage(`{"id":"1234","type":"VM-template"}`)})
	assert.ErrorIs(t, rpc, sitekit.ErrNotFound)
	assert.Contains(t, rpc.Error(), "vm.create")
	for _, code := range []int{CodeVMMissingPVDrivers, CodeVMLacksFeature} {
		assert.True(t, sitekit.IsRetryable(rpcError("vm.stop", &jsonrpc.Error{Code: code, Message: "missing PV drivers"})), "code %d", code)
	}
	assert.False(t, sitekit.IsRetryable(rpcError("vm.stop", &jsonrpc.Error{Code: CodeInvalidParameters, Message: "invalid parameters"})))
	assert.ErrorIs(t, rpcError("x", &jsonrpc.Error{Code: 16, Message: "PIF already exists", Data: json.RawMessage(`{"code":"PIF_VLAN_EXISTS"}`)}), sitekit.ErrExists)
	assert.ErrorIs(t, rpcError("x", &jsonrpc.Error{Code: 26, Message: "feature Unauthorized"}), sitekit.ErrUnauthorized)

	assert.True(t, classify(&rest.Attempt{Method: "POST", StatusCode: http.StatusServiceUnavailable, RetryAfter: 1}))
	assert.False(t, classify(&rest.Attempt{Method: "POST", StatusCode: http.StatusInternalServerError}))
}

func TestTaskIDFrom(t *testing.T) {
	for _, tc := range []struct{ loc, body, want string }{
		{"/rest/v0/tasks/0m7kl0j9l", `{"taskId":"0m7kl0j9l"}`, "0m7kl0j9l"},
		{"", `{"taskId":"abc"}`, "abc"},
		{"", "/rest/v0/tasks/0m7kl0j9l", "0m7kl0j9l"},
		{"https://xo.example/rest/v0/tasks/xyz", "", "xyz"},
	} {
		got, err := taskIDFrom(tc.loc, []byte(tc.body))
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
	_, err := taskIDFrom("", []byte("{}"))
	assert.Error(t, err)
}

func TestFilterRendering(t *testing.T) {
	assert.Equal(t, `name_label:/^web01$/`, Eq("name_label", "web01").String())
	assert.Equal(t, `($pool:/^p$/ name_label:/^Debian 12 Cloud-init \(Hub\)$/)`, group(And(Eq("$pool", "p"), Eq("name_label", "Debian 12 Cloud-init (Hub)"))))
	assert.Equal(t, `|(power_state:/^Running$/ power_state:/^Paused$/)`, Or(Eq("power_state", "Running"), Eq("power_state", "Paused")).String())
	assert.Equal(t, `!management?`, Not(Truthy("management")).String())
	assert.Equal(t, `vlan:-1 size:>=1024`, And(Num("vlan", "=", -1), Num("size", ">=", 1024)).String())
	assert.Equal(t, `url:/^nfs:\/\/h:\/p$/`, Eq("url", "nfs://h:/p").String())
	assert.Equal(t, `tags:"managed-by sitekit:pessac"`, Contains("tags", "managed-by sitekit:pessac").String())
	assert.True(t, Filter{}.IsZero())
	assert.True(t, strings.HasPrefix(Raw(" a:b ").String(), "a:b"))
}

func FuzzDecodeTask(f *testing.F) {
	f.Add([]byte(`{"id":"0m","status":"failure","properties":{"name":"x"},"start":1,"result":{"code":"VM_BAD_POWER_STATE","message":"VM_BAD_POWER_STATE(a, halted, running)","params":["a"]}}`))
	f.Add([]byte(`{"id":"0m","status":"success","start":"1753098047598","result":{"id":"u"},"tasks":[{"id":"s","status":"pending"}]}`))
	f.Add([]byte(`{"status":"interrupted","result":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var task Task
		if json.Unmarshal(b, &task) != nil {
			return
		}
		err := task.Err()
		if task.Status == TaskSuccess && err != nil {
			t.Fatalf("success task with error %v", err)
		}
		if err != nil {
			_ = err.Error()
			_ = errors.Is(err, sitekit.ErrExists)
		}
	})
}

func FuzzDecodeObjects(f *testing.F) {
	f.Add([]byte(`{"id":"v","type":"VM","CPUs":{"max":"2","number":2},"memory":{"dynamic":[1,"2"],"static":[1,2],"size":3},"addresses":{"0/ipv4/0":"10.0.0.1"}}`))
	f.Add([]byte(`{"id":"h","CPUs":{"cpu_count":"16"},"memory":{"size":1.5e11}}`))
	f.Add([]byte(`{"error":{"body.x":{"message":"m"}},"data":{"code":"PIF_VLAN_EXISTS"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var vm VM
		if json.Unmarshal(b, &vm) == nil {
			for _, k := range []string{"10.0.0.0/8", "::/0"} {
				_ = k
			}
			out, err := json.Marshal(vm)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			var again VM
			if err := json.Unmarshal(out, &again); err != nil {
				t.Fatalf("decode of our own encoding: %v", err)
			}
		}
		var h Host
		_ = json.Unmarshal(b, &h)
		err := decodeError(&rest.APIError{Appliance: "xo", StatusCode: 500}, b)
		_ = err.Error()
	})
}
