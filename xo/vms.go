package xo

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit/internal/rest"
)

// VM power states.
const (
	PowerHalted    = "Halted"
	PowerRunning   = "Running"
	PowerPaused    = "Paused"
	PowerSuspended = "Suspended"
)

// VMsService manages VMs (/rest/v0/vms and the pool's create_vm action).
type VMsService struct {
	c    *Client
	coll collection[VM]
}

// List returns the VMs matching opts (all of them when opts is nil).
func (s *VMsService) List(ctx context.Context, opts *ListOptions) ([]VM, error) {
	return s.coll.list(ctx, opts)
}

// All iterates over the VMs matching opts (XO does not page: one List call), yielding
// an error last.
func (s *VMsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[VM, error] {
	return s.coll.all(ctx, opts)
}

// Get returns the VM id; an unknown id matches sitekit.ErrNotFound.
func (s *VMsService) Get(ctx context.Context, id string) (VM, error) {
	return s.coll.get(ctx, id)
}

// Find returns the VM whose name_label is name in pool. None matches sitekit.ErrNotFound;
// several (names are not unique in XO) return an [AmbiguousError].
func (s *VMsService) Find(ctx context.Context, pool, name string) (VM, error) {
	return s.coll.find(ctx, pool, name)
}

// VIFSpec is one entry of a create-VM "vifs" list. Device is required: an explicit device
// replaces the template's VIF with that device (REST create_vm keeps template VIFs otherwise)
// and makes the result independent of the template. Destroy removes the template's VIF Device.
type VIFSpec struct {
	Device  string
	Network string // network UUID (not a PIF)
	MAC     string
	MTU     int
	Destroy bool
}

// MarshalJSON encodes the API's shape: {device, network, mac?, mtu?} or {device, destroy:true}.
func (v VIFSpec) MarshalJSON() ([]byte, error) {
	if v.Destroy {
		return json.Marshal(struct {
			Device  string `json:"device"`
			Destroy bool   `json:"destroy"`
		}{v.Device, true})
	}
	return json.Marshal(struct {
		Network string `json:"network"`
		Device  string `json:"device"`
		MAC     string `json:"mac,omitempty"`
		MTU     int    `json:"mtu,omitempty"`
	}{v.Network, v.Device, v.MAC, v.MTU})
}

// VDISpec is one entry of a create-VM "vdis" list: a new disk (UserDevice empty, Size and
// NameLabel required) or a change to the template's disk UserDevice (grow Size, move to SR,
// rename). Removing a template disk at creation is not offered: the 0.39.0 schema names that
// key "userdervice" while XO reads "userdevice", so no body is both valid and effective —
// delete the VDI after creation instead.
type VDISpec struct {
	UserDevice      string
	Size            int64 // bytes; grow only for a template disk
	SR              string
	NameLabel       string
	NameDescription string
}

// MarshalJSON encodes the API's shape.
func (v VDISpec) MarshalJSON() ([]byte, error) {
	type body struct {
		UserDevice      string `json:"userdevice,omitempty"`
		Size            int64  `json:"size,omitempty"`
		SR              string `json:"sr,omitempty"`
		NameLabel       string `json:"name_label,omitempty"`
		NameDescription string `json:"name_description,omitempty"`
	}
	return json.Marshal(body(v))
}

// VMCreateRequest is the body of POST /pools/<pool>/actions/create_vm.
type VMCreateRequest struct {
	// Pool is the pool UUID (in the path).
	Pool string
	// Template is the VM-template UUID; find it by name with Templates.Find(ctx, pool, name).
	Template        string
	NameLabel       string
	NameDescription string
	// CPUs is the vCPU count (≥ 1) and Memory the memory size in bytes (≥ 128 MiB).
	CPUs   int
	Memory int64
	VIFs   []VIFSpec
	VDIs   []VDISpec
	// CloudConfig is the cloud-init user-data and NetworkConfig the cloud-init
	// network-config (v1 or v2), both sent verbatim: XO does no templating. A config drive
	// is created on the SR of the VM's first disk. An empty or comment-only NetworkConfig is
	// refused (it breaks NoCloud): leave it empty to omit it.
	CloudConfig   string
	NetworkConfig string
	// Boot starts the VM after creation (inside the task). Wait for PV drivers or an IP
	// afterwards with WaitPVDrivers/WaitForIP.
	Boot                  bool
	DestroyCloudConfigVDI bool
	// Affinity is the affinity host UUID.
	Affinity         string
	AutoPoweron      bool
	HighAvailability string // "", "best-effort", "restart"
	HVMBootFirmware  string // "", "bios", "uefi"
	// Tags are added after creation (create_vm has no tags field), e.g. [sitekit.Marker](site).
	Tags []string
}

var deviceRE = regexp.MustCompile(`^[0-9]{1,2}$`)

// Validate checks the request locally; it is run by Create before any I/O.
func (r VMCreateRequest) Validate() error {
	if !isUUID(r.Pool) {
		return invalid("Pool", r.Pool, "must be a pool UUID")
	}
	if !isUUID(r.Template) {
		return invalid("Template", r.Template, "must be a VM-template UUID (resolve a name with Templates.Find)")
	}
	if strings.TrimSpace(r.NameLabel) == "" {
		return invalid("NameLabel", r.NameLabel, "must not be empty")
	}
	if r.CPUs < 1 || r.CPUs > 256 {
		return invalid("CPUs", r.CPUs, "must be between 1 and 256")
	}
	if r.Memory < 128<<20 {
		return invalid("Memory", r.Memory, "must be at least 128 MiB (bytes)")
	}
	seen := map[string]bool{}
	for i, v := range r.VIFs {
		f := "VIFs[" + strconv.Itoa(i) + "]"
		if !deviceRE.MatchString(v.Device) {
			return invalid(f+".Device", v.Device, "must be an explicit device number (\"0\", \"1\", …)")
		}
		if seen[v.Device] {
			return invalid(f+".Device", v.Device, "is used twice")
		}
		seen[v.Device] = true
		if !v.Destroy && !isUUID(v.Network) {
			return invalid(f+".Network", v.Network, "must be a network UUID")
		}
		if v.MTU != 0 && (v.MTU < 68 || v.MTU > 9216) {
			return invalid(f+".MTU", v.MTU, "must be between 68 and 9216")
		}
	}
	for i, d := range r.VDIs {
		f := "VDIs[" + strconv.Itoa(i) + "]"
		if d.UserDevice == "" {
			if d.Size <= 0 {
				return invalid(f+".Size", d.Size, "must be positive for a new disk")
			}
			if strings.TrimSpace(d.NameLabel) == "" {
				return invalid(f+".NameLabel", d.NameLabel, "is required for a new disk")
			}
		} else if !deviceRE.MatchString(d.UserDevice) {
			return invalid(f+".UserDevice", d.UserDevice, "must be a device number")
		}
		if d.Size < 0 {
			return invalid(f+".Size", d.Size, "must not be negative")
		}
		if d.SR != "" && !isUUID(d.SR) {
			return invalid(f+".SR", d.SR, "must be an SR UUID")
		}
	}
	if r.CloudConfig != "" && strings.TrimSpace(r.CloudConfig) == "" {
		return invalid("CloudConfig", r.CloudConfig, "must not be blank")
	}
	if r.NetworkConfig != "" && commentOnly(r.NetworkConfig) {
		return invalid("NetworkConfig", "(comments only)", "an empty or comment-only network-config breaks NoCloud; leave it empty to omit it")
	}
	if r.Affinity != "" && !isUUID(r.Affinity) {
		return invalid("Affinity", r.Affinity, "must be a host UUID")
	}
	switch r.HighAvailability {
	case "", "best-effort", "restart":
	default:
		return invalid("HighAvailability", r.HighAvailability, `must be "", "best-effort" or "restart"`)
	}
	switch r.HVMBootFirmware {
	case "", "bios", "uefi":
	default:
		return invalid("HVMBootFirmware", r.HVMBootFirmware, `must be "bios" or "uefi"`)
	}
	for _, t := range r.Tags {
		if err := validTag(t); err != nil {
			return err
		}
	}
	return nil
}

func commentOnly(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// body is the JSON body (fields the API accepts only; unset optional fields omitted).
func (r VMCreateRequest) body() map[string]any {
	b := map[string]any{"name_label": r.NameLabel, "template": r.Template, "cpus": r.CPUs, "memory": r.Memory}
	if r.NameDescription != "" {
		b["name_description"] = r.NameDescription
	}
	if len(r.VIFs) > 0 {
		b["vifs"] = r.VIFs
	}
	if len(r.VDIs) > 0 {
		b["vdis"] = r.VDIs
	}
	if r.CloudConfig != "" {
		b["cloud_config"] = r.CloudConfig
	}
	if r.NetworkConfig != "" {
		b["network_config"] = r.NetworkConfig
	}
	if r.Boot {
		b["boot"] = true
		if r.DestroyCloudConfigVDI {
			b["destroy_cloud_config_vdi"] = true
		}
	}
	if r.Affinity != "" {
		b["affinity"] = r.Affinity
	}
	if r.AutoPoweron {
		b["autoPoweron"] = true
	}
	if r.HighAvailability != "" {
		b["high_availability"] = r.HighAvailability
	}
	if r.HVMBootFirmware != "" {
		b["hvmBootFirmware"] = r.HVMBootFirmware
	}
	return b
}

// MarshalJSON encodes the create_vm body.
func (r VMCreateRequest) MarshalJSON() ([]byte, error) { return json.Marshal(r.body()) }

// Create creates a VM from a template (async action, awaited) and returns it. Tags are added
// afterwards. Validation errors name the field and send nothing. A create is never re-sent:
// when its outcome is unknown (errors.Is(err, sitekit.ErrOutcomeUnknown)) look it up by name.
func (s *VMsService) Create(ctx context.Context, req VMCreateRequest) (VM, error) {
	if err := req.Validate(); err != nil {
		return VM{}, err
	}
	var res createdID
	if _, err := s.c.action(ctx, rest.Path(restPrefix, "pools", req.Pool, "actions", "create_vm"), req, &res); err != nil {
		return VM{}, err
	}
	for _, t := range req.Tags {
		if err := s.AddTag(ctx, res.ID, t); err != nil {
			return VM{}, err
		}
	}
	return s.Get(ctx, res.ID)
}

// VMUpdate is a partial update (PATCH /vms/<id>, camelCase keys); nil fields are not sent.
type VMUpdate struct {
	NameLabel        *string           `json:"nameLabel,omitempty"`
	NameDescription  *string           `json:"nameDescription,omitempty"`
	Notes            *string           `json:"notes,omitempty"`
	Tags             *[]string         `json:"tags,omitempty"`
	AutoPoweron      *bool             `json:"autoPoweron,omitempty"`
	CPUs             *int              `json:"cpus,omitempty"`
	Memory           *int64            `json:"memory,omitempty"`
	MemoryMax        *int64            `json:"memoryMax,omitempty"`
	HighAvailability *string           `json:"highAvailability,omitempty"`
	AffinityHost     *string           `json:"affinityHost,omitempty"`
	XenStoreData     map[string]string `json:"xenStoreData,omitempty"`
}

// Validate checks the update locally.
func (u VMUpdate) Validate() error {
	if u.NameLabel != nil && strings.TrimSpace(*u.NameLabel) == "" {
		return invalid("NameLabel", *u.NameLabel, "must not be empty")
	}
	if u.CPUs != nil && *u.CPUs < 1 {
		return invalid("CPUs", *u.CPUs, "must be at least 1")
	}
	if u.Memory != nil && *u.Memory < 128<<20 {
		return invalid("Memory", *u.Memory, "must be at least 128 MiB (bytes)")
	}
	if u.HighAvailability != nil {
		switch *u.HighAvailability {
		case "", "best-effort", "restart":
		default:
			return invalid("HighAvailability", *u.HighAvailability, `must be "", "best-effort" or "restart"`)
		}
	}
	return nil
}

// Update applies a partial update (PATCH, 204) and returns the VM after it.
func (s *VMsService) Update(ctx context.Context, id string, u VMUpdate) (VM, error) {
	if err := u.Validate(); err != nil {
		return VM{}, err
	}
	if !isUUID(id) {
		return VM{}, invalid("ID", id, "must be a VM UUID")
	}
	if _, err := s.c.rest.Do(ctx, rest.Request{Method: http.MethodPatch, Path: rest.Path(restPrefix, "vms", id), Body: u}); err != nil {
		return VM{}, err
	}
	return s.Get(ctx, id)
}

// Delete destroys the VM (a running VM is hard-shut-down first) with its disks and snapshots.
func (s *VMsService) Delete(ctx context.Context, id string) error { return s.c.del(ctx, "vms", id) }

// AddTag adds tag to VM id.
func (s *VMsService) AddTag(ctx context.Context, id, tag string) error {
	return taggable{s.c, "vms"}.AddTag(ctx, id, tag)
}

// RemoveTag removes tag from VM id.
func (s *VMsService) RemoveTag(ctx context.Context, id, tag string) error {
	return taggable{s.c, "vms"}.RemoveTag(ctx, id, tag)
}

// SetTags makes VM id's tags exactly tags (reads the VM first).
func (s *VMsService) SetTags(ctx context.Context, id string, tags []string) error {
	vm, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return taggable{s.c, "vms"}.SetTags(ctx, id, vm.Tags, tags)
}

func (s *VMsService) power(ctx context.Context, id, action string, body any) error {
	if !isUUID(id) {
		return invalid("ID", id, "must be a VM UUID")
	}
	_, err := s.c.action(ctx, rest.Path(restPrefix, "vms", id, "actions", action), body, nil)
	return err
}

// Start starts a halted VM (XAPI VM_BAD_POWER_STATE otherwise).
func (s *VMsService) Start(ctx context.Context, id string) error {
	return s.power(ctx, id, "start", nil)
}

// CleanShutdown shuts the VM down through its guest tools; it fails with a retryable
// VM_MISSING_PV_DRIVERS / VM_LACKS_FEATURE_SHUTDOWN while PV drivers are not up (see
// WaitPVDrivers and sitekit.IsRetryable).
func (s *VMsService) CleanShutdown(ctx context.Context, id string) error {
	return s.power(ctx, id, "clean_shutdown", nil)
}

// HardShutdown powers the VM off.
func (s *VMsService) HardShutdown(ctx context.Context, id string) error {
	return s.power(ctx, id, "hard_shutdown", nil)
}

// CleanReboot reboots the VM through its guest tools (needs PV drivers).
func (s *VMsService) CleanReboot(ctx context.Context, id string) error {
	return s.power(ctx, id, "clean_reboot", nil)
}

// HardReboot resets the VM.
func (s *VMsService) HardReboot(ctx context.Context, id string) error {
	return s.power(ctx, id, "hard_reboot", nil)
}

// Pause pauses a running VM; Unpause resumes it.
func (s *VMsService) Pause(ctx context.Context, id string) error {
	return s.power(ctx, id, "pause", nil)
}

// Unpause resumes a paused VM.
func (s *VMsService) Unpause(ctx context.Context, id string) error {
	return s.power(ctx, id, "unpause", nil)
}

// Suspend suspends a running VM; Resume resumes it.
func (s *VMsService) Suspend(ctx context.Context, id string) error {
	return s.power(ctx, id, "suspend", nil)
}

// Resume resumes a suspended VM.
func (s *VMsService) Resume(ctx context.Context, id string) error {
	return s.power(ctx, id, "resume", nil)
}

// Snapshot snapshots the VM and returns the snapshot's id.
func (s *VMsService) Snapshot(ctx context.Context, id, name string) (string, error) {
	if !isUUID(id) {
		return "", invalid("ID", id, "must be a VM UUID")
	}
	var body any
	if name != "" {
		body = map[string]string{"name_label": name}
	}
	var res createdID
	_, err := s.c.action(ctx, rest.Path(restPrefix, "vms", id, "actions", "snapshot"), body, &res)
	return res.ID, err
}

// Clone fast-clones the VM as name and returns the clone's id.
func (s *VMsService) Clone(ctx context.Context, id, name string) (string, error) {
	if !isUUID(id) {
		return "", invalid("ID", id, "must be a VM UUID")
	}
	if strings.TrimSpace(name) == "" {
		return "", invalid("Name", name, "must not be empty")
	}
	var res createdID
	_, err := s.c.action(ctx, rest.Path(restPrefix, "vms", id, "actions", "clone"), map[string]any{"name_label": name, "fast": true}, &res)
	return res.ID, err
}

// waitVM polls VM id until done(vm) or ctx ends.
func (s *VMsService) waitVM(ctx context.Context, id string, done func(*VM) bool) (VM, error) {
	if !isUUID(id) {
		return VM{}, invalid("ID", id, "must be a VM UUID")
	}
	for {
		vm, err := s.Get(ctx, id)
		if err != nil {
			return vm, err
		}
		if done(&vm) {
			return vm, nil
		}
		if err := s.c.wait(ctx); err != nil {
			return vm, err
		}
	}
}

// WaitPowerState polls until the VM is in state (Halted, Running, …) or ctx ends.
func (s *VMsService) WaitPowerState(ctx context.Context, id, state string) (VM, error) {
	switch state {
	case PowerHalted, PowerRunning, PowerPaused, PowerSuspended:
	default:
		return VM{}, invalid("State", state, "must be Halted, Running, Paused or Suspended")
	}
	return s.waitVM(ctx, id, func(vm *VM) bool { return vm.PowerState == state })
}

// WaitPVDrivers polls until the running VM reports PV drivers (needed before clean shutdown,
// reboot or hot-plug) or ctx ends.
func (s *VMsService) WaitPVDrivers(ctx context.Context, id string) (VM, error) {
	return s.waitVM(ctx, id, func(vm *VM) bool { return vm.PowerState == PowerRunning && vm.PVDriversDetected })
}

// WaitForIP polls until the VM's guest tools report an address inside cidr (its addresses
// map, keys "<device>/ipv4/<n>" sorted) and returns it; ctx bounds the wait.
func (s *VMsService) WaitForIP(ctx context.Context, id string, cidr netip.Prefix) (netip.Addr, error) {
	if !cidr.IsValid() {
		return netip.Addr{}, invalid("CIDR", cidr, "must be a valid prefix")
	}
	var found netip.Addr
	_, err := s.waitVM(ctx, id, func(vm *VM) bool {
		if a, ok := AddressIn(vm, cidr); ok {
			found = a
			return true
		}
		return false
	})
	return found, err
}

// AddressIn returns the VM's first reported address (by sorted key) inside cidr.
func AddressIn(vm *VM, cidr netip.Prefix) (netip.Addr, bool) {
	keys := make([]string, 0, len(vm.Addresses))
	for k := range vm.Addresses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a, err := netip.ParseAddr(vm.Addresses[k]); err == nil && cidr.Contains(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}
