package netdata

import (
	"context"
	"errors"
	"net/url"
)

// Node is a host this agent holds data for: itself and, on a parent, each streaming child.
// It is read from /api/v3/nodes on agents that have it (≥ v2.0) and from
// /api/v1/info mirrored_hosts_status otherwise.
type Node struct {
	Hostname    string
	MachineGUID string
	NodeID      string // Netdata Cloud node id, "" when unclaimed
	// Reachable is true for the agent itself and for children currently streaming.
	Reachable bool
	// Hops is 0 for the agent itself, 1 for a direct child.
	Hops int
	// Version is the node's agent version (v3 only).
	Version string
	// State is "reachable", "stale" or "offline" (derived from Reachable on v1).
	State string
}

type v3Nodes struct {
	Nodes []struct {
		MG      string `json:"mg"`
		ND      string `json:"nd"`
		NM      string `json:"nm"`
		NI      Int    `json:"ni"`
		Version string `json:"version"`
		Hops    Int    `json:"hops"`
		State   string `json:"state"`
	} `json:"nodes"`
}

// Nodes lists the hosts this agent holds data for. The v3 endpoint is used only when
// /api/v1/info reports v2.0 or later; v1 is the baseline.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	return c.nodes(ctx, info)
}

func (c *Client) nodes(ctx context.Context, info *Info) ([]Node, error) {
	if info.HasAPIv3() {
		var out v3Nodes
		_, err := c.get(ctx, "/api/v3/nodes", url.Values{"options": {"minimal"}}, &out)
		if err == nil {
			nodes := make([]Node, 0, len(out.Nodes))
			for _, n := range out.Nodes {
				nodes = append(nodes, Node{Hostname: n.NM, MachineGUID: n.MG, NodeID: n.ND, Reachable: n.State == "" || n.State == "reachable",
					Hops: int(n.Hops), Version: n.Version, State: n.State})
			}
			return nodes, nil
		}
		if !errors.Is(err, ErrUnsupported) {
			return nil, err
		}
	}
	nodes := make([]Node, 0, len(info.MirroredHostsStatus))
	for _, h := range info.MirroredHostsStatus {
		st := "offline"
		if h.Reachable {
			st = "reachable"
		}
		n := Node{Hostname: h.Hostname, MachineGUID: h.GUID, NodeID: h.NodeID, Reachable: bool(h.Reachable), Hops: int(h.Hops), State: st}
		if n.Hops == 0 {
			n.Version = info.Version
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 { // very old agents: names only
		for _, h := range info.MirroredHosts {
			nodes = append(nodes, Node{Hostname: h, Reachable: true, State: "reachable"})
		}
	}
	return nodes, nil
}
