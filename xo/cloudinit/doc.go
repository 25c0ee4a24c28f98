// Package cloudinit builds the cloud-init documents Xen Orchestra puts on a VM's NoCloud
// config drive: `#cloud-config` user-data (create_vm's `cloud_config`) and network-config
// version 1 or 2 (create_vm's `network_config`).
//
// Documents are typed structs ([UserData], [NetworkConfig]) rendered with go.yaml.in/yaml/v3,
// never assembled as text, and parsed back into the same types with [ParseUserData] and
// [ParseNetworkConfig]. XO does no templating server-side (`{name}` sent literally breaks
// cloud-init): everything is rendered here, in Go.
//
// # Usage
//
// Write a base (host name, users), add ready-made recipes, compose, render:
//
//	base := cloudinit.UserData{
//		Hostname: "web", FQDN: "web.pessac.lan", ManageEtcHosts: true, Timezone: "Europe/Paris",
//		Users: []cloudinit.User{cloudinit.AdminUser("sitekit", sshKey)},
//	}
//	lamp, err := cloudinit.LAMP(cloudinit.LAMPOptions{ManagementSubnet: mgmt})
//	agent, err := cloudinit.NetdataAgent(cloudinit.NetdataAgentOptions{
//		Address: webIP, AllowFrom: []netip.Prefix{mgmt}, Parent: parent, APIKey: streamKey,
//	})
//	ud, err := cloudinit.Compose(base, lamp, agent)
//	userData, err := ud.Render() // → xo create_vm cloud_config
//	netCfg, err := cloudinit.NetworkConfig{Version: cloudinit.NetworkV1,
//		Interfaces: []cloudinit.Interface{cloudinit.StaticInterface("eth0", "10.10.25.11/24", "10.10.25.1", "10.10.10.1")},
//	}.Render() // → xo create_vm network_config
//
// Recipes: [LAMP] (Apache, MariaDB bound to localhost and secured, PHP, nftables or ufw
// firewall), [NetdataAgent] (Debian's netdata package, API on the VM's address, streaming to
// a parent, cloned machine GUID removed) and [NetdataParent] (accepting the site's stream API
// key, retention sized). [Compose] stacks them.
//
// # Validation and errors
//
// Render and Bytes validate first; Validate can be called on its own. Errors are
// *[sitekit.FieldError] values naming the field and the offending value ("WriteFiles[2].Path",
// "Interfaces[0].Gateway") and match [sitekit.ErrInvalid]. A network-config with no interface,
// or a file that is empty or only comments, is [ErrEmptyNetworkConfig]: NoCloud fails on it
// (xen-orchestra#5918), so leave XO's network_config out instead.
//
// # Secrets
//
// Recipe options take secrets as [sitekit.Secret] (the Netdata stream API key, a database
// password). They are necessarily written into the rendered document, so [UserData] and
// [WriteFile] print only a summary through fmt verbs and slog; the document is obtained only
// through an explicit [UserData.Render] or [UserData.Bytes]. Treat the rendered text as a
// secret (XO keeps it on the config drive unless destroy_cloud_config_vdi is set).
package cloudinit
