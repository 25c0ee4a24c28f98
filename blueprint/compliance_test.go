package blueprint

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sitekit/sitekit/fortigate"
)

func TestCronInterval(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"*/15 * * * *": 15 * time.Minute,
		"0 * * * *":    time.Hour,
		"0 1 * * *":    24 * time.Hour,
		"0 1,13 * * *": 12 * time.Hour,
		"30 2 * * 0":   7 * 24 * time.Hour,
		"0 3 1 * *":    31 * 24 * time.Hour, // the longest month
		"0 2 * * 1-5":  72 * time.Hour,      // Friday to Monday
		"* * * * *":    time.Minute,
		"bad":          0,
	} {
		assert.Equal(t, want, cronInterval(expr), expr)
	}
}

func FuzzCronInterval(f *testing.F) {
	for _, s := range []string{"*/15 * * * *", "0 1 * * *", "1-5/2 0-23/3 1,15 * 1-5", "a b c d e", "-5 -1 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if d := cronInterval(expr); d < 0 {
			t.Fatalf("cronInterval(%q) = %s < 0", expr, d)
		}
	})
}

func TestActualFlows(t *testing.T) {
	s := referenceSite().WithDefaults()
	ref := fortigate.Refs
	pols := []fortigate.Policy{
		{Name: "deny-first", SrcIntf: ref("invites"), DstIntf: ref("servers"), DstAddr: ref("all"), Service: ref("ALL"), Action: "deny"},
		{Name: "allow-after", SrcIntf: ref("invites"), DstIntf: ref("servers"), DstAddr: ref("all"), Service: ref("ALL"), Action: "accept"},
		{Name: "disabled", Status: "disable", SrcIntf: ref("invites"), DstIntf: ref("mgmt"), DstAddr: ref("all"), Service: ref("ALL"), Action: "accept"},
		{Name: "any", SrcIntf: ref("any"), DstIntf: ref("wan1"), DstAddr: ref("all"), Service: ref("ALL"), Action: "accept"},
		{Name: "two-zones", SrcIntf: ref("mgmt"), DstIntf: ref("servers", "dmz-web"), DstAddr: ref("pv-pessac-servers-net", "pv-pessac-dmz-web-net"),
			Service: ref("SSH"), Action: "accept"},
	}
	m := actualFlows(s, pols)
	assert.Empty(t, m["invites→servers"], "shadowed by the deny before it")
	assert.Empty(t, m["invites→mgmt"], "disabled")
	assert.Equal(t, []string{"ALL→all"}, m["compta→internet"], "any matches every zone")
	assert.Equal(t, []string{"SSH→pv-pessac-servers-net"}, m["mgmt→servers"], "addresses bound to their zone")
	assert.Equal(t, []string{"SSH→pv-pessac-dmz-web-net"}, m["mgmt→dmz-web"])
}
