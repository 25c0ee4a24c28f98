package blueprinttest

import (
	"maps"
	"strings"

	"github.com/sitekit/sitekit/blueprint"
)

// Pessac returns the reference client site the simulators serve by default: 50 people
// doubling, the default address plan on 10.10.0.0/16 and catalogue of VMs, an S3 off-site
// copy and 15 teleworkers through ZTNA, marked Simulated (its public address is the
// documentation address of the default plan). Its secrets are read from the environment
// (SITEKIT_OFFSITE_ACCESS_KEY, SITEKIT_OFFSITE_SECRET_KEY, SITEKIT_NETDATA_STREAM_KEY).
func Pessac() blueprint.Site {
	return blueprint.Site{
		Name: "pv-pessac", Users: 50, Growth: 2,
		Network:     blueprint.DefaultNetwork("10.10.0.0/16"),
		Offsite:     blueprint.Offsite{Kind: blueprint.OffsiteS3, Endpoint: "https://s3.fr-par.scw.cloud", Bucket: "pv-pessac-backup", Region: "fr-par"},
		Teleworkers: blueprint.Teleworkers{Enabled: true, Count: 15},
		// The default address plan's public IP is a documentation address: fine on simulators.
		Simulated: true,
		Credentials: blueprint.Credentials{
			OffsiteAccessKey: "env:SITEKIT_OFFSITE_ACCESS_KEY", OffsiteSecretKey: "env:SITEKIT_OFFSITE_SECRET_KEY",
			NetdataStreamKey: "env:SITEKIT_NETDATA_STREAM_KEY",
		},
	}
}

// siteSecrets are the values the simulators accept for the secrets of [Pessac].
var siteSecrets = map[string]string{
	"SITEKIT_OFFSITE_ACCESS_KEY": "SIMACCESSKEY0001",
	"SITEKIT_OFFSITE_SECRET_KEY": "sim-secret-key-not-a-real-one",
	"SITEKIT_NETDATA_STREAM_KEY": "11111111-2222-3333-4444-555555555555",
}

// Env returns the environment of a live run pointed at the simulators: for each appliance
// SITEKIT_<APPLIANCE>_URL, its credentials and SITEKIT_<APPLIANCE>_SHA256 (the certificate
// to pin), the site secrets of [Pessac], and SITEKIT_SIMULATED=1 (the appliances are
// simulators: a program may then mark its site [blueprint.Site.Simulated]). The values are
// the simulators' own; they include secrets, on purpose.
//
//	FORTIGATE  SITEKIT_FORTIGATE_URL  SITEKIT_FORTIGATE_TOKEN
//	XO         SITEKIT_XO_URL         SITEKIT_XO_TOKEN
//	EMS        SITEKIT_EMS_URL        SITEKIT_EMS_USER  SITEKIT_EMS_PASSWORD
//	TRUENAS    SITEKIT_TRUENAS_URL    SITEKIT_TRUENAS_API_KEY
//	NETDATA    SITEKIT_NETDATA_URL    SITEKIT_NETDATA_TOKEN
func (s *Site) Env() map[string]string {
	env := map[string]string{
		"SITEKIT_FORTIGATE_URL": s.FortiGate.URL(), "SITEKIT_FORTIGATE_TOKEN": s.FortiGate.Token(), "SITEKIT_FORTIGATE_SHA256": s.FortiGate.Fingerprint(),
		"SITEKIT_XO_URL": s.XO.URL(), "SITEKIT_XO_TOKEN": s.XO.Token(), "SITEKIT_XO_SHA256": s.XO.Fingerprint(),
		"SITEKIT_EMS_URL": s.EMS.URL(), "SITEKIT_EMS_USER": s.EMS.Username(), "SITEKIT_EMS_PASSWORD": s.EMS.Password(), "SITEKIT_EMS_SHA256": s.EMS.Fingerprint(),
		"SITEKIT_TRUENAS_URL": s.TrueNAS.URL(), "SITEKIT_TRUENAS_API_KEY": s.TrueNAS.APIKey(), "SITEKIT_TRUENAS_SHA256": s.TrueNAS.Fingerprint(),
		"SITEKIT_NETDATA_URL": s.Netdata.URL(), "SITEKIT_NETDATA_TOKEN": s.Netdata.Token().Reveal(), "SITEKIT_NETDATA_SHA256": s.Netdata.Fingerprint(),
	}
	maps.Copy(env, siteSecrets)
	env["SITEKIT_SIMULATED"] = "1"
	for k, v := range env {
		if v == "" {
			delete(env, k)
		}
	}
	return env
}

// Getenv returns a lookup of [Site.Env], in the shape of os.Getenv, for code that reads its
// configuration from the environment.
func (s *Site) Getenv() func(string) string {
	env := s.Env()
	return func(k string) string { return env[strings.TrimSpace(k)] }
}
