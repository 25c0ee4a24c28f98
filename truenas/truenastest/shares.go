package truenastest

import (
	"fmt"
	"net"
	"slices"
	"strings"
)

// SMB purposes per API version (api/v25_04_2 and api/v25_10_0 smb.py at TS-25.10.6).
var (
	smbPurposes2504 = []string{"NO_PRESET", "DEFAULT_SHARE", "TIMEMACHINE", "ENHANCED_TIMEMACHINE", "MULTI_PROTOCOL_NFS",
		"PRIVATE_DATASETS", "WORM_DROPBOX", "VEEAM_REPOSITORY_SHARE"}
	smbPurposes2510 = []string{"DEFAULT_SHARE", "LEGACY_SHARE", "TIMEMACHINE_SHARE", "MULTIPROTOCOL_SHARE", "TIME_LOCKED_SHARE",
		"PRIVATE_DATASETS_SHARE", "EXTERNAL_SHARE", "VEEAM_REPOSITORY_SHARE"}
)

func checkSharePath(st *state, sch, path string) []verr {
	switch {
	case path == "":
		return []verr{{attr: sch + ".path", msg: "Field required"}}
	case !strings.HasPrefix(path, "/mnt/"):
		return []verr{{attr: sch + ".path", msg: "The path must reside within a pool mount point"}}
	case !st.mountpointExists(path):
		return []verr{{attr: sch + ".path", msg: fmt.Sprintf("Path %s is not the mountpoint of an existing dataset", path)}}
	}
	return nil
}

func nfsValidate(st *state, sch string, row map[string]any, id int64) []verr {
	path, _ := row["path"].(string)
	errs := checkSharePath(st, sch, path)
	for i, n := range anyList(row["networks"]) {
		s, _ := n.(string)
		if _, _, err := net.ParseCIDR(s); err != nil && net.ParseIP(s) == nil {
			errs = append(errs, verr{attr: fmt.Sprintf("%s.networks.%d", sch, i), msg: "Invalid IP network"})
		}
	}
	for i, h := range anyList(row["hosts"]) {
		s, _ := h.(string)
		if s == "" || strings.ContainsAny(s, " \"") {
			errs = append(errs, verr{attr: fmt.Sprintf("%s.hosts.%d", sch, i), msg: "Cannot contain spaces or quotes"})
		}
	}
	if (row["maproot_user"] != nil || row["maproot_group"] != nil) && (row["mapall_user"] != nil || row["mapall_group"] != nil) {
		errs = append(errs, verr{attr: sch + ".mapall_user", msg: "maproot_user disqualifies mapall_user"})
	}
	if len(errs) == 0 {
		for _, other := range st.tables["sharing.nfs"].list() {
			if other["path"] == path && other["id"] != id {
				errs = append(errs, verr{attr: sch + ".path", msg: "Export already exists for this path", errno: 17})
			}
		}
	}
	return errs
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func smbValidate(st *state, version, sch string, row map[string]any, data map[string]any, id int64) []verr {
	path, _ := row["path"].(string)
	errs := checkSharePath(st, sch, path)
	name, _ := row["name"].(string)
	switch {
	case name == "":
		errs = append(errs, verr{attr: sch + ".name", msg: "Field required"})
	case len(name) > 80:
		errs = append(errs, verr{attr: sch + ".name", msg: "Share name must be at most 80 characters"})
	case slices.Contains([]string{"global", "printers", "homes"}, strings.ToLower(name)):
		errs = append(errs, verr{attr: sch + ".name", msg: fmt.Sprintf("%s is a reserved section name", name)})
	case strings.ContainsAny(name, `\/[]:|<>+=;,*?"`):
		errs = append(errs, verr{attr: sch + ".name", msg: "Share name contains invalid characters"})
	default:
		for _, other := range st.tables["sharing.smb"].list() {
			if strings.EqualFold(fmt.Sprint(other["name"]), name) && other["id"] != id {
				errs = append(errs, verr{attr: sch + ".name", msg: "Share with this name already exists.", errno: 17})
			}
		}
	}
	if p, ok := data["purpose"]; ok {
		purposes := smbPurposes2510
		if truenasCompare(version, "v25.10.0") < 0 {
			purposes = smbPurposes2504
		}
		if s, _ := p.(string); !slices.Contains(purposes, s) {
			errs = append(errs, verr{attr: sch + ".purpose", msg: "Input should be " + quoteList(purposes)})
		} else if _, hasOpts := data["options"]; !hasOpts && truenasCompare(version, "v25.10.0") >= 0 {
			errs = append(errs, verr{attr: sch + ".options", msg: "Field required when purpose is set"})
		}
	}
	return errs
}

// smbStore converts the version's field names to the stored (25.10) form.
func smbStore(row, data map[string]any, version string) []verr {
	old := truenasCompare(version, "v25.10.0") < 0
	sch := "sharing_smb"
	for k, v := range data {
		switch k {
		case "name", "path", "comment", "enabled", "browsable", "options", "audit":
			row[k] = v
		case "purpose":
			if old {
				row["purpose"] = map[string]string{"NO_PRESET": "LEGACY_SHARE", "TIMEMACHINE": "TIMEMACHINE_SHARE",
					"ENHANCED_TIMEMACHINE": "TIMEMACHINE_SHARE", "MULTI_PROTOCOL_NFS": "MULTIPROTOCOL_SHARE",
					"PRIVATE_DATASETS": "PRIVATE_DATASETS_SHARE", "WORM_DROPBOX": "TIME_LOCKED_SHARE"}[v.(string)]
				if row["purpose"] == "" {
					row["purpose"] = v
				}
			} else {
				row["purpose"] = v
			}
		case "ro", "readonly":
			row["readonly"] = v
		case "abe", "access_based_share_enumeration":
			row["access_based_share_enumeration"] = v
		case "guestok", "hostsallow", "hostsdeny", "recyclebin", "timemachine", "shadowcopy", "auxsmbconf":
			if !old {
				return []verr{{attr: sch + "." + k, msg: "Extra inputs are not permitted"}}
			}
		default:
			return []verr{{attr: sch + "." + k, msg: "Extra inputs are not permitted"}}
		}
	}
	return nil
}

// smbRender renders a stored share in the shape of the endpoint version.
func smbRender(row map[string]any, version string) map[string]any {
	out := toRow(row)
	if truenasCompare(version, "v25.10.0") < 0 {
		out["ro"] = out["readonly"]
		out["abe"] = out["access_based_share_enumeration"]
		delete(out, "readonly")
		delete(out, "access_based_share_enumeration")
		delete(out, "options")
		out["purpose"] = map[string]string{"LEGACY_SHARE": "NO_PRESET", "TIMEMACHINE_SHARE": "TIMEMACHINE",
			"MULTIPROTOCOL_SHARE": "MULTI_PROTOCOL_NFS", "PRIVATE_DATASETS_SHARE": "PRIVATE_DATASETS",
			"TIME_LOCKED_SHARE": "WORM_DROPBOX", "DEFAULT_SHARE": "DEFAULT_SHARE", "VEEAM_REPOSITORY_SHARE": "VEEAM_REPOSITORY_SHARE"}[fmt.Sprint(out["purpose"])]
	}
	return out
}

func init() {
	nfsFields := []string{"path", "comment", "networks", "hosts", "ro", "maproot_user", "maproot_group", "mapall_user",
		"mapall_group", "security", "enabled", "expose_snapshots", "aliases"}
	nfsWrite := func(c *call, id int64, data map[string]any) (any, error) {
		sch := "sharing_nfs_create"
		t := c.s.st.tables["sharing.nfs"]
		row := map[string]any{"path": "", "comment": "", "networks": []any{}, "hosts": []any{}, "ro": false,
			"maproot_user": nil, "maproot_group": nil, "mapall_user": nil, "mapall_group": nil, "security": []any{},
			"enabled": true, "expose_snapshots": false, "aliases": []any{}, "locked": false}
		if id != 0 {
			sch = "sharing_nfs_update"
			old, err := t.get(id, "NFS share")
			if err != nil {
				return nil, err
			}
			row = toRow(old)
		}
		for k, v := range data {
			if !slices.Contains(nfsFields, k) {
				return nil, validationError(verr{attr: sch + "." + k, msg: "Extra inputs are not permitted"})
			}
			if v == "" && strings.HasPrefix(k, "map") {
				v = nil
			}
			row[k] = v
		}
		if errs := nfsValidate(c.s.st, sch, row, id); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		if id != 0 {
			row["id"] = id
			t.rows[id] = row
			return toRow(row), nil
		}
		return toRow(t.insert(row)), nil
	}
	crudTable{name: "sharing.nfs", what: "NFS share", render: plain, write: nfsWrite}.register()

	smbWrite := func(c *call, id int64, data map[string]any) (any, error) {
		sch := "sharing_smb_create"
		t := c.s.st.tables["sharing.smb"]
		row := map[string]any{"name": "", "path": "", "comment": "", "purpose": "DEFAULT_SHARE", "enabled": true,
			"browsable": true, "readonly": false, "access_based_share_enumeration": false, "audit": map[string]any{"enable": false},
			"options": nil, "locked": false}
		if id != 0 {
			sch = "sharing_smb_update"
			old, err := t.get(id, "SMB share")
			if err != nil {
				return nil, err
			}
			row = toRow(old)
		}
		if errs := smbValidate(c.s.st, c.ss.version, sch, mergeRow(row, data), data, id); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		if errs := smbStore(row, data, c.ss.version); len(errs) > 0 {
			for i := range errs {
				errs[i].attr = strings.Replace(errs[i].attr, "sharing_smb", sch, 1)
			}
			return nil, validationError(errs...)
		}
		if id != 0 {
			row["id"] = id
			t.rows[id] = row
			return smbRender(row, c.ss.version), nil
		}
		return smbRender(t.insert(row), c.ss.version), nil
	}
	smbRow := func(c *call, row map[string]any) map[string]any { return smbRender(row, c.ss.version) }
	crudTable{name: "sharing.smb", what: "SMB share", render: smbRow, write: smbWrite}.register()
}

func mergeRow(row, data map[string]any) map[string]any {
	out := toRow(row)
	for k, v := range data {
		out[k] = v
	}
	return out
}
