package temporal

import (
	"fmt"

	"github.com/sitekit/sitekit/blueprint"
	"github.com/sitekit/sitekit/blueprint/blueprinttest"
)

// sharedSite is the k-th (1 to 100) of several sites sharing one Xen Orchestra (and its
// host): the reference site renamed, its VLAN IDs (40k+1 …) and VM names made distinct.
func sharedSite(k int) blueprint.Site {
	s := blueprinttest.Pessac().WithDefaults()
	s.Name = fmt.Sprintf("shared-%d", k)
	s.Network = blueprint.DefaultNetwork(fmt.Sprintf("10.%d.0.0/16", 100+k))
	for i := range s.Network.VLANs {
		s.Network.VLANs[i].ID = 40*k + i + 1
	}
	s.VMs = blueprint.DefaultVMs(s.Network)
	rename := map[string]string{}
	for i := range s.VMs {
		rename[s.VMs[i].Name] = fmt.Sprintf("s%d-%s", k, s.VMs[i].Name)
		s.VMs[i].Name = rename[s.VMs[i].Name]
	}
	for i, svc := range s.Teleworkers.Services {
		if n, ok := rename[svc]; ok {
			s.Teleworkers.Services[i] = n
		}
	}
	return s
}
