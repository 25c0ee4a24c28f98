package blueprint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

// ── NFS share of the XO backup repository ──────────────────────────────────────────────

type tnNFSState struct {
	Path         string   `json:"path"`
	Comment      string   `json:"comment"`
	Hosts        []string `json:"hosts"`
	Networks     []string `json:"networks"`
	MaprootUser  string   `json:"maproot_user"`
	MaprootGroup string   `json:"maproot_group"`
	Enabled      bool     `json:"enabled"`
}

func (b *build) truenasNFS() {
	c := b.conns.TrueNAS
	ds := keyTNDataset(b.truenasRoot() + "/" + nfsBackupShare)
	mount := engine.Output[string](ds, "mountpoint")
	// The export is restricted to the XCP-ng host's management address when XO knows it,
	// else to the management VLAN.
	var mgmt string
	if ms := b.site.Network.ByRole(RoleMgmt); len(ms) > 0 {
		mgmt = ms[0].Subnet.Masked().String()
	}
	hostAddr := b.str(keyXOHost(b.site.Host.Name), "address", "")
	want := func(in engine.Inputs) tnNFSState {
		w := tnNFSState{Path: mount.Get(in), Comment: b.marker, Hosts: []string{}, Networks: []string{},
			MaprootUser: "root", MaprootGroup: "root", Enabled: true}
		if a := hostAddr.get(in); a != "" {
			w.Hosts = []string{a}
		} else if mgmt != "" {
			w.Networks = []string{mgmt}
		}
		return w
	}
	// The share's "host" output is the NFS server XO mounts: the host of the URL this client
	// reaches TrueNAS by (an address or a name that resolves here, so most likely for XO
	// too), not the NAS's own hostname, which XO may not resolve. system.info's hostname is
	// only a fallback (a client built without a host, which New refuses today).
	host := func(ctx context.Context, r *engine.Reader) (string, error) {
		if h := c.BaseURL().Hostname(); h != "" {
			return h, nil
		}
		info, err := engine.ListAs(ctx, r, appTrueNAS, tnCollSystem, c.System.Info)
		if err != nil {
			return "", err
		}
		return info.Hostname, nil
	}
	b.add(&engine.Func[tnNFSState]{
		ID:       keyNFSShare(nfsBackupShare),
		Uses:     append([]engine.Reference{mount}, hostAddr.uses()...),
		Provides: []string{"path", "host", "id"},
		WantFn:   want,
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			h, err := host(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			pool, err := b.truenasPool(ctx, r)
			if err != nil {
				return engine.NotFound(), err
			}
			path := "/mnt/" + pool + "/" + b.truenasRoot() + "/" + nfsBackupShare
			shares, err := truenasList(ctx, b, r, tnCollNFS, c.NFSShares.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(shares, func(s truenas.NFSShare) bool { return s.Path == path })
			if i < 0 {
				return engine.NotFound(), nil
			}
			s := shares[i]
			st := tnNFSState{Path: s.Path, Comment: s.Comment, Hosts: nonNil(s.Hosts), Networks: nonNil(s.Networks),
				MaprootUser: s.MaprootUser, MaprootGroup: s.MaprootGroup, Enabled: s.Enabled}
			return engine.Found(st, hasMarker(s.Comment, b.site.Name),
				engine.Outputs{"path": s.Path, "host": h, "id": s.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnNFSState) (engine.Outputs, error) {
			h, err := host(ctx, engine.NewReader(b.site.Name))
			if err != nil {
				return nil, describe(appTrueNAS, "NFS share "+w.Path, err)
			}
			s, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: w.Path, Comment: &w.Comment, Hosts: w.Hosts,
				Networks: w.Networks, MaprootUser: &w.MaprootUser, MaprootGroup: &w.MaprootGroup, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "NFS share "+w.Path, rpcWriteErr(err))
			}
			return engine.Outputs{"path": s.Path, "host": h, "id": s.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnNFSState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnNFSState](cur)
			id := tnID(cur.Outputs["id"])
			var u truenas.NFSShareRequest
			if have.Comment != w.Comment {
				u.Comment = &w.Comment
			}
			if !slices.Equal(have.Hosts, w.Hosts) {
				u.Hosts = w.Hosts
			}
			if !slices.Equal(have.Networks, w.Networks) {
				u.Networks = w.Networks
			}
			if have.MaprootUser != w.MaprootUser || have.MaprootGroup != w.MaprootGroup {
				u.MaprootUser, u.MaprootGroup = &w.MaprootUser, &w.MaprootGroup
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			if have.Path != w.Path {
				u.Path = w.Path
			}
			_, err := c.NFSShares.Update(ctx, id, u)
			return nil, describe(appTrueNAS, "NFS share "+w.Path, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas NFS share: not managed by %s, kept", b.site.Name)
			}
			return deleted(appTrueNAS, "NFS share", c.NFSShares.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tnID reads a numeric id output (int64 when fresh, float64 after JSON).
func tnID(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// ── SMB shares ─────────────────────────────────────────────────────────────────────────

type tnSMBState struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Comment string `json:"comment"`
	Enabled bool   `json:"enabled"`
}

func (b *build) truenasSMB(dept string) {
	c := b.conns.TrueNAS
	mount := engine.Output[string](keyTNDataset(b.truenasRoot()+"/smb/"+dept), "mountpoint")
	b.add(&engine.Func[tnSMBState]{
		ID:       engine.K(appTrueNAS, "smb-share", dept),
		Uses:     []engine.Reference{mount},
		Provides: []string{"id"},
		WantFn: func(in engine.Inputs) tnSMBState {
			return tnSMBState{Name: dept, Path: mount.Get(in), Comment: b.marker, Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			shares, err := truenasList(ctx, b, r, tnCollSMB, c.SMBShares.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(shares, func(s truenas.SMBShare) bool { return strings.EqualFold(s.Name, dept) })
			if i < 0 {
				return engine.NotFound(), nil
			}
			s := shares[i]
			return engine.Found(tnSMBState{Name: s.Name, Path: s.Path, Comment: s.Comment, Enabled: s.Enabled},
				hasMarker(s.Comment, b.site.Name), engine.Outputs{"id": s.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnSMBState) (engine.Outputs, error) {
			s, err := c.SMBShares.Create(ctx, truenas.SMBShareRequest{Name: w.Name, Path: w.Path, Comment: &w.Comment, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "SMB share "+dept, rpcWriteErr(err))
			}
			return engine.Outputs{"id": s.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnSMBState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnSMBState](cur)
			var u truenas.SMBShareRequest
			if have.Comment != w.Comment {
				u.Comment = &w.Comment
			}
			if have.Path != w.Path {
				u.Path = w.Path
			}
			if have.Name != w.Name {
				u.Name = w.Name
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.SMBShares.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "SMB share "+dept, err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SMB share %s: not managed by %s, kept", dept, b.site.Name)
			}
			return deleted(appTrueNAS, "SMB share "+dept, c.SMBShares.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}
