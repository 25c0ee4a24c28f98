package blueprint

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/sitekit/sitekit/blueprint/engine"
	"github.com/sitekit/sitekit/truenas"
)

// ── off-site copy: ZFS replication over SSH to another NAS ─────────────────────────────

type tnKeyPairState struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type tnSSHConnState struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Host       string `json:"host"`
	Port       int    `json:"port"`
	Username   string `json:"username"`
	PrivateKey int64  `json:"private_key"`
}

type tnReplicationState struct {
	Name                    string           `json:"name"`
	Direction               string           `json:"direction"`
	Transport               string           `json:"transport"`
	SSHCredentials          int64            `json:"ssh_credentials"`
	SourceDatasets          []string         `json:"source_datasets"`
	TargetDataset           string           `json:"target_dataset"`
	Recursive               bool             `json:"recursive"`
	AlsoIncludeNamingSchema []string         `json:"also_include_naming_schema"`
	Auto                    bool             `json:"auto"`
	Schedule                truenas.Schedule `json:"schedule"`
	RetentionPolicy         string           `json:"retention_policy"`
	LifetimeValue           int              `json:"lifetime_value"`
	LifetimeUnit            string           `json:"lifetime_unit"`
	Enabled                 bool             `json:"enabled"`
}

// truenasKeyFingerprint is the OpenSSH SHA256 fingerprint of an authorized_keys line, or
// its first characters when the key does not decode.
func truenasKeyFingerprint(pub string) string {
	f := strings.Fields(pub)
	if len(f) >= 2 {
		if raw, err := base64.StdEncoding.DecodeString(f[1]); err == nil {
			sum := sha256.Sum256(raw)
			return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
		}
	}
	if len(pub) > 40 {
		pub = pub[:40] + "…"
	}
	return pub
}

// truenasReplicationLifetime is how long the target keeps the replicated snapshots: the
// site's snapshot lifetime (the target's own retention, so that deleting the source's
// snapshots does not delete the off-site ones).
func (b *build) truenasReplicationLifetime() int {
	if d := b.site.Backup.SnapshotLifetimeDays; d > 0 {
		return d
	}
	return 14
}

// truenasReplication adds the key pair, the SSH connection to Offsite.Endpoint and the PUSH
// replication of the site's dataset tree to the target dataset Offsite.Bucket. The key
// pair's public key must be installed on the target by the operator: the plan warns until
// a run of the replication task finished.
func (b *build) truenasReplication() {
	c := b.conns.TrueNAS
	o := b.site.Offsite
	site := b.site.Name
	keyName := site + "-offsite-key [" + b.marker + "]"
	sshName := site + "-offsite-ssh [" + b.marker + "]"
	replName := site + " off-site replication [" + b.marker + "]"
	schema := b.truenasSchema()
	if !b.destroy && (!b.feat.Snapshots || b.site.Backup.Snapshots == "") {
		b.warn("truenas: the off-site replication to %s sends the snapshots named %q, but no periodic snapshot task makes them (Backup.Snapshots is empty or the tier has no snapshots)",
			o.Endpoint, schema)
	}

	keychain := func(ctx context.Context, r *engine.Reader, name, typ string) (truenas.KeychainCredential, bool, error) {
		all, err := truenasList(ctx, b, r, tnCollKeychain, c.KeychainCredentials.List)
		if err != nil {
			return truenas.KeychainCredential{}, false, err
		}
		i := slices.IndexFunc(all, func(x truenas.KeychainCredential) bool { return x.Name == name && x.Type == typ })
		if i < 0 {
			return truenas.KeychainCredential{}, false, nil
		}
		return all[i], true, nil
	}
	// replicated reports whether the replication task exists and its last run finished
	// (proof the target accepts the key).
	replicated := func(ctx context.Context, r *engine.Reader) bool {
		tasks, err := truenasList(ctx, b, r, tnCollRepl, c.Replications.List)
		if err != nil {
			return false
		}
		i := slices.IndexFunc(tasks, func(t truenas.Replication) bool { return t.Name == replName })
		return i >= 0 && tasks[i].State.State == "FINISHED"
	}
	target := o.User + "@" + o.Endpoint

	// 1. The key pair, generated on the NAS once; its private key never leaves it.
	keyKey := engine.K(appTrueNAS, "ssh-keypair", site+"-offsite-key")
	b.add(&engine.Func[tnKeyPairState]{
		ID:       keyKey,
		Want:     tnKeyPairState{Name: keyName, Type: truenas.KeychainSSHKeyPair},
		Provides: []string{"id", "public_key"},
		Duration: estimates[appTrueNAS],
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			x, ok, err := keychain(ctx, r, keyName, truenas.KeychainSSHKeyPair)
			if err != nil {
				return engine.NotFound(), err
			}
			if !ok {
				if !b.destroy {
					b.warn("truenas: the off-site replication needs an SSH key pair: the apply generates %q; install its public key (re-plan to see its fingerprint) in the authorized keys of %s",
						keyName, target)
				}
				return engine.NotFound(), nil
			}
			if !b.destroy && !replicated(ctx, r) {
				b.warn("truenas: install the public key of %q (%s, %q) in the authorized keys of %s: the off-site replication has not completed yet",
					keyName, truenasKeyFingerprint(x.Attributes.PublicKey), x.Attributes.PublicKey, target)
			}
			return engine.Found(tnKeyPairState{Name: x.Name, Type: x.Type}, true,
				engine.Outputs{"id": x.ID, "public_key": x.Attributes.PublicKey}), nil
		},
		OnCreate: func(ctx context.Context, w tnKeyPairState) (engine.Outputs, error) {
			kp, err := c.KeychainCredentials.GenerateKeyPair(ctx)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH key pair", err)
			}
			x, err := c.KeychainCredentials.CreateKeyPair(ctx, w.Name, kp)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH key pair", rpcWriteErr(err))
			}
			pub := x.Attributes.PublicKey
			if pub == "" {
				pub = kp.PublicKey
			}
			return engine.Outputs{"id": x.ID, "public_key": pub}, nil
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SSH key pair: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "SSH key pair", c.KeychainCredentials.Delete(ctx, tnID(cur.Outputs["id"]), nil))
		},
	})

	// 2. The SSH connection to the target, with its host key scanned at create time.
	keyID := engine.Output[int64](keyKey, "id")
	sshKey := engine.K(appTrueNAS, "ssh-connection", site+"-offsite-ssh")
	b.add(&engine.Func[tnSSHConnState]{
		ID:       sshKey,
		Uses:     []engine.Reference{keyID},
		Provides: []string{"id"},
		Duration: estimates[appTrueNAS],
		WantFn: func(in engine.Inputs) tnSSHConnState {
			return tnSSHConnState{Name: sshName, Type: truenas.KeychainSSHCredentials, Host: o.Endpoint, Port: 22,
				Username: o.User, PrivateKey: keyID.Get(in)}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			x, ok, err := keychain(ctx, r, sshName, truenas.KeychainSSHCredentials)
			if err != nil || !ok {
				return engine.NotFound(), err
			}
			a := x.Attributes
			return engine.Found(tnSSHConnState{Name: x.Name, Type: x.Type, Host: a.Host, Port: a.Port, Username: a.Username,
				PrivateKey: a.PrivateKeyID}, true, engine.Outputs{"id": x.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnSSHConnState) (engine.Outputs, error) {
			hk, err := c.KeychainCredentials.RemoteHostKeyScan(ctx, w.Host, w.Port)
			if err != nil {
				return nil, describe(appTrueNAS, "SSH connection: host key scan of "+w.Host, err)
			}
			x, err := c.KeychainCredentials.CreateSSHConnection(ctx, truenas.SSHConnectionRequest{Name: w.Name, Host: w.Host, Port: w.Port,
				Username: w.Username, PrivateKeyID: w.PrivateKey, RemoteHostKey: hk})
			if err != nil {
				return nil, describe(appTrueNAS, "SSH connection", rpcWriteErr(err))
			}
			return engine.Outputs{"id": x.ID}, nil
		},
		// The truenas client has no keychain update verb: a changed endpoint, user or key is
		// reported, the operator deletes the connection (and the task using it) to recreate it.
		OnUpdate: func(ctx context.Context, w tnSSHConnState, cur engine.Observed) (engine.Outputs, error) {
			return nil, fmt.Errorf("truenas SSH connection %q differs from the site (%s@%s:%d): keychain credentials cannot be updated in place; destroy the off-site replication objects and apply again",
				w.Name, w.Username, w.Host, w.Port)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas SSH connection: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "SSH connection", c.KeychainCredentials.Delete(ctx, tnID(cur.Outputs["id"]), nil))
		},
	})

	// 3. The PUSH replication of the site's dataset tree.
	sshID := engine.Output[int64](sshKey, "id")
	source := engine.Output[string](keyTNDataset(b.truenasRoot()), "name")
	b.add(&engine.Func[tnReplicationState]{
		ID:       engine.K(appTrueNAS, "replication", site+"-offsite"),
		Uses:     []engine.Reference{sshID, source},
		After:    b.truenasOffsiteAfter(),
		Provides: []string{"id"},
		Duration: estimates[appTrueNAS],
		WantFn: func(in engine.Inputs) tnReplicationState {
			return tnReplicationState{Name: replName, Direction: "PUSH", Transport: "SSH", SSHCredentials: sshID.Get(in),
				SourceDatasets: []string{source.Get(in)}, TargetDataset: o.Bucket, Recursive: true,
				AlsoIncludeNamingSchema: []string{schema}, Auto: true, Schedule: truenasSchedule(o.Schedule),
				RetentionPolicy: "CUSTOM", LifetimeValue: b.truenasReplicationLifetime(), LifetimeUnit: "DAY", Enabled: true}
		},
		OnObserve: func(ctx context.Context, r *engine.Reader) (engine.Observed, error) {
			tasks, err := truenasList(ctx, b, r, tnCollRepl, c.Replications.List)
			if err != nil {
				return engine.NotFound(), err
			}
			i := slices.IndexFunc(tasks, func(t truenas.Replication) bool { return t.Name == replName })
			if i < 0 {
				return engine.NotFound(), nil
			}
			t := tasks[i]
			var sch truenas.Schedule
			if t.Schedule != nil {
				sch = *t.Schedule
				sch.Begin, sch.End = "", ""
			}
			st := tnReplicationState{Name: t.Name, Direction: t.Direction, Transport: t.Transport, SSHCredentials: t.SSHCredentials(),
				SourceDatasets: nonNil(t.SourceDatasets), TargetDataset: t.TargetDataset, Recursive: t.Recursive,
				AlsoIncludeNamingSchema: nonNil(t.AlsoIncludeNamingSchema), Auto: t.Auto, Schedule: sch,
				RetentionPolicy: t.RetentionPolicy, LifetimeValue: t.LifetimeValue, LifetimeUnit: t.LifetimeUnit, Enabled: t.Enabled}
			return engine.Found(st, true, engine.Outputs{"id": t.ID}), nil
		},
		OnCreate: func(ctx context.Context, w tnReplicationState) (engine.Outputs, error) {
			t, err := c.Replications.Create(ctx, truenas.ReplicationRequest{Name: w.Name, Direction: w.Direction, Transport: w.Transport,
				SSHCredentials: &w.SSHCredentials, SourceDatasets: w.SourceDatasets, TargetDataset: w.TargetDataset,
				Recursive: &w.Recursive, AlsoIncludeNamingSchema: w.AlsoIncludeNamingSchema, Auto: &w.Auto, Schedule: &w.Schedule,
				RetentionPolicy: w.RetentionPolicy, LifetimeValue: w.LifetimeValue, LifetimeUnit: w.LifetimeUnit, Enabled: &w.Enabled})
			if err != nil {
				return nil, describe(appTrueNAS, "replication task", rpcWriteErr(err))
			}
			return engine.Outputs{"id": t.ID}, nil
		},
		OnUpdate: func(ctx context.Context, w tnReplicationState, cur engine.Observed) (engine.Outputs, error) {
			have, _ := engine.StateOf[tnReplicationState](cur)
			var u truenas.ReplicationRequest
			if have.Direction != w.Direction {
				u.Direction = w.Direction
			}
			if have.Transport != w.Transport {
				u.Transport = w.Transport
			}
			if have.SSHCredentials != w.SSHCredentials {
				u.SSHCredentials = &w.SSHCredentials
			}
			if !slices.Equal(have.SourceDatasets, w.SourceDatasets) {
				u.SourceDatasets = w.SourceDatasets
			}
			if have.TargetDataset != w.TargetDataset {
				u.TargetDataset = w.TargetDataset
			}
			if have.Recursive != w.Recursive {
				u.Recursive = &w.Recursive
			}
			if !slices.Equal(have.AlsoIncludeNamingSchema, w.AlsoIncludeNamingSchema) {
				u.AlsoIncludeNamingSchema = w.AlsoIncludeNamingSchema
			}
			if have.Auto != w.Auto {
				u.Auto = &w.Auto
			}
			if have.Schedule != w.Schedule {
				u.Schedule = &w.Schedule
			}
			if have.RetentionPolicy != w.RetentionPolicy || have.LifetimeValue != w.LifetimeValue || have.LifetimeUnit != w.LifetimeUnit {
				u.RetentionPolicy, u.LifetimeValue, u.LifetimeUnit = w.RetentionPolicy, w.LifetimeValue, w.LifetimeUnit
			}
			if have.Enabled != w.Enabled {
				u.Enabled = &w.Enabled
			}
			_, err := c.Replications.Update(ctx, tnID(cur.Outputs["id"]), u)
			return nil, describe(appTrueNAS, "replication task", err)
		},
		OnDelete: func(ctx context.Context, cur engine.Observed) error {
			if !cur.Managed {
				return fmt.Errorf("truenas replication task: not managed by %s, kept", site)
			}
			return deleted(appTrueNAS, "replication task", c.Replications.Delete(ctx, tnID(cur.Outputs["id"])))
		},
	})
}
