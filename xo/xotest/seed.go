package xotest

import "fmt"

// base fills the identity fields shared by XAPI objects.
func (s *Server) base(kind, coll string) map[string]any {
	o := s.proto(kind)
	id := s.newID()
	o["id"], o["uuid"] = id, id
	if _, ok := o["$pool"]; ok || kind != "server" {
		o["$pool"], o["$poolId"] = s.PoolID, s.PoolID
	}
	o["_xapiRef"] = "OpaqueRef:" + s.newID()
	if _, ok := o["current_operations"]; ok {
		o["current_operations"] = map[string]any{}
	}
	if _, ok := o["tags"]; ok {
		o["tags"] = []any{}
	}
	_ = coll
	return o
}

func strs(v ...string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// seedObjects creates the admin user's token and, unless WithoutFactoryData, the factory
// data: one pool, one DL380 host, local NVMe SR, eth0/eth1, management network, two
// templates, one alarm.
func (s *Server) seedObjects() {
	s.UserID = s.newID()
	s.token = "sk-" + s.newID()
	s.tokens[s.token] = &tokenInfo{ID: s.token, UserID: s.UserID, ClientID: "xotest", Description: "simulator admin token", Created: s.clock, Expiration: s.clock + 30*24*3600*1000}
	if !s.cfg.empty {
		s.seedFactory()
	}
}

// seedFactory creates the factory data.
func (s *Server) seedFactory() {
	s.PoolID = s.newID()
	s.HostID = s.newID()

	pool := s.proto("pool")
	pool["id"], pool["uuid"], pool["$pool"], pool["$poolId"] = s.PoolID, s.PoolID, s.PoolID, s.PoolID
	pool["name_label"], pool["name_description"] = "pv-pool", "sitekit simulator pool"
	pool["master"] = s.HostID
	pool["otherConfig"] = map[string]any{}
	pool["tags"] = []any{}
	pool["cpus"] = map[string]any{"cores": float64(64), "sockets": float64(2)}
	pool["_xapiRef"] = "OpaqueRef:" + s.newID()
	delete(pool, "haSrs")
	pool["haSrs"] = []any{}

	sr := s.base("SR", "srs")
	s.LocalSRID = sr["id"].(string)
	sr["name_label"], sr["name_description"] = "Local NVMe", "HPE NVMe 3.84 TB"
	sr["SR_type"], sr["content_type"], sr["shared"] = "ext", "user", false
	sr["size"], sr["physical_usage"], sr["usage"] = float64(3840755982336), float64(0), float64(0)
	sr["VDIs"], sr["$PBDs"], sr["$container"] = []any{}, strs(s.newID()), s.HostID
	sr["sm_config"], sr["other_config"] = map[string]any{"devserial": "nvme-HPE_NVMe_3.84TB"}, map[string]any{}
	pool["default_SR"], pool["crashDumpSr"], pool["suspendSr"] = s.LocalSRID, s.LocalSRID, s.LocalSRID
	s.put("pools", pool)
	s.put("srs", sr)

	mgmt := s.base("network", "networks")
	s.ManagementNetworkID = mgmt["id"].(string)
	mgmt["name_label"], mgmt["name_description"], mgmt["bridge"] = "Pool-wide network associated with eth0", "", "xenbr0"
	mgmt["other_config"], mgmt["VIFs"], mgmt["PIFs"] = map[string]any{}, []any{}, []any{}
	s.put("networks", mgmt)
	eth1net := s.base("network", "networks")
	eth1net["name_label"], eth1net["name_description"], eth1net["bridge"] = "Pool-wide network associated with eth1", "", "xenbr1"
	eth1net["other_config"], eth1net["VIFs"], eth1net["PIFs"] = map[string]any{}, []any{}, []any{}
	s.put("networks", eth1net)

	var pifIDs []any
	for i, net := range []map[string]any{mgmt, eth1net} {
		pif := s.base("PIF", "pifs")
		dev := fmt.Sprintf("eth%d", i)
		pif["device"], pif["deviceName"] = dev, "Broadcom BCM57414 NetXtreme-E 10Gb/25Gb"
		pif["vlan"], pif["physical"], pif["management"] = float64(-1), true, i == 0
		pif["mac"] = fmt.Sprintf("94:40:c9:3a:10:%02x", i)
		pif["$host"], pif["$network"] = s.HostID, net["id"]
		pif["speed"] = float64(25000)
		if i == 0 {
			pif["mode"], pif["ip"], pif["netmask"], pif["gateway"], pif["dns"] = "Static", "10.10.10.11", "255.255.255.0", "10.10.10.1", "10.10.10.1"
			s.Eth0PIFID = pif["id"].(string)
		} else {
			pif["mode"], pif["ip"], pif["netmask"], pif["gateway"], pif["dns"] = "None", "", "", "", ""
			s.Eth1PIFID = pif["id"].(string)
		}
		net["PIFs"] = strs(pif["id"].(string))
		pifIDs = append(pifIDs, pif["id"])
		s.put("pifs", pif)
	}

	host := s.proto("host")
	host["id"], host["uuid"], host["$pool"], host["$poolId"] = s.HostID, s.HostID, s.PoolID, s.PoolID
	host["_xapiRef"] = "OpaqueRef:" + s.newID()
	host["name_label"], host["name_description"], host["hostname"], host["address"] = "xcp-dl380", "HPE ProLiant DL380 Gen11", "xcp-dl380", "10.10.10.11"
	host["PIFs"], host["$PIFs"] = pifIDs, clone(pifIDs)
	host["$PBDs"] = clone(sr["$PBDs"])
	host["memory"] = map[string]any{"size": float64(137438953472), "usage": float64(4294967296)}
	host["residentVms"] = []any{}
	host["tags"], host["current_operations"] = []any{}, map[string]any{}
	host["power_state"], host["enabled"] = "Running", true
	host["bios_strings"] = map[string]any{"system-manufacturer": "HPE", "system-product-name": "ProLiant DL380 Gen11"}
	host["productBrand"] = "XCP-ng"
	if cpus, ok := host["CPUs"].(map[string]any); ok {
		cpus["cpu_count"], cpus["socket_count"], cpus["modelname"] = "64", "2", "Intel(R) Xeon(R) Gold 6430"
	}
	host["cpus"] = map[string]any{"cores": float64(64), "sockets": float64(2)}
	s.put("hosts", host)

	s.DebianTemplateID = s.seedTemplate("Debian 12 Cloud-init (Hub)", "Debian 12 Cloud-Init Ready Hub Template", 2, 2<<30, 20<<30, "bios", false)
	s.WindowsTemplateID = s.seedTemplate("Windows Server 2022 (64-bit)", "Clones of this template will automatically provision their storage when first booted", 2, 4<<30, 64<<30, "uefi", true)

	alarm := s.proto("alarm")
	aid := s.newID()
	alarm["id"], alarm["uuid"], alarm["$pool"], alarm["$poolId"] = aid, aid, s.PoolID, s.PoolID
	alarm["_xapiRef"] = "OpaqueRef:" + s.newID()
	alarm["object"] = map[string]any{"type": "SR", "uuid": s.LocalSRID}
	alarm["body"] = map[string]any{"name": "physical_utilisation", "value": "0.2"}
	s.put("alarms", alarm)
}

// seedTemplate adds a VM template with one disk (device 0) and, for Debian, one VIF (device 0)
// on the management network.
func (s *Server) seedTemplate(name, desc string, cpus int, mem, disk int64, firmware string, windows bool) string {
	t := s.base("VM-template", "vm-templates")
	id := t["id"].(string)
	t["name_label"], t["name_description"] = name, desc
	t["isDefaultTemplate"] = false
	t["CPUs"] = map[string]any{"max": float64(cpus), "number": float64(cpus)}
	t["memory"] = map[string]any{"dynamic": []any{float64(mem), float64(mem)}, "static": []any{float64(mem / 2), float64(mem)}, "size": float64(mem)}
	t["boot"] = map[string]any{"firmware": firmware, "order": "cdn"}
	t["viridian"] = windows
	t["$container"] = s.PoolID
	t["other"] = map[string]any{}
	// Hub templates carry their disk as a real VDI.
	vdi := s.base("VDI", "vdis")
	vdi["name_label"], vdi["name_description"] = name+" disk", "Created by XO"
	vdi["size"], vdi["usage"], vdi["$SR"] = float64(disk), float64(disk/10), s.LocalSRID
	vbd := s.base("VBD", "vbds")
	vbd["VM"], vbd["VDI"], vbd["device"], vbd["position"], vbd["bootable"], vbd["attached"] = id, vdi["id"], "xvda", "0", true, false
	vdi["$VBDs"] = strs(vbd["id"].(string))
	s.put("vdis", vdi)
	s.put("vbds", vbd)
	s.appendTo("srs", s.LocalSRID, "VDIs", vdi["id"].(string))
	t["$VBDs"] = strs(vbd["id"].(string))
	t["template_info"] = map[string]any{"disks": []any{}, "install_methods": []any{}}
	if !windows {
		vif := s.newVIF(id, s.ManagementNetworkID, "0")
		t["VIFs"] = strs(vif)
		t["other"] = map[string]any{"xo:resource:namespace": "Debian12"}
	}
	s.put("vm-templates", t)
	return id
}

func (s *Server) appendTo(coll, id, field, v string) {
	o := s.get(coll, id)
	if o == nil {
		return
	}
	l, _ := o[field].([]any)
	o[field] = append(l, v)
}

func (s *Server) removeFrom(coll, id, field, v string) {
	o := s.get(coll, id)
	if o == nil {
		return
	}
	l, _ := o[field].([]any)
	out := []any{}
	for _, e := range l {
		if e != v {
			out = append(out, e)
		}
	}
	o[field] = out
}

// newVIF creates a VIF of vm on network with device.
func (s *Server) newVIF(vm, network, device string) string {
	vif := s.base("VIF", "vifs")
	id := vif["id"].(string)
	vif["device"], vif["$VM"], vif["$network"] = device, vm, network
	vif["MAC"] = fmt.Sprintf("fe:2e:%02x:%02x:%02x:%02x", byte(s.seq>>24), byte(s.seq>>16), byte(s.seq>>8), byte(s.seq))
	vif["attached"] = false
	s.put("vifs", vif)
	s.appendTo("networks", network, "VIFs", id)
	return id
}
