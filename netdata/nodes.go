package netdata

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"slices"
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

// NodesService lists the hosts an agent holds data for. Obtain it as Client.Nodes.
type NodesService struct{ c *Client }

// NodeListOptions filters the node listing (applied by the client). A nil *NodeListOptions
// lists every node.
type NodeListOptions struct {
	// Reachable keeps the agent itself and the children streaming now.
	Reachable bool
}

// List returns the hosts the agent holds data for: itself first, then, on a parent, each
// child. It reads /api/v3/nodes only when /api/v1/info reports v2.0 or later, and
// /api/v1/info's mirrored_hosts_status otherwise.
func (s *NodesService) List(ctx context.Context, opts *NodeListOptions) ([]Node, error) {
	info, err := s.c.Info(ctx)
	if err != nil {
		return nil, err
	}
	nodes, err := s.c.nodes(ctx, info)
	if err != nil {
		return nil, err
	}
	if opts != nil && opts.Reachable {
		nodes = slices.DeleteFunc(nodes, func(n Node) bool { return !n.Reachable })
	}
	return nodes, nil
}

// All iterates over List's answer.
func (s *NodesService) All(ctx context.Context, opts *NodeListOptions) iter.Seq2[Node, error] {
	return items(func() ([]Node, error) { return s.List(ctx, opts) })
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
