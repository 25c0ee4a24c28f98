// Package truenas is a typed client for the TrueNAS middleware API: JSON-RPC 2.0 over one
// persistent WebSocket at wss://host/api/<version> (TrueNAS removed its REST API in 26.0).
//
// # Usage
//
//	c, err := truenas.New("https://nas01.example",
//		sitekit.WithToken(sitekit.NewSecret(apiKey)), truenas.WithAPIKeyUser("svc_msp"),
//		sitekit.WithCertSHA256(fingerprint))
//	ds, err := c.Datasets.Create(ctx, truenas.DatasetRequest{Name: "tank/backups",
//		ShareType: "NFS", Comments: truenas.Ptr(sitekit.Marker("pv-pessac"))})
//	share, err := c.NFSShares.Create(ctx, truenas.NFSShareRequest{Path: ds.Mountpoint,
//		Networks: []string{"10.10.20.0/24"}, MaprootUser: truenas.Ptr("root")})
//	job, err := c.Replications.Run(ctx, id, func(j truenas.Job) { log.Print(j.Progress.Percent) })
//
// Families are fields of [Client] (Datasets, NFSShares, SMBShares, SnapshotTasks, Snapshots,
// Replications, KeychainCredentials, CloudCredentials, CloudSyncs, Services, Users, Pools,
// System, Alerts, Jobs) with Get (by id; datasets and snapshots are identified by name,
// services by service name; an error matching sitekit.ErrNotFound when absent), Find (by
// natural name; ErrAmbiguousName when several match), List and All (a *[ListOptions] of
// [Filter]s, order, offset and limit; nil lists everything), Create, Update (partial: only
// the fields set; both return the object) and Delete. Alerts has List without options:
// alert.list takes none. Requests are validated before any I/O and return a
// *sitekit.FieldError naming the field. The free-text field carrying the blueprint marker
// ([Marker]) is Comments for datasets, Comment for shares and Description for cloud sync tasks.
//
// # Versions
//
// [New] does no I/O. The first call reads GET /api/versions and connects to the newest
// version in [KnownVersions] that the appliance serves; [WithAPIVersion] pins one (no
// discovery) and [WithCurrentAPI] uses /api/current. Method renames are handled from the
// version in use: service.start… (v25.04) versus service.control, a job (v25.10+);
// zfs.snapshot.* (v25.04) versus pool.snapshot.* (v25.10+); SMB purpose names and ro/abe
// versus readonly/access_based_share_enumeration.
//
// # Authentication
//
// Every connection first calls core.set_options({"legacy_jobs": false}), as the vendor's
// client does, then signs in. Where auth.mechanism_choices offers SCRAM (TrueNAS 26.0+) the
// client signs in by SCRAM-SHA-512: with an API key (sitekit.WithToken, "<id>-<key>", and
// [WithAPIKeyUser] naming its owner) or a password (sitekit.WithCredentials), bound to the
// server's TLS certificate (tls-server-end-point) over TLS; the secret never crosses the
// wire and the server proves it knows it. Elsewhere an API key uses auth.login_ex mechanism
// API_KEY_PLAIN (auth.login_with_api_key without [WithAPIKeyUser]) and credentials use
// PASSWORD_PLAIN. The sign-in runs on every (re)connect, before queued calls, never per call
// (TrueNAS rate-limits logins). An API key is refused, before any I/O, over plain ws:// or
// http:// to a non-loopback host: TrueNAS revokes a key sent over an insecure transport.
//
// # TLS
//
// Verification is on. TrueNAS ships a self-signed certificate: pin it with
// sitekit.WithCertSHA256 (or WithSPKISHA256, WithCA). The WebSocket handshake uses the same
// pinned transport, forced to HTTP/1.1 (nginx may offer HTTP/2, which cannot upgrade).
//
// # Errors
//
// Error frames become *[APIError] with the JSON-RPC code, errno,
// errname, reason and, for -32602, the [ValidationError] triples. errors.Is matches:
// ENOENT, InstanceNotFound and MatchNotFound → sitekit.ErrNotFound; EEXIST → ErrExists;
// EINVAL and validation → ErrInvalid; "Rate Limit Exceeded" and -32000 → ErrRateLimited;
// not authenticated, EACCES and refused logins → ErrUnauthorized. Jobs that end FAILED or
// ABORTED return a *[JobError]. A write whose answer was lost with the connection returns
// an error matching sitekit.ErrOutcomeUnknown: observe (Get by name) before retrying.
//
// # Options and retries
//
// Every sitekit option applies to the WebSocket transport: sitekit.WithTimeout bounds each
// call (and the version discovery); sitekit.WithRetry retries reads on transient failures
// (connection lost, no answer in time, -32000 or "Rate Limit Exceeded") with exponential
// backoff, and writes only when the appliance refused them without running them; a write
// whose answer was lost is never re-sent. sitekit.WithMaxConcurrentWrites caps the writes in
// flight. At most 16 calls are in flight per client (the middleware refuses more than 20).
// Jobs (replication.run, cloudsync.sync, service.control): where the endpoint accepts
// new-style jobs (v25.10.0+), the call is answered when the job ends and progress comes from
// the core.get_jobs events naming the call; if the connection drops meanwhile, or on older
// endpoints, the job is awaited by id through core.get_jobs collection_update events, with a
// core.get_jobs poll as fallback ([WithJobPollInterval]). The per-call timeout does not
// bound a job: its ctx does.
package truenas
