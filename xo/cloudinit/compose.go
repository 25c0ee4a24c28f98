package cloudinit

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/sitekit/sitekit"
)

// Compose merges several user-data documents into one, in order, so that recipes can be
// stacked on a base (host name, users, time zone): Compose(base, lamp, agent).
//
//   - Scalars (Hostname, FQDN, Timezone, FinalMessage, SSHPasswordAuth, NTP): the first part
//     that sets one wins; a later part setting a different value is a conflict (error).
//   - Booleans (PackageUpdate, PackageUpgrade, …): true if any part sets them.
//   - Packages: concatenated, duplicates dropped.
//   - Users: merged by name; the same name with different settings is a conflict.
//   - WriteFiles: concatenated; the same path twice is a conflict unless the entries are
//     identical (then kept once) or the later one appends.
//   - BootCmd, RunCmd: concatenated in part order.
//
// The result is validated.
func Compose(parts ...UserData) (UserData, error) {
	var out UserData
	for i, p := range parts {
		if err := out.merge(p, i); err != nil {
			return UserData{}, err
		}
	}
	if err := out.Validate(); err != nil {
		return UserData{}, err
	}
	return out, nil
}

func mergeScalar[T comparable](field string, part int, dst *T, src T) error {
	var zero T
	switch {
	case src == zero:
	case *dst == zero:
		*dst = src
	case *dst != src:
		return sitekit.Invalid(field, src, fmt.Sprintf("part %d conflicts with an earlier part (%v)", part, *dst))
	}
	return nil
}

func (u *UserData) merge(p UserData, i int) error {
	for _, m := range []struct {
		f        string
		dst, src *string
	}{
		{"Hostname", &u.Hostname, &p.Hostname},
		{"FQDN", &u.FQDN, &p.FQDN},
		{"Timezone", &u.Timezone, &p.Timezone},
		{"FinalMessage", &u.FinalMessage, &p.FinalMessage},
	} {
		if err := mergeScalar(m.f, i, m.dst, *m.src); err != nil {
			return err
		}
	}
	if p.SSHPasswordAuth != nil {
		if u.SSHPasswordAuth != nil && *u.SSHPasswordAuth != *p.SSHPasswordAuth {
			return sitekit.Invalid("SSHPasswordAuth", *p.SSHPasswordAuth, fmt.Sprintf("part %d conflicts with an earlier part", i))
		}
		u.SSHPasswordAuth = Bool(*p.SSHPasswordAuth)
	}
	if p.NTP != nil {
		if u.NTP != nil && !reflect.DeepEqual(u.NTP, p.NTP) {
			return sitekit.Invalid("NTP", fmt.Sprint(*p.NTP), fmt.Sprintf("part %d conflicts with an earlier part", i))
		}
		n := *p.NTP
		n.Servers, n.Pools = slices.Clone(n.Servers), slices.Clone(n.Pools)
		u.NTP = &n
	}
	u.ManageEtcHosts = u.ManageEtcHosts || p.ManageEtcHosts
	u.DisableRoot = u.DisableRoot || p.DisableRoot
	u.PackageUpdate = u.PackageUpdate || p.PackageUpdate
	u.PackageUpgrade = u.PackageUpgrade || p.PackageUpgrade
	u.PackageRebootIfRequired = u.PackageRebootIfRequired || p.PackageRebootIfRequired
	u.Packages = appendUnique(u.Packages, p.Packages...)
users:
	for _, usr := range p.Users {
		for _, have := range u.Users {
			if have.Name == usr.Name {
				if !reflect.DeepEqual(have, usr) {
					return sitekit.Invalid("Users.Name", usr.Name, fmt.Sprintf("part %d defines the user differently from an earlier part", i))
				}
				continue users
			}
		}
		u.Users = append(u.Users, usr)
	}
files:
	for _, w := range p.WriteFiles {
		for _, have := range u.WriteFiles {
			if have.Path == w.Path && !w.Append {
				if have == w {
					continue files
				}
				return sitekit.Invalid("WriteFiles.Path", w.Path, fmt.Sprintf("part %d writes a file an earlier part already writes", i))
			}
		}
		u.WriteFiles = append(u.WriteFiles, w)
	}
	u.BootCmd = append(u.BootCmd, p.BootCmd...)
	u.RunCmd = append(u.RunCmd, p.RunCmd...)
	return nil
}
