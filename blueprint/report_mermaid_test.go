package blueprint_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// mermaidBlocks returns the bodies of the ```mermaid blocks of a Markdown document.
func mermaidBlocks(t *testing.T, md string) []string {
	t.Helper()
	var out []string
	for _, part := range strings.Split(md, "```mermaid\n")[1:] {
		body, _, ok := strings.Cut(part, "\n```\n")
		require.True(t, ok, "a mermaid block is closed")
		out = append(out, body+"\n")
	}
	return out
}

var (
	mmNode     = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)(\(\(|\{\{|\[\(|\(\[|\[)"[^"]*"(\)\)|\}\}|\)\]|\]\)|\])$`)
	mmSubgraph = regexp.MustCompile(`^\s*subgraph ([A-Za-z0-9_]+)\["([^"]*)"\]$`)
	mmEdge     = regexp.MustCompile(`^\s*([A-Za-z0-9_]+) (---|-->|-\.->)(\|"[^"]*"\|)? ([A-Za-z0-9_]+)$`)
	mmStyle    = regexp.MustCompile(`^\s*linkStyle (\d+) [a-z:#0-9,-]+$`)
)

// checkFlowchart checks that body is a Mermaid flowchart made of the statements the report
// writes (quoted labels, balanced subgraphs, edges between declared nodes, link styles on
// existing links) and returns the labels of its subgraphs and nodes by id.
func checkFlowchart(t *testing.T, body string) (subgraphs, nodes map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	require.Regexp(t, `^flowchart (TB|LR)$`, lines[0])
	subgraphs, nodes = map[string]string{}, map[string]string{}
	depth, edges := 0, 0
	var styles []int
	type edge struct{ from, to string }
	var all []edge
	for _, l := range lines[1:] {
		switch {
		case mmSubgraph.MatchString(l):
			m := mmSubgraph.FindStringSubmatch(l)
			subgraphs[m[1]] = m[2]
			depth++
		case strings.TrimSpace(l) == "end":
			depth--
			require.GreaterOrEqual(t, depth, 0, "end without subgraph")
		case mmEdge.MatchString(l):
			m := mmEdge.FindStringSubmatch(l)
			all = append(all, edge{m[1], m[4]})
			edges++
		case mmStyle.MatchString(l):
			var i int
			_, _ = strings.NewReader(mmStyle.FindStringSubmatch(l)[1]).Read(nil)
			for _, c := range mmStyle.FindStringSubmatch(l)[1] {
				i = i*10 + int(c-'0')
			}
			styles = append(styles, i)
		case mmNode.MatchString(l):
			m := mmNode.FindStringSubmatch(l)
			_, dup := nodes[m[1]]
			require.False(t, dup, "node %s declared twice", m[1])
			label := l[strings.Index(l, `"`)+1 : strings.LastIndex(l, `"`)]
			nodes[m[1]] = label
		default:
			t.Fatalf("not a statement of the report's flowcharts: %q", l)
		}
	}
	assert.Zero(t, depth, "subgraphs balanced")
	for _, e := range all {
		for _, id := range []string{e.from, e.to} {
			_, n := nodes[id]
			_, s := subgraphs[id]
			assert.True(t, n || s, "edge end %s is declared", id)
		}
	}
	for _, i := range styles {
		assert.Less(t, i, edges, "linkStyle %d names an existing link", i)
	}
	return subgraphs, nodes
}

// The report of each offer has a network diagram with every VLAN (and its VMs) and a
// reachability diagram with every zone, both well-formed; each says only what its offer
// does.
func TestReportDiagrams(t *testing.T) {
	ctx := context.Background()
	site := blueprinttest.Pessac()
	site.StandbyHost = blueprint.DefaultHost()
	site.StandbyHost.Name = "xcp-standby"
	kit := blueprinttest.Start(t, blueprinttest.WithSite(site))
	basseSite := site
	basseSite.Teleworkers, basseSite.StandbyHost = blueprint.Teleworkers{}, blueprint.Host{}
	basse, err := blueprint.Basse(basseSite)
	require.NoError(t, err)
	standardSite := site
	standardSite.StandbyHost = blueprint.Host{}
	standard, err := blueprint.Standard(standardSite)
	require.NoError(t, err)
	premium, err := blueprint.Premium(site)
	require.NoError(t, err)

	for _, bp := range []*blueprint.Blueprint{basse, standard, premium} {
		t.Run(string(bp.Tier()), func(t *testing.T) {
			plan, err := bp.Plan(ctx, kit.Connections())
			require.NoError(t, err)
			md, err := plan.Report(ctx, nil)
			require.NoError(t, err)
			blocks := mermaidBlocks(t, md)
			require.Len(t, blocks, 2, "network and reachability diagrams")

			subgraphs, nodes := checkFlowchart(t, blocks[0])
			var vlans []string
			for _, label := range subgraphs {
				vlans = append(vlans, strings.SplitN(label, " · ", 2)[0])
			}
			for _, v := range bp.Site().Network.VLANs {
				assert.Contains(t, vlans, v.Name, "VLAN %s in the network diagram", v.Name)
			}
			for _, vm := range bp.Site().VMs {
				assert.Contains(t, nodes, "vm_"+vm.Name)
			}
			for _, id := range []string{"internet", "fortigate", "truenas", "offsite", "host"} {
				assert.Contains(t, nodes, id)
			}

			_, zones := checkFlowchart(t, blocks[1])
			for _, v := range bp.Site().Network.VLANs {
				assert.Contains(t, zones, "zone_"+strings.ReplaceAll(v.Name, "-", "_2d"), "zone %s in the reachability diagram", v.Name)
			}

			lower := strings.ToLower(md)
			switch bp.Tier() {
			case blueprint.TierBasse:
				for _, word := range []string{"replicas", "replicated", "continuous replication"} {
					assert.NotContains(t, lower, word)
				}
				assert.NotContains(t, md, "ems not connected")
				assert.NotContains(t, nodes, "standby")
			case blueprint.TierStandard:
				assert.Contains(t, blocks[0], `host -.->|"continuous replication */15 * * * *"| host`)
			case blueprint.TierPremium:
				assert.Contains(t, blocks[0], `host -.->|"continuous replication */15 * * * *"| standby`)
			}
		})
	}
}

// A hand-added guests → servers policy shows in the live report's reachability diagram as
// a red arrow marked "not intended".
func TestReachabilityDiagramMarksUnintendedFlows(t *testing.T) {
	comp := &blueprint.Compliance{
		Zones:    []string{"internet", "servers", "invites"},
		Intended: map[string][]string{"invites→internet": {"ALL→all"}, "internet→servers": {"https→vip"}},
		Actual:   map[string][]string{"invites→internet": {"ALL→all"}, "invites→servers": {"ALL→all"}},
	}
	d := comp.ReachabilityDiagram()
	checkFlowchart(t, d)
	assert.Contains(t, d, `zone_invites -->|"not intended: ALL→all"| zone_servers`)
	assert.Contains(t, d, `zone_internet -.->|"missing: https→vip"| zone_servers`)
	// Links are numbered in the order they are written: missing (0), intended (1), not intended (2).
	assert.Contains(t, d, "linkStyle 0 stroke:#d00")
	assert.NotContains(t, d, "linkStyle 1")
	assert.Contains(t, d, "linkStyle 2 stroke:#d00")
}
