// Package blueprinttest starts the five appliance simulators of a site in-process, linked
// as the real appliances are on a site, and hands back [blueprint.Connections] to them: what
// a test of a site, a drift check or an audit tool needs, in the spirit of net/http/httptest.
//
//	kit := blueprinttest.Start(t, blueprinttest.WithSite(site)) // closed by t.Cleanup
//	plan, err := bp.Plan(ctx, kit.Connections())
//
// Programs use [New] and [Site.Close] instead of [Start].
//
// The simulators are linked as on a site:
//   - the XO host is named after the site's host ([blueprint.Site.Host]), and a second host
//     of the same pool is added when the site has a standby host;
//   - the EMS lists the FortiGate as pending authorization (its connector registered it), and
//     the FortiGate's EMS connector reports "success" once the EMS authorized it;
//   - the Netdata simulator is the site's parent (named after the monitor VM), and each Linux
//     VM that XO starts with a cloud-init drive configuring Netdata to stream to the parent's
//     address streams to it; it stops streaming when the VM halts or is destroyed.
//     Nothing has to be registered by hand.
//
// Every simulator serves TLS on loopback with a fresh self-signed certificate; the clients
// the kit builds are pinned to it.
package blueprinttest
