package xotest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type bootState struct {
	polls int
	ip    string
}

var staticAddrRE = regexp.MustCompile(`(?m)(?:address(?:es)?\s*:\s*\[?\s*|^\s*-\s*)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:/\d{1,2})?`)

// ipFromNetworkConfig returns the first static IPv4 address of a cloud-init network-config
// (v1 "address: 10.0.0.5/24", v2 "addresses: [10.0.0.5/24]" or a "- 10.0.0.5/24" item).
func ipFromNetworkConfig(nc string) string {
	if m := staticAddrRE.FindStringSubmatch(nc); m != nil {
		return m[1]
	}
	return ""
}

// prepareCreateVM checks create_vm synchronously (pool, template, referenced objects) and
// returns the creation.
func (s *Server) prepareCreateVM(pool string, body map[string]any) (execFn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.get("pools", pool) == nil {
		return nil, noSuch("pool", pool)
	}
	tplID := fmt.Sprint(body["template"])
	tpl := s.get("vm-templates", tplID)
	if tpl == nil {
		return nil, &xoErr{status: 500, msg: "no object with UUID or opaque ref: " + tplID}
	}
	for _, v := range asAnyList(body["vifs"]) {
		if n, ok := v.(map[string]any)["network"].(string); ok && s.get("networks", n) == nil {
			return nil, noSuch("network", n)
		}
	}
	for _, v := range asAnyList(body["vdis"]) {
		if sr, ok := v.(map[string]any)["sr"].(string); ok && s.get("srs", sr) == nil {
			return nil, noSuch("SR", sr)
		}
	}
	if a, ok := body["affinity"].(string); ok && s.get("hosts", a) == nil {
		return nil, noSuch("host", a)
	}
	return func() (map[string]any, *xoErr) { return s.createVM(pool, tpl, body) }, nil
}

func asAnyList(v any) []any { l, _ := v.([]any); return l }

func (s *Server) createVM(pool string, tpl, body map[string]any) (map[string]any, *xoErr) {
	vm := s.base("VM", "vms")
	id := vm["id"].(string)
	for _, k := range []string{"CPUs", "memory", "boot", "viridian", "virtualizationMode", "other"} {
		if v, ok := tpl[k]; ok {
			vm[k] = clone(v)
		}
	}
	vm["name_label"] = body["name_label"]
	vm["name_description"], _ = body["name_description"].(string)
	vm["power_state"], vm["$container"] = "Halted", s.PoolID
	vm["addresses"], vm["VIFs"], vm["$VBDs"], vm["snapshots"], vm["VTPMs"] = map[string]any{}, []any{}, []any{}, []any{}, []any{}
	vm["pvDriversDetected"], vm["managementAgentDetected"] = false, false
	delete(vm, "mainIpAddress")
	delete(vm, "pvDriversVersion")
	vm["startTime"], vm["os_version"] = nil, map[string]any{}
	vm["blockedOperations"], vm["xenStoreData"] = map[string]any{}, map[string]any{}
	vm["creation"] = map[string]any{"date": "2026-01-01T00:00:00.000Z", "template": tpl["id"], "user": s.UserID}
	vm["auto_poweron"], _ = body["autoPoweron"].(bool)
	vm["high_availability"] = ""
	if ha, ok := body["high_availability"].(string); ok {
		vm["high_availability"] = ha
	}
	if fw, ok := body["hvmBootFirmware"].(string); ok {
		vm["boot"] = map[string]any{"firmware": fw, "order": "cd"}
	}
	if a, ok := body["affinity"].(string); ok {
		vm["affinityHost"] = a
	} else {
		delete(vm, "affinityHost")
	}
	if c, ok := body["cpus"].(float64); ok {
		vm["CPUs"] = map[string]any{"max": c, "number": c}
	}
	if m, ok := body["memory"].(float64); ok {
		if m < 1<<20 {
			return nil, xapiErr("MEMORY_CONSTRAINT_VIOLATION", "memory_static_min ≤ memory_dynamic_min ≤ memory_dynamic_max ≤ memory_static_max")
		}
		vm["memory"] = map[string]any{"dynamic": []any{m, m}, "static": []any{m / 2, m}, "size": m}
	}
	s.put("vms", vm)

	// Template disks (clone), then vdis changes/additions.
	disks := map[string]string{} // userdevice → VDI id
	for _, vbdID := range listOf(tpl["$VBDs"]) {
		tvbd := s.get("vbds", vbdID)
		if tvbd == nil {
			continue
		}
		tvdi := s.get("vdis", fmt.Sprint(tvbd["VDI"]))
		if tvdi == nil {
			continue
		}
		dev := fmt.Sprint(tvbd["position"])
		disks[dev] = s.newDisk(id, fmt.Sprint(tvdi["name_label"]), fmt.Sprint(tvdi["$SR"]), tvdi["size"].(float64), dev, true)
	}
	for _, raw := range asAnyList(body["vdis"]) {
		d := raw.(map[string]any)
		if dev, ok := d["userdevice"].(string); ok {
			vdiID, ok := disks[dev]
			if !ok {
				s.destroyVM(id)
				return nil, &xoErr{status: 500, msg: "no disk with userdevice " + dev + " in the template"}
			}
			vdi := s.get("vdis", vdiID)
			if size, ok := d["size"].(float64); ok {
				if size < vdi["size"].(float64) {
					s.destroyVM(id)
					return nil, xapiErr("VDI_SIZE_TOO_SMALL", vdiID)
				}
				vdi["size"] = size
			}
			if n, ok := d["name_label"].(string); ok {
				vdi["name_label"] = n
			}
			if sr, ok := d["sr"].(string); ok {
				s.removeFrom("srs", fmt.Sprint(vdi["$SR"]), "VDIs", vdiID)
				vdi["$SR"] = sr
				s.appendTo("srs", sr, "VDIs", vdiID)
			}
			continue
		}
		sr := s.LocalSRID
		if v, ok := d["sr"].(string); ok {
			sr = v
		}
		dev := nextDevice(disks)
		disks[dev] = s.newDisk(id, fmt.Sprint(d["name_label"]), sr, d["size"].(float64), dev, len(disks) == 0)
	}

	// Template VIFs kept unless replaced (same device) or destroyed.
	vifs := map[string]string{} // device → network
	for _, vifID := range listOf(tpl["VIFs"]) {
		if v := s.get("vifs", vifID); v != nil {
			vifs[fmt.Sprint(v["device"])] = fmt.Sprint(v["$network"])
		}
	}
	for _, raw := range asAnyList(body["vifs"]) {
		v := raw.(map[string]any)
		dev, hasDev := v["device"].(string)
		if destroy, _ := v["destroy"].(bool); destroy {
			delete(vifs, dev)
			continue
		}
		if !hasDev {
			dev = nextDevice(vifs)
		}
		vifs[dev] = v["network"].(string)
	}
	devs := make([]string, 0, len(vifs))
	for d := range vifs {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		s.appendTo("vms", id, "VIFs", s.newVIF(id, vifs[d], d))
	}

	if cc, ok := body["cloud_config"].(string); ok {
		if len(disks) == 0 {
			s.destroyVM(id)
			return nil, &xoErr{status: 500, msg: "Can't create cloud init config drive for VM without disks"}
		}
		first := disks[firstDevice(disks)]
		sr := fmt.Sprint(s.get("vdis", first)["$SR"])
		nc, _ := body["network_config"].(string)
		drive := s.newDisk(id, "XO CloudConfigDrive", sr, 10<<20, nextDevice(disks), false)
		s.drives[id] = ConfigDrive{VDI: drive, UserData: cc, NetworkConfig: nc, MetaData: "instance-id: " + id + "\n"}
	}
	if boot, _ := body["boot"].(bool); boot {
		s.startVM(vm)
	}
	return map[string]any{"id": id}, nil
}

func nextDevice(m map[string]string) string {
	for i := 0; ; i++ {
		d := fmt.Sprint(i)
		if _, ok := m[d]; !ok {
			return d
		}
	}
}

func firstDevice(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

// newDisk creates a VDI on sr and a VBD plugging it into vm at position dev.
func (s *Server) newDisk(vm, name, sr string, size float64, dev string, bootable bool) string {
	vdi := s.base("VDI", "vdis")
	vdiID := vdi["id"].(string)
	vdi["name_label"], vdi["name_description"], vdi["size"], vdi["usage"], vdi["$SR"] = name, "Created by XO", size, 0.0, sr
	vdi["snapshots"], vdi["other_config"] = []any{}, map[string]any{}
	vbd := s.base("VBD", "vbds")
	vbdID := vbd["id"].(string)
	vbd["VM"], vbd["VDI"], vbd["position"], vbd["bootable"], vbd["attached"] = vm, vdiID, dev, bootable, false
	n, _ := strconv.Atoi(dev)
	vbd["device"] = "xvd" + string(rune('a'+n))
	vdi["$VBDs"] = strs(vbdID)
	s.put("vdis", vdi)
	s.put("vbds", vbd)
	s.appendTo("srs", sr, "VDIs", vdiID)
	s.appendTo("vms", vm, "$VBDs", vbdID)
	return vdiID
}

// destroyVM removes a VM with its VIFs, disks and snapshots (hard-stopping it first).
func (s *Server) destroyVM(id string) {
	vm := s.get("vms", id)
	if vm == nil {
		return
	}
	for _, vifID := range listOf(vm["VIFs"]) {
		if v := s.get("vifs", vifID); v != nil {
			s.removeFrom("networks", fmt.Sprint(v["$network"]), "VIFs", vifID)
		}
		delete(s.objs["vifs"], vifID)
	}
	for _, vbdID := range listOf(vm["$VBDs"]) {
		if vbd := s.get("vbds", vbdID); vbd != nil {
			vdiID := fmt.Sprint(vbd["VDI"])
			if vdi := s.get("vdis", vdiID); vdi != nil {
				s.removeFrom("srs", fmt.Sprint(vdi["$SR"]), "VDIs", vdiID)
			}
			delete(s.objs["vdis"], vdiID)
		}
		delete(s.objs["vbds"], vbdID)
	}
	for _, snap := range listOf(vm["snapshots"]) {
		delete(s.objs["vm-snapshots"], snap)
	}
	s.removeFrom("hosts", s.HostID, "residentVms", id)
	delete(s.objs["vms"], id)
	delete(s.boots, id)
	delete(s.drives, id)
}

func (s *Server) startVM(vm map[string]any) {
	id := vm["id"].(string)
	vm["power_state"], vm["$container"], vm["startTime"] = "Running", s.HostID, float64(s.now()/1000)
	vm["pvDriversDetected"], vm["managementAgentDetected"], vm["addresses"] = false, false, map[string]any{}
	delete(vm, "mainIpAddress")
	s.appendTo("hosts", s.HostID, "residentVms", id)
	ip := ""
	if d, ok := s.drives[id]; ok {
		ip = ipFromNetworkConfig(d.NetworkConfig)
	}
	if ip == "" {
		s.nextIP++
		ip = fmt.Sprintf("192.168.100.%d", 10+s.nextIP%240)
	}
	s.boots[id] = &bootState{ip: ip}
}

func (s *Server) stopVM(vm map[string]any) {
	id := vm["id"].(string)
	vm["power_state"], vm["$container"], vm["startTime"] = "Halted", s.PoolID, nil
	vm["pvDriversDetected"], vm["managementAgentDetected"], vm["addresses"] = false, false, map[string]any{}
	delete(vm, "mainIpAddress")
	delete(vm, "pvDriversVersion")
	s.removeFrom("hosts", s.HostID, "residentVms", id)
	delete(s.boots, id)
}

// bootTick advances a running VM's boot by one read: PV drivers after pvPolls reads, its IP
// after ipPolls reads. Called with s.mu held.
func (s *Server) bootTick(id string) {
	b := s.boots[id]
	vm := s.get("vms", id)
	if b == nil || vm == nil || vm["power_state"] != "Running" {
		return
	}
	if b.polls >= s.cfg.pvPolls {
		vm["pvDriversDetected"], vm["managementAgentDetected"] = true, true
		vm["pvDriversVersion"] = "8.2.0"
		vm["os_version"] = map[string]any{"name": "Debian GNU/Linux 12 (bookworm)"}
	}
	if b.polls >= s.cfg.ipPolls {
		vm["addresses"] = map[string]any{"0/ipv4/0": b.ip}
		vm["mainIpAddress"] = b.ip
	}
	b.polls++
}

// CompleteBoot makes a running VM report PV drivers and its IP at once.
func (s *Server) CompleteBoot(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.boots[id]; b != nil {
		b.polls = max(s.cfg.pvPolls, s.cfg.ipPolls)
		s.bootTick(id)
	}
}

// SetBlockedOperation blocks (reason non-empty) or unblocks an operation ("destroy",
// "start", …) on VM id.
func (s *Server) SetBlockedOperation(id, op, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vm := s.get("vms", id)
	if vm == nil {
		return
	}
	b, _ := vm["blockedOperations"].(map[string]any)
	if b == nil {
		b = map[string]any{}
	}
	if reason == "" {
		delete(b, op)
	} else {
		b[op] = reason
	}
	vm["blockedOperations"] = b
}

// badPower is XAPI's VM_BAD_POWER_STATE(<the VM's opaque ref>, expected, actual).
func badPower(vm map[string]any, expected, actual string) *xoErr {
	return xapiErr("VM_BAD_POWER_STATE", fmt.Sprint(vm["_xapiRef"]), strings.ToLower(expected), strings.ToLower(actual))
}

func (s *Server) vmAction(r *http.Request, id, action string) (execFn, error) {
	var body map[string]any
	var err error
	switch action {
	case "snapshot":
		body, err = s.readBody(r, "POST /vms/{id}/actions/snapshot", false)
	case "clone":
		body, err = s.readBody(r, "POST /vms/{id}/actions/clone", false)
	case "start":
		body, err = s.readBody(r, "POST /vms/{id}/actions/start", false)
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vm := s.get("vms", id)
	if vm == nil {
		return nil, noSuch("VM", id)
	}
	if b, _ := vm["blockedOperations"].(map[string]any); b != nil && b[action] != nil {
		return nil, &xoErr{status: 403, msg: "operation blocked", data: map[string]any{"objectId": id, "code": "OPERATION_BLOCKED"}}
	}
	state := func() string { return fmt.Sprint(vm["power_state"]) }
	needPV := func() *xoErr {
		if pv, _ := vm["pvDriversDetected"].(bool); !pv {
			return xapiErr("VM_MISSING_PV_DRIVERS", fmt.Sprint(vm["_xapiRef"]))
		}
		return nil
	}
	switch action {
	case "start":
		return func() (map[string]any, *xoErr) {
			if state() != "Halted" {
				return nil, badPower(vm, "Halted", state())
			}
			s.startVM(vm)
			return nil, nil
		}, nil
	case "clean_shutdown", "clean_reboot":
		return func() (map[string]any, *xoErr) {
			if state() != "Running" {
				return nil, badPower(vm, "Running", state())
			}
			if e := needPV(); e != nil {
				return nil, e
			}
			s.stopVM(vm)
			if action == "clean_reboot" {
				s.startVM(vm)
			}
			return nil, nil
		}, nil
	case "hard_shutdown":
		return func() (map[string]any, *xoErr) {
			if state() == "Halted" {
				return nil, badPower(vm, "Running", state())
			}
			s.stopVM(vm)
			return nil, nil
		}, nil
	case "hard_reboot":
		return func() (map[string]any, *xoErr) {
			if state() != "Running" && state() != "Paused" {
				return nil, badPower(vm, "Running", state())
			}
			s.stopVM(vm)
			s.startVM(vm)
			return nil, nil
		}, nil
	case "pause", "suspend":
		return func() (map[string]any, *xoErr) {
			if state() != "Running" {
				return nil, badPower(vm, "Running", state())
			}
			if action == "suspend" {
				if e := needPV(); e != nil {
					return nil, e
				}
				vm["power_state"] = "Suspended"
			} else {
				vm["power_state"] = "Paused"
			}
			return nil, nil
		}, nil
	case "unpause", "resume":
		want := map[string]string{"unpause": "Paused", "resume": "Suspended"}[action]
		return func() (map[string]any, *xoErr) {
			if state() != want {
				return nil, badPower(vm, want, state())
			}
			vm["power_state"] = "Running"
			return nil, nil
		}, nil
	case "snapshot":
		return func() (map[string]any, *xoErr) {
			snap := clone(vm).(map[string]any)
			sid := s.newID()
			snap["id"], snap["uuid"], snap["type"], snap["$snapshot_of"] = sid, sid, "VM-snapshot", id
			snap["snapshot_time"] = float64(s.now() / 1000)
			snap["power_state"] = "Halted"
			snap["name_label"] = fmt.Sprint(vm["name_label"]) + "_snapshot"
			if n, ok := body["name_label"].(string); ok {
				snap["name_label"] = n
			}
			s.put("vm-snapshots", snap)
			s.appendTo("vms", id, "snapshots", sid)
			return map[string]any{"id": sid}, nil
		}, nil
	case "clone":
		return func() (map[string]any, *xoErr) {
			c := map[string]any{"name_label": fmt.Sprint(vm["name_label"]) + " (clone)"}
			if n, ok := body["name_label"].(string); ok {
				c["name_label"] = n
			}
			tpl := clone(vm).(map[string]any)
			tpl["VIFs"], tpl["$VBDs"] = vm["VIFs"], vm["$VBDs"]
			res, err := s.createVM(s.PoolID, tpl, c)
			return res, err
		}, nil
	}
	return nil, nil
}

// patchVM applies PATCH /vms/<id> (camelCase keys of UpdateVmRequestBody).
func (s *Server) patchVM(w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(r, "PATCH /vms/{id}", true)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	vm := s.get("vms", id)
	if vm == nil {
		return noSuch("VM", id)
	}
	running := vm["power_state"] == "Running"
	for k, v := range body {
		switch k {
		case "nameLabel":
			vm["name_label"] = v
		case "nameDescription":
			vm["name_description"] = v
		case "tags":
			vm["tags"] = v
		case "autoPoweron":
			vm["auto_poweron"] = v
		case "highAvailability":
			vm["high_availability"] = v
		case "affinityHost":
			if v == nil {
				delete(vm, "affinityHost")
			} else {
				vm["affinityHost"] = v
			}
		case "cpus":
			if running {
				return &xoErr{status: 500, msg: "cannot change vCPUs on a running VM"}
			}
			vm["CPUs"] = map[string]any{"max": v, "number": v}
		case "memory", "memoryMax":
			m, ok := v.(float64)
			if !ok {
				return invalidParams(map[string]string{"body." + k: "invalid float number"})
			}
			if running {
				return &xoErr{status: 500, msg: "Cannot change memory on running VM"}
			}
			vm["memory"] = map[string]any{"dynamic": []any{m, m}, "static": []any{m / 2, m}, "size": m}
		case "xenStoreData":
			vm["xenStoreData"] = v
		case "notes":
			other, _ := vm["other"].(map[string]any)
			if other == nil {
				other = map[string]any{}
			}
			other["xo:notes"] = v
			vm["other"] = other
		}
	}
	s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
