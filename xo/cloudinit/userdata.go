package cloudinit

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	"go.yaml.in/yaml/v3"
)

// Header is the first line cloud-init requires to treat user-data as cloud-config.
const Header = "#cloud-config"

// UserData is a `#cloud-config` user-data document. Field order is the rendering order.
// Zero-valued fields are omitted.
//
// A rendered document may carry secrets (a Netdata stream API key, a database password) in
// [WriteFile.Content]: UserData therefore never prints its content through fmt verbs or slog
// (only a summary); the document itself is obtained explicitly with [UserData.Render] or
// [UserData.Bytes].
type UserData struct {
	// Hostname is the short host name (RFC 1123 label(s)).
	Hostname string `yaml:"hostname,omitempty"`
	// FQDN is the fully qualified domain name, written to /etc/hosts with ManageEtcHosts.
	FQDN string `yaml:"fqdn,omitempty"`
	// ManageEtcHosts lets cloud-init write /etc/hosts from Hostname and FQDN.
	ManageEtcHosts bool `yaml:"manage_etc_hosts,omitempty"`
	// Timezone is an IANA zone name such as "Europe/Paris".
	Timezone string `yaml:"timezone,omitempty"`
	// Users replaces the distribution's default user when non-empty (use [DefaultUser] to keep it).
	Users []User `yaml:"users,omitempty"`
	// SSHPasswordAuth sets sshd's PasswordAuthentication (nil leaves the image default).
	SSHPasswordAuth *bool `yaml:"ssh_pwauth,omitempty"`
	// DisableRoot forbids SSH logins as root.
	DisableRoot bool `yaml:"disable_root,omitempty"`
	// NTP configures time synchronisation.
	NTP *NTP `yaml:"ntp,omitempty"`
	// BootCmd runs very early on every boot (wrap with `cloud-init-per instance` for once).
	BootCmd []Command `yaml:"bootcmd,omitempty"`
	// PackageUpdate runs `apt-get update` before installing Packages.
	PackageUpdate bool `yaml:"package_update,omitempty"`
	// PackageUpgrade upgrades installed packages on first boot.
	PackageUpgrade bool `yaml:"package_upgrade,omitempty"`
	// PackageRebootIfRequired reboots after an upgrade that needs it.
	PackageRebootIfRequired bool `yaml:"package_reboot_if_required,omitempty"`
	// Packages are installed on first boot (Debian package names, optionally "name=version").
	Packages []string `yaml:"packages,omitempty"`
	// WriteFiles are written on first boot (deferred ones after package installation).
	WriteFiles []WriteFile `yaml:"write_files,omitempty"`
	// RunCmd runs once per instance, late in boot, after packages and deferred files.
	RunCmd []Command `yaml:"runcmd,omitempty"`
	// FinalMessage is logged when cloud-init finishes.
	FinalMessage string `yaml:"final_message,omitempty"`
}

// User is one entry of `users:`.
type User struct {
	// Name is the login name (lower-case POSIX name, at most 32 characters).
	Name string `yaml:"name"`
	// Gecos is the user's full name.
	Gecos string `yaml:"gecos,omitempty"`
	// Groups are supplementary groups (e.g. "adm", "sudo").
	Groups []string `yaml:"groups,omitempty"`
	// Sudo is a sudoers rule such as "ALL=(ALL) NOPASSWD:ALL"; empty grants nothing.
	Sudo string `yaml:"sudo,omitempty"`
	// Shell is the login shell, an absolute path.
	Shell string `yaml:"shell,omitempty"`
	// LockPasswd locks password logins (cloud-init's default is true when nil).
	LockPasswd *bool `yaml:"lock_passwd,omitempty"`
	// SSHAuthorizedKeys are OpenSSH public keys ("ssh-ed25519 AAAA… comment").
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

// DefaultUser is the `users:` entry that keeps the image's default user (e.g. "debian").
var DefaultUser = User{Name: "default"}

// isDefault reports whether u is the bare "default" entry.
func (u User) isDefault() bool {
	return u.Name == "default" && u.Gecos == "" && u.Groups == nil && u.Sudo == "" &&
		u.Shell == "" && u.LockPasswd == nil && u.SSHAuthorizedKeys == nil
}

// MarshalYAML renders [DefaultUser] as the bare string "default".
func (u User) MarshalYAML() (any, error) {
	if u.isDefault() {
		return "default", nil
	}
	type plain User
	return plain(u), nil
}

// UnmarshalYAML accepts a mapping or a bare name (cloud-init's "default").
func (u *User) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*u = User{Name: n.Value}
		return nil
	}
	type plain User
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*u = User(p)
	return nil
}

// Bool returns a pointer to b, for the optional boolean fields.
func Bool(b bool) *bool { return &b }

// AdminUser returns a sudo-capable user with password logins locked and bash as shell.
func AdminUser(name string, sshKeys ...string) User {
	return User{
		Name:              name,
		Groups:            []string{"adm", "sudo"},
		Sudo:              "ALL=(ALL) NOPASSWD:ALL",
		Shell:             "/bin/bash",
		LockPasswd:        Bool(true),
		SSHAuthorizedKeys: sshKeys,
	}
}

// NTP is the `ntp:` module configuration.
type NTP struct {
	// Enabled turns the module on.
	Enabled bool `yaml:"enabled"`
	// Servers are NTP server names or addresses.
	Servers []string `yaml:"servers,omitempty"`
	// Pools are NTP pool names (e.g. "2.debian.pool.ntp.org").
	Pools []string `yaml:"pools,omitempty"`
}

// Command is one `runcmd:`/`bootcmd:` entry: either an argument vector (run without a shell,
// rendered as a YAML list) or a shell line (run by /bin/sh, rendered as a string). Build one
// with [Cmd] or [Shell].
type Command struct {
	// Argv is the argument vector; when non-nil, Shell must be empty.
	Argv []string
	// Shell is a /bin/sh command line.
	Shell string
}

// Cmd returns a command run without a shell: Cmd("systemctl", "restart", "apache2").
func Cmd(argv ...string) Command {
	if argv == nil {
		argv = []string{} // still an argument vector: Validate reports it empty
	}
	return Command{Argv: argv}
}

// Shell returns a command line run by /bin/sh.
func Shell(line string) Command { return Command{Shell: line} }

// MarshalYAML renders an argument vector as a flow list ([systemctl, restart, apache2]) and
// a shell line as a string.
func (c Command) MarshalYAML() (any, error) {
	if c.Argv != nil {
		var n yaml.Node
		if err := n.Encode(c.Argv); err != nil {
			return nil, err
		}
		n.Style = yaml.FlowStyle
		return &n, nil
	}
	return c.Shell, nil
}

// UnmarshalYAML accepts a string (shell line) or a list of strings (argument vector).
func (c *Command) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*c = Command{Shell: n.Value}
		return nil
	case yaml.SequenceNode:
		argv := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return fmt.Errorf("cloudinit: line %d: command argument must be a scalar", e.Line)
			}
			argv = append(argv, e.Value)
		}
		*c = Command{Argv: argv}
		return nil
	}
	return fmt.Errorf("cloudinit: line %d: command must be a string or a list of strings", n.Line)
}

// String shows the command (commands carry no secrets in the recipes of this package).
func (c Command) String() string {
	if c.Argv != nil {
		return fmt.Sprintf("%q", c.Argv)
	}
	return c.Shell
}

// WriteFile is one `write_files:` entry.
type WriteFile struct {
	// Path is the absolute destination path.
	Path string `yaml:"path"`
	// Content is the file content, encoded as Encoding says. It may hold secrets: it is never
	// printed by fmt verbs.
	Content string `yaml:"content,omitempty"`
	// Encoding is empty (plain text), "b64", "gzip" or "gz+b64" (and cloud-init's aliases).
	Encoding string `yaml:"encoding,omitempty"`
	// Owner is "user" or "user:group" (cloud-init's default is root:root).
	Owner string `yaml:"owner,omitempty"`
	// Permissions is an octal mode as a string, e.g. "0644" (cloud-init's default is 0644).
	Permissions string `yaml:"permissions,omitempty"`
	// Append appends to an existing file instead of replacing it.
	Append bool `yaml:"append,omitempty"`
	// Defer writes the file in the final stage, after packages are installed, so that it
	// replaces the configuration file a package ships.
	Defer bool `yaml:"defer,omitempty"`
}

// Format prints the file's metadata and content length, never its content.
func (w WriteFile) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "{%s %s %s %d bytes", w.Path, w.Owner, w.Permissions, len(w.Content))
	if w.Defer {
		fmt.Fprint(f, " deferred")
	}
	fmt.Fprint(f, "}")
}

// Format prints a summary of the document, never file contents: user-data may carry secrets.
// Use [UserData.Render] to obtain the document.
func (u UserData) Format(f fmt.State, verb rune) {
	fmt.Fprint(f, u.summary())
}

// LogValue implements slog.LogValuer with the same summary as Format.
func (u UserData) LogValue() slog.Value { return slog.StringValue(u.summary()) }

func (u UserData) summary() string {
	return fmt.Sprintf("cloudinit.UserData{hostname=%q users=%d packages=%d write_files=%d bootcmd=%d runcmd=%d}",
		u.Hostname, len(u.Users), len(u.Packages), len(u.WriteFiles), len(u.BootCmd), len(u.RunCmd))
}

// Bytes validates u and renders it as YAML with the `#cloud-config` header line first.
func (u UserData) Bytes() ([]byte, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(Header + "\n")
	if err := encodeYAML(&buf, u); err != nil {
		return nil, fmt.Errorf("cloudinit: render user-data: %w", err)
	}
	return buf.Bytes(), nil
}

// Render is [UserData.Bytes] as a string, the form XO's create_vm `cloud_config` takes.
func (u UserData) Render() (string, error) {
	b, err := u.Bytes()
	return string(b), err
}

func encodeYAML(buf *bytes.Buffer, v any) error {
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// ErrNotCloudConfig is returned by [ParseUserData] for a document whose first line is not
// `#cloud-config` (cloud-init would treat it as a script or ignore it).
var ErrNotCloudConfig = errors.New("cloudinit: user-data does not start with " + Header)

// ParseUserData decodes a `#cloud-config` document into a [UserData]. Keys this package does
// not model are ignored. It does not validate: call [UserData.Validate] for that.
func ParseUserData(b []byte) (UserData, error) {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if string(bytes.TrimRight(first, " \t\r")) != Header {
		return UserData{}, ErrNotCloudConfig
	}
	var u UserData
	if err := yaml.Unmarshal(b, &u); err != nil {
		return UserData{}, fmt.Errorf("cloudinit: parse user-data: %w", err)
	}
	u.normalize()
	return u, nil
}

// nilIfEmpty maps an empty list (`packages: []`) to nil, the value that renders the same.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// normalize makes a parsed document equal to the one that renders identically.
func (u *UserData) normalize() {
	u.Users = nilIfEmpty(u.Users)
	for i := range u.Users {
		u.Users[i].Groups = nilIfEmpty(u.Users[i].Groups)
		u.Users[i].SSHAuthorizedKeys = nilIfEmpty(u.Users[i].SSHAuthorizedKeys)
	}
	if u.NTP != nil {
		u.NTP.Servers = nilIfEmpty(u.NTP.Servers)
		u.NTP.Pools = nilIfEmpty(u.NTP.Pools)
	}
	u.BootCmd = nilIfEmpty(u.BootCmd)
	u.Packages = nilIfEmpty(u.Packages)
	u.WriteFiles = nilIfEmpty(u.WriteFiles)
	u.RunCmd = nilIfEmpty(u.RunCmd)
}
