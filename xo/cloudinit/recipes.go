package cloudinit

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
)

// Firewall selects how [LAMP] filters inbound traffic.
type Firewall string

const (
	// FirewallNFTables writes /etc/nftables.conf (Debian's native firewall) and enables it.
	FirewallNFTables Firewall = "nftables"
	// FirewallUFW installs ufw and configures it with `ufw` commands.
	FirewallUFW Firewall = "ufw"
)

// Allow opens one TCP port to one source prefix in the [LAMP] firewall.
type Allow struct {
	// Port is the TCP port (e.g. 19999 for the Netdata agent's API).
	Port uint16
	// From is the source prefix allowed to reach Port.
	From netip.Prefix
}

// Database asks [LAMP] to create an application database and its local user.
type Database struct {
	// Name is the database name ([A-Za-z0-9_], at most 64).
	Name string
	// User is the MariaDB user, reachable from localhost only ([A-Za-z0-9_], at most 32).
	User string
	// Password is the user's password. It ends up in a root-only SQL file that the first boot
	// runs and deletes, and in the rendered user-data (which XO stores on the config drive).
	Password sitekit.Secret
}

// LAMPOptions configures the [LAMP] recipe.
type LAMPOptions struct {
	// ManagementSubnet is the only source allowed to reach SSH (port 22). Required.
	ManagementSubnet netip.Prefix
	// Firewall is FirewallNFTables (default) or FirewallUFW.
	Firewall Firewall
	// Allow opens extra TCP ports to given sources, e.g. {19999, monitor/32} so the Netdata
	// parent or the management tools reach the agent's API.
	Allow []Allow
	// ServerName is Apache's global ServerName (optional; e.g. "www.example.fr").
	ServerName string
	// PHPPackages are extra PHP extension packages (e.g. "php-gd", "php-xml").
	PHPPackages []string
	// Database, when set, creates an application database and user bound to localhost.
	Database *Database
}

// LAMP paths written by the recipe.
const (
	lampHardeningConf = "/etc/apache2/conf-available/sitekit-hardening.conf"
	lampMariaDBConf   = "/etc/mysql/mariadb.conf.d/60-sitekit.cnf"
	lampSecureSQL     = "/root/sitekit-mariadb-secure.sql"
	nftablesConf      = "/etc/nftables.conf"
)

var (
	sqlIdentRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	sqlUserRE  = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
)

func (o LAMPOptions) validate() error {
	if !o.ManagementSubnet.IsValid() {
		return sitekit.Invalid("ManagementSubnet", o.ManagementSubnet.String(), "is required (SSH is opened to it only)")
	}
	if o.ManagementSubnet.Masked() != o.ManagementSubnet {
		return sitekit.Invalid("ManagementSubnet", o.ManagementSubnet.String(), "must be a network prefix (host bits zero)")
	}
	switch o.Firewall {
	case "", FirewallNFTables, FirewallUFW:
	default:
		return sitekit.Invalid("Firewall", string(o.Firewall), `must be "nftables" or "ufw"`)
	}
	for i, a := range o.Allow {
		if a.Port == 0 {
			return sitekit.Invalid(fmt.Sprintf("Allow[%d].Port", i), a.Port, "must be 1-65535")
		}
		if !a.From.IsValid() || a.From.Masked() != a.From {
			return sitekit.Invalid(fmt.Sprintf("Allow[%d].From", i), a.From.String(), "must be a network prefix")
		}
	}
	if o.ServerName != "" && !ValidHostname(o.ServerName) {
		return sitekit.Invalid("ServerName", o.ServerName, "must be an RFC 1123 host name")
	}
	for i, p := range o.PHPPackages {
		if !packageRE.MatchString(p) {
			return sitekit.Invalid(fmt.Sprintf("PHPPackages[%d]", i), p, "must be a Debian package name")
		}
	}
	if db := o.Database; db != nil {
		if !sqlIdentRE.MatchString(db.Name) {
			return sitekit.Invalid("Database.Name", db.Name, "must be 1-64 of [A-Za-z0-9_]")
		}
		if !sqlUserRE.MatchString(db.User) {
			return sitekit.Invalid("Database.User", db.User, "must be 1-32 of [A-Za-z0-9_]")
		}
		pw := db.Password.Reveal()
		if len(pw) < 12 {
			return sitekit.Invalid("Database.Password", db.Password, "must be at least 12 characters")
		}
		if strings.ContainsAny(pw, "\x00\r\n") {
			return sitekit.Invalid("Database.Password", db.Password, "must not contain NUL or line breaks")
		}
	}
	return nil
}

// LAMP returns the user-data of a Debian web server: Apache (with TLS on the snakeoil
// certificate until a real one is installed, ServerTokens Prod), MariaDB bound to 127.0.0.1
// with the steps of mariadb-secure-installation (anonymous users, remote root and the test
// database removed; root keeps Debian's unix_socket authentication), PHP, and a default-deny
// inbound firewall that opens 80/443 to everyone, SSH to the management subnet only and the
// extra ports of Allow. Compose it with a base (host name, users) and [NetdataAgent].
func LAMP(o LAMPOptions) (UserData, error) {
	if err := o.validate(); err != nil {
		return UserData{}, err
	}
	if o.Firewall == "" {
		o.Firewall = FirewallNFTables
	}
	u := UserData{
		PackageUpdate: true,
		Packages: appendUnique([]string{
			"apache2", "ssl-cert", "mariadb-server", "php", "libapache2-mod-php", "php-mysql",
			string(o.Firewall),
		}, o.PHPPackages...),
	}
	hardening := "ServerTokens Prod\nServerSignature Off\nTraceEnable Off\n"
	if o.ServerName != "" {
		hardening += "ServerName " + o.ServerName + "\n"
	}
	u.WriteFiles = append(u.WriteFiles,
		WriteFile{Path: lampHardeningConf, Content: hardening, Owner: "root:root", Permissions: "0644", Defer: true},
		WriteFile{Path: lampMariaDBConf, Content: "[mysqld]\nbind-address = 127.0.0.1\nskip-name-resolve\nlocal-infile = 0\n",
			Owner: "root:root", Permissions: "0644", Defer: true},
		WriteFile{Path: lampSecureSQL, Content: secureSQL(o.Database), Owner: "root:root", Permissions: "0600", Defer: true},
	)
	if o.Firewall == FirewallNFTables {
		u.WriteFiles = append(u.WriteFiles, WriteFile{Path: nftablesConf, Content: nftRuleset(o),
			Owner: "root:root", Permissions: "0755", Defer: true})
	}
	u.RunCmd = append(u.RunCmd,
		Cmd("a2enmod", "ssl", "headers"),
		Cmd("a2ensite", "default-ssl"),
		Cmd("a2enconf", "sitekit-hardening"),
		Cmd("systemctl", "enable", "apache2", "mariadb"),
		Cmd("systemctl", "restart", "mariadb"),
		Shell("mariadb --user=root < "+lampSecureSQL+"; rc=$?; rm -f "+lampSecureSQL+"; exit $rc"),
		Cmd("systemctl", "restart", "apache2"),
	)
	if o.Firewall == FirewallNFTables {
		u.RunCmd = append(u.RunCmd, Cmd("nft", "-f", nftablesConf), Cmd("systemctl", "enable", "nftables"))
	} else {
		u.RunCmd = append(u.RunCmd,
			Cmd("ufw", "default", "deny", "incoming"),
			Cmd("ufw", "default", "allow", "outgoing"),
			Cmd("ufw", "allow", "80/tcp"),
			Cmd("ufw", "allow", "443/tcp"),
			Cmd("ufw", "allow", "from", o.ManagementSubnet.String(), "to", "any", "port", "22", "proto", "tcp"),
		)
		for _, a := range o.Allow {
			u.RunCmd = append(u.RunCmd, Cmd("ufw", "allow", "from", a.From.String(), "to", "any", "port", strconv.Itoa(int(a.Port)), "proto", "tcp"))
		}
		u.RunCmd = append(u.RunCmd, Cmd("ufw", "--force", "enable"))
	}
	return u, nil
}

// sqlString quotes s as a MariaDB string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func secureSQL(db *Database) string {
	var b strings.Builder
	b.WriteString("-- sitekit: the steps of mariadb-secure-installation (root keeps unix_socket auth)\n")
	b.WriteString("DELETE FROM mysql.global_priv WHERE User='';\n")
	b.WriteString("DELETE FROM mysql.global_priv WHERE User='root' AND Host NOT IN ('localhost', '127.0.0.1', '::1');\n")
	b.WriteString("DROP DATABASE IF EXISTS test;\n")
	b.WriteString("DELETE FROM mysql.db WHERE Db='test' OR Db='test\\\\_%';\n")
	if db != nil {
		fmt.Fprintf(&b, "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n", db.Name)
		fmt.Fprintf(&b, "CREATE USER IF NOT EXISTS '%s'@'localhost' IDENTIFIED BY %s;\n", db.User, sqlString(db.Password.Reveal()))
		fmt.Fprintf(&b, "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'localhost';\n", db.Name, db.User)
	}
	b.WriteString("FLUSH PRIVILEGES;\n")
	return b.String()
}

func nftSaddr(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "ip saddr " + p.String()
	}
	return "ip6 saddr " + p.String()
}

func nftRuleset(o LAMPOptions) string {
	var b strings.Builder
	b.WriteString("#!/usr/sbin/nft -f\n# sitekit LAMP: default-deny inbound\nflush ruleset\n\n")
	b.WriteString("table inet filter {\n")
	b.WriteString("  chain input {\n    type filter hook input priority filter; policy drop;\n")
	b.WriteString("    ct state established,related accept\n    ct state invalid drop\n    iif \"lo\" accept\n")
	b.WriteString("    meta l4proto { icmp, ipv6-icmp } accept\n")
	b.WriteString("    tcp dport { 80, 443 } accept\n")
	fmt.Fprintf(&b, "    %s tcp dport 22 accept\n", nftSaddr(o.ManagementSubnet))
	for _, a := range o.Allow {
		fmt.Fprintf(&b, "    %s tcp dport %d accept\n", nftSaddr(a.From), a.Port)
	}
	b.WriteString("  }\n  chain forward {\n    type filter hook forward priority filter; policy drop;\n  }\n")
	b.WriteString("  chain output {\n    type filter hook output priority filter; policy accept;\n  }\n}\n")
	return b.String()
}

// Netdata paths and defaults.
const (
	// NetdataPort is the agent's default web/API and streaming port.
	NetdataPort = 19999
	// NetdataUniqueIDPath is the machine GUID a cloned VM inherits from its template; the
	// Netdata recipes delete it on first boot so that clones do not collide at the parent.
	NetdataUniqueIDPath = "/var/lib/netdata/registry/netdata.public.unique.id"
	netdataConf         = "/etc/netdata/netdata.conf"
	netdataStreamConf   = "/etc/netdata/stream.conf"
	// NetdataMiBPerNodeDay is the disk estimate [NetdataParent] sizes retention with:
	// ≈2,000 metrics per node collected every second × 86,400 s × ≈0.6 byte per stored
	// sample (dbengine tier 0, compressed) ≈ 100 MiB per node per day. An estimate: set
	// NetdataParentOptions.DiskSpaceMB to override.
	NetdataMiBPerNodeDay = 100
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// NetdataPattern converts a prefix into a Netdata simple pattern ("10.0.10.0/24" →
// "10.0.10.*", a /32 → the address). Netdata 1.37's access lists match text, so only
// octet-aligned IPv4 prefixes (/0, /8, /16, /24, /32) can be expressed.
func NetdataPattern(p netip.Prefix) (string, error) {
	if !p.IsValid() || !p.Addr().Is4() || p.Bits()%8 != 0 || p.Masked() != p {
		return "", fmt.Errorf("prefix %s: Netdata patterns need an octet-aligned IPv4 prefix (/0, /8, /16, /24, /32)", p)
	}
	if p.Bits() == 32 {
		return p.Addr().String(), nil
	}
	octets := strings.Split(p.Addr().String(), ".")[:p.Bits()/8]
	return strings.Join(append(octets, "*"), "."), nil
}

func netdataPatterns(field string, ps []netip.Prefix) (string, error) {
	pats := []string{"localhost"}
	for i, p := range ps {
		s, err := NetdataPattern(p)
		if err != nil {
			return "", sitekit.Invalid(fmt.Sprintf("%s[%d]", field, i), p.String(), err.Error())
		}
		pats = appendUnique(pats, s)
	}
	return strings.Join(pats, " "), nil
}

// NetdataAgentOptions configures the [NetdataAgent] recipe.
type NetdataAgentOptions struct {
	// Address is the VM's own IPv4 address; the API listens on 127.0.0.1 and on it only.
	Address netip.Addr
	// AllowFrom are the sources (besides localhost) allowed to use the API and dashboard,
	// typically the management subnet and the parent. Octet-aligned prefixes only.
	AllowFrom []netip.Prefix
	// Parent is the Netdata parent's address and port (usually NetdataPort); the zero value
	// disables streaming.
	Parent netip.AddrPort
	// APIKey is the site's stream API key (a UUID), shared with the parent. Required with
	// Parent. It is written into /etc/netdata/stream.conf (root:netdata 0640).
	APIKey sitekit.Secret
	// DBMode is the agent's local database: "" (package default, dbengine), "dbengine",
	// "ram" or "none" (children of a parent may keep little or nothing locally).
	DBMode string
}

func validAPIKey(field string, k sitekit.Secret) error {
	if !uuidRE.MatchString(k.Reveal()) {
		return sitekit.Invalid(field, k, "must be a UUID (generate one per site, e.g. with uuidgen)")
	}
	return nil
}

func netdataBase() UserData {
	return UserData{
		PackageUpdate: true,
		Packages:      []string{"netdata"},
		// Early on the first boot of a clone, before the agent starts if possible.
		BootCmd: []Command{Cmd("cloud-init-per", "instance", "sitekit-netdata-guid", "rm", "-f", NetdataUniqueIDPath)},
	}
}

// netdataRestart stops the agent the package started, drops its machine GUID (a fresh one
// is generated, so a VM cloned from a template never streams under its template's id) and
// starts it again with the deferred configuration.
func netdataRestart() []Command {
	return []Command{
		Cmd("systemctl", "stop", "netdata"),
		Cmd("rm", "-f", NetdataUniqueIDPath),
		Cmd("systemctl", "enable", "--now", "netdata"),
	}
}

func netdataWebSection(addr netip.Addr, dashboard, connections, streaming string) string {
	var b strings.Builder
	b.WriteString("[web]\n")
	fmt.Fprintf(&b, "    bind to = 127.0.0.1 %s\n", addr)
	fmt.Fprintf(&b, "    allow connections from = %s\n", connections)
	fmt.Fprintf(&b, "    allow dashboard from = %s\n", dashboard)
	if streaming != "" {
		fmt.Fprintf(&b, "    allow streaming from = %s\n", streaming)
	}
	b.WriteString("    allow management from = localhost\n")
	return b.String()
}

// NetdataAgent returns the user-data installing Debian's netdata package with its API bound
// to the VM's own address (and 127.0.0.1), reachable from AllowFrom, optionally streaming to
// a parent with the site's API key (netdata.conf [web] and stream.conf). The machine GUID cloned
// from the template is removed on first boot.
func NetdataAgent(o NetdataAgentOptions) (UserData, error) {
	if !o.Address.IsValid() || !o.Address.Is4() {
		return UserData{}, sitekit.Invalid("Address", o.Address.String(), "must be the VM's IPv4 address")
	}
	allow, err := netdataPatterns("AllowFrom", o.AllowFrom)
	if err != nil {
		return UserData{}, err
	}
	switch o.DBMode {
	case "", "dbengine", "ram", "none":
	default:
		return UserData{}, sitekit.Invalid("DBMode", o.DBMode, `must be "", "dbengine", "ram" or "none"`)
	}
	if o.Parent.IsValid() {
		if o.Parent.Port() == 0 || !o.Parent.Addr().Is4() {
			return UserData{}, sitekit.Invalid("Parent", o.Parent.String(), "must be an IPv4 address and port")
		}
		if err := validAPIKey("APIKey", o.APIKey); err != nil {
			return UserData{}, err
		}
	}
	conf := "[global]\n    run as user = netdata\n"
	if o.DBMode != "" {
		conf += "[db]\n    mode = " + o.DBMode + "\n"
	}
	conf += netdataWebSection(o.Address, allow, allow, "")
	u := netdataBase()
	u.WriteFiles = []WriteFile{{Path: netdataConf, Content: conf, Owner: "root:root", Permissions: "0644", Defer: true}}
	if o.Parent.IsValid() {
		stream := fmt.Sprintf("[stream]\n    enabled = yes\n    destination = %s\n    api key = %s\n", o.Parent, o.APIKey.Reveal())
		u.WriteFiles = append(u.WriteFiles, WriteFile{Path: netdataStreamConf, Content: stream, Owner: "root:netdata", Permissions: "0640", Defer: true})
	}
	u.RunCmd = netdataRestart()
	return u, nil
}

// NetdataParentOptions configures the [NetdataParent] recipe.
type NetdataParentOptions struct {
	// Address is the parent VM's IPv4 address; the API and the streaming endpoint listen on
	// 127.0.0.1 and on it only.
	Address netip.Addr
	// AllowFrom are the sources (besides localhost) allowed to use the API and dashboard.
	AllowFrom []netip.Prefix
	// Children are the sources allowed to stream with APIKey (octet-aligned prefixes).
	Children []netip.Prefix
	// APIKey is the site's stream API key (a UUID) the children present.
	APIKey sitekit.Secret
	// Nodes is the number of nodes stored (children plus the parent) for retention sizing;
	// default 4.
	Nodes int
	// RetentionDays sizes the dbengine disk space: Nodes × RetentionDays × NetdataMiBPerNodeDay.
	// Default 14.
	RetentionDays int
	// DiskSpaceMB overrides the computed dbengine disk space (MiB, tier 0).
	DiskSpaceMB int
}

// diskSpaceMB returns the dbengine disk space the parent will be given, in MiB.
func (o NetdataParentOptions) diskSpaceMB() int {
	if o.DiskSpaceMB > 0 {
		return o.DiskSpaceMB
	}
	nodes, days := o.Nodes, o.RetentionDays
	if nodes == 0 {
		nodes = 4
	}
	if days == 0 {
		days = 14
	}
	return nodes * days * NetdataMiBPerNodeDay
}

// NetdataParent returns the user-data of a site's Netdata parent (the monitoring VM): Debian's
// netdata package, API bound to its own address, stream.conf accepting the site's API key from
// the children's addresses, and the dbengine disk space sized for the retention wanted.
func NetdataParent(o NetdataParentOptions) (UserData, error) {
	if !o.Address.IsValid() || !o.Address.Is4() {
		return UserData{}, sitekit.Invalid("Address", o.Address.String(), "must be the VM's IPv4 address")
	}
	if err := validAPIKey("APIKey", o.APIKey); err != nil {
		return UserData{}, err
	}
	if len(o.Children) == 0 {
		return UserData{}, sitekit.Invalid("Children", "", "at least one prefix the children stream from")
	}
	if o.Nodes < 0 || o.Nodes > 1000 {
		return UserData{}, sitekit.Invalid("Nodes", o.Nodes, "must be between 1 and 1000")
	}
	if o.RetentionDays < 0 || o.RetentionDays > 3650 {
		return UserData{}, sitekit.Invalid("RetentionDays", o.RetentionDays, "must be between 1 and 3650")
	}
	if o.DiskSpaceMB < 0 || (o.DiskSpaceMB > 0 && o.DiskSpaceMB < 64) {
		return UserData{}, sitekit.Invalid("DiskSpaceMB", o.DiskSpaceMB, "must be at least 64")
	}
	dashboard, err := netdataPatterns("AllowFrom", o.AllowFrom)
	if err != nil {
		return UserData{}, err
	}
	children, err := netdataPatterns("Children", o.Children)
	if err != nil {
		return UserData{}, err
	}
	all, _ := netdataPatterns("", append(append([]netip.Prefix(nil), o.AllowFrom...), o.Children...))
	conf := "[global]\n    run as user = netdata\n" +
		"[db]\n    mode = dbengine\n" +
		fmt.Sprintf("    dbengine multihost disk space MB = %d\n", o.diskSpaceMB()) +
		netdataWebSection(o.Address, dashboard, all, children)
	stream := "[stream]\n    enabled = no\n\n" +
		"[" + o.APIKey.Reveal() + "]\n" +
		"    type = api\n    enabled = yes\n" +
		"    allow from = " + strings.TrimPrefix(children, "localhost ") + "\n" +
		"    health enabled by default = auto\n"
	u := netdataBase()
	u.WriteFiles = []WriteFile{
		{Path: netdataConf, Content: conf, Owner: "root:root", Permissions: "0644", Defer: true},
		{Path: netdataStreamConf, Content: stream, Owner: "root:netdata", Permissions: "0640", Defer: true},
	}
	u.RunCmd = netdataRestart()
	return u, nil
}
