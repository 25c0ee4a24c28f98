package cloudinit

import (
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/sitekit/sitekit"
)

var (
	hostLabelRE   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	userNameRE    = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}[a-z0-9_$-]?$`)
	groupNameRE   = userNameRE
	packageRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$`)
	timezoneRE    = regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)
	permissionsRE = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	ntpServerRE   = regexp.MustCompile(`^[A-Za-z0-9.:-]+$`)
)

// sshKeyTypes are the OpenSSH public key algorithms accepted in authorized_keys.
var sshKeyTypes = []string{
	"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
}

// encodings are the write_files encodings cloud-init understands.
var encodings = map[string]bool{
	"": true, "text/plain": true, "b64": true, "base64": true, "gz": true, "gzip": true,
	"gz+b64": true, "gz+base64": true, "gzip+b64": true, "gzip+base64": true,
}

// ValidHostname reports whether s is an RFC 1123 host name: dot-separated labels of 1–63
// letters, digits and hyphens, not starting or ending with a hyphen, 253 characters at most.
func ValidHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for l := range strings.SplitSeq(s, ".") {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// Validate checks u the way cloud-init and Debian would, returning a *[sitekit.FieldError]
// (matching [sitekit.ErrInvalid]) that names the first offending field and its value.
func (u UserData) Validate() error {
	if u.Hostname != "" && !ValidHostname(u.Hostname) {
		return sitekit.Invalid("Hostname", u.Hostname, "must be an RFC 1123 host name (letters, digits, hyphens; labels of 1-63)")
	}
	if u.FQDN != "" {
		if !ValidHostname(u.FQDN) || !strings.Contains(u.FQDN, ".") {
			return sitekit.Invalid("FQDN", u.FQDN, "must be a dotted RFC 1123 domain name")
		}
		if u.Hostname != "" && !strings.HasPrefix(u.FQDN, u.Hostname+".") {
			return sitekit.Invalid("FQDN", u.FQDN, fmt.Sprintf("must start with the host name %q", u.Hostname))
		}
	}
	if u.Timezone != "" && !timezoneRE.MatchString(u.Timezone) {
		return sitekit.Invalid("Timezone", u.Timezone, `must be an IANA zone name such as "Europe/Paris"`)
	}
	seen := map[string]bool{}
	for i, usr := range u.Users {
		if err := usr.validate(fmt.Sprintf("Users[%d]", i)); err != nil {
			return err
		}
		if seen[usr.Name] {
			return sitekit.Invalid(fmt.Sprintf("Users[%d].Name", i), usr.Name, "duplicate user")
		}
		seen[usr.Name] = true
	}
	if u.NTP != nil {
		for i, s := range u.NTP.Servers {
			if !ntpServerRE.MatchString(s) {
				return sitekit.Invalid(fmt.Sprintf("NTP.Servers[%d]", i), s, "must be a host name or an address")
			}
		}
		for i, s := range u.NTP.Pools {
			if !ntpServerRE.MatchString(s) {
				return sitekit.Invalid(fmt.Sprintf("NTP.Pools[%d]", i), s, "must be a host name")
			}
		}
	}
	if err := validateCommands("BootCmd", u.BootCmd); err != nil {
		return err
	}
	for i, p := range u.Packages {
		if !packageRE.MatchString(p) {
			return sitekit.Invalid(fmt.Sprintf("Packages[%d]", i), p, "must be a Debian package name, optionally name=version")
		}
	}
	paths := map[string]int{}
	for i, w := range u.WriteFiles {
		field := fmt.Sprintf("WriteFiles[%d]", i)
		if err := w.validate(field); err != nil {
			return err
		}
		if j, dup := paths[w.Path]; dup && !w.Append {
			return sitekit.Invalid(field+".Path", w.Path, fmt.Sprintf("already written by WriteFiles[%d]", j))
		}
		paths[w.Path] = i
	}
	return validateCommands("RunCmd", u.RunCmd)
}

func (usr User) validate(field string) error {
	if usr.isDefault() {
		return nil
	}
	if !userNameRE.MatchString(usr.Name) {
		return sitekit.Invalid(field+".Name", usr.Name, "must be a POSIX user name: lower-case letter or _, then [a-z0-9_-], at most 32")
	}
	if usr.Name == "default" || usr.Name == "root" {
		return sitekit.Invalid(field+".Name", usr.Name, "reserved name")
	}
	for i, g := range usr.Groups {
		if !groupNameRE.MatchString(g) {
			return sitekit.Invalid(fmt.Sprintf("%s.Groups[%d]", field, i), g, "must be a POSIX group name")
		}
	}
	if strings.ContainsAny(usr.Sudo, "\n") {
		return sitekit.Invalid(field+".Sudo", usr.Sudo, "must be a single sudoers rule")
	}
	if usr.Shell != "" && !path.IsAbs(usr.Shell) {
		return sitekit.Invalid(field+".Shell", usr.Shell, "must be an absolute path")
	}
	if strings.ContainsAny(usr.Gecos, ":\n") {
		return sitekit.Invalid(field+".Gecos", usr.Gecos, "must not contain ':' or a newline")
	}
	for i, k := range usr.SSHAuthorizedKeys {
		if err := validateSSHKey(k); err != nil {
			return sitekit.Invalid(fmt.Sprintf("%s.SSHAuthorizedKeys[%d]", field, i), k, err.Error())
		}
	}
	return nil
}

func validateSSHKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return fmt.Errorf("must not be empty")
	}
	if strings.ContainsAny(k, "\r\n") {
		return fmt.Errorf("must be a single line")
	}
	fields := strings.Fields(k)
	typ := fields[0]
	known := false
	for _, t := range sshKeyTypes {
		if typ == t {
			known = true
			break
		}
	}
	if !known {
		return fmt.Errorf("must start with a key type such as ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256")
	}
	if len(fields) < 2 {
		return fmt.Errorf("has no key data after %s", typ)
	}
	if _, err := base64.StdEncoding.DecodeString(fields[1]); err != nil {
		return fmt.Errorf("key data is not base64")
	}
	return nil
}

func (w WriteFile) validate(field string) error {
	if w.Path == "" || !path.IsAbs(w.Path) {
		return sitekit.Invalid(field+".Path", w.Path, "must be an absolute path")
	}
	if path.Clean(w.Path) != w.Path || strings.HasSuffix(w.Path, "/") {
		return sitekit.Invalid(field+".Path", w.Path, "must be a clean file path (no '..', '//' or trailing '/')")
	}
	if w.Permissions != "" && !permissionsRE.MatchString(w.Permissions) {
		return sitekit.Invalid(field+".Permissions", w.Permissions, `must be an octal mode such as "0644"`)
	}
	if w.Owner != "" {
		user, group, hasGroup := strings.Cut(w.Owner, ":")
		if !userNameRE.MatchString(user) || (hasGroup && !groupNameRE.MatchString(group)) {
			return sitekit.Invalid(field+".Owner", w.Owner, `must be "user" or "user:group"`)
		}
	}
	if !encodings[w.Encoding] {
		return sitekit.Invalid(field+".Encoding", w.Encoding, "must be empty, b64, gzip or gz+b64")
	}
	if strings.Contains(w.Encoding, "b64") || strings.Contains(w.Encoding, "base64") {
		if _, err := base64.StdEncoding.DecodeString(w.Content); err != nil {
			// Never echo the content: it may be a secret.
			return sitekit.Invalid(field+".Content", fmt.Sprintf("(%d bytes)", len(w.Content)), "is not valid base64 for encoding "+w.Encoding)
		}
	}
	return nil
}

func validateCommands(field string, cmds []Command) error {
	for i, c := range cmds {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case c.Argv != nil && c.Shell != "":
			return sitekit.Invalid(f, c.Shell, "set either Argv or Shell, not both")
		case c.Argv != nil && (len(c.Argv) == 0 || c.Argv[0] == ""):
			return sitekit.Invalid(f+".Argv", c.Argv, "must name a program")
		case c.Argv == nil && strings.TrimSpace(c.Shell) == "":
			return sitekit.Invalid(f+".Shell", c.Shell, "must not be empty")
		}
	}
	return nil
}
