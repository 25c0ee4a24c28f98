// Package fortigate is a typed client for the FortiOS REST API v2 (FortiOS 7.0–7.6, the
// FortiGate 80F of a client site): CMDB objects, monitor endpoints and batch transactions.
//
// # Usage
//
//	c, err := fortigate.New("https://192.0.2.1",
//		sitekit.WithToken(sitekit.NewSecret(token)),
//		sitekit.WithCertSHA256(fingerprint),
//		fortigate.WithVDOM("root"))
//	p, err := c.Policies.Create(ctx, fortigate.Policy{Name: "lan-out", …})
//	_, err = c.Policies.EnsureOrder(ctx, []int{p.PolicyID, other})
//	st, err := c.Monitor.Status(ctx)
//
// Every CMDB family (c.Interfaces, c.Zones, c.DHCPServers, c.Addresses, c.AddressGroups,
// c.Services, c.ServiceGroups, c.Policies, c.VIPs, c.StaticRoutes, c.LocalUsers,
// c.UserGroups, c.EMSConnectors, c.AccessProxies, c.ZTNAWebProxies) has the same verbs:
// Get (by key; an error matching [sitekit.ErrNotFound] when absent), Exists, List with
// [ListOptions] (filter, format, sort, paging; nil lists everything), All (an iter.Seq2
// over pages), Create (returns the record sent with its key as FortiOS answered it, the
// key being allocated by FortiOS for policies, DHCP servers and routes), Update (partial:
// the non-zero fields, a list field such as Member replacing the whole list; returns the
// record read back), Patch (raw attributes, to clear a field), Delete and Clone. FortiOS
// answers a write with the key only, so Create does not re-read the record (Get does) and
// Update reads it back. There is no Find: a FortiOS record is addressed by its key, which
// is its name where it has one. Objects carry free-text fields (Comments on policies,
// Comment on addresses, Description on interfaces) for a "managed-by sitekit:<site>"
// marker. Requests are validated locally before any I/O and a rejected value comes back as
// a [*sitekit.FieldError] naming the field.
//
// Addresses with masks use [IPMask], which reads and writes FortiOS's "a.b.c.d m.m.m.m"
// and accepts CIDR; multi-option values use [Options] (compare with Options.Equal: FortiOS
// reorders them).
//
// # Authentication
//
// A REST API administrator token, sent as "Authorization: Bearer" on every request, never
// in the URL (the access_token query form is disabled by default on FortiOS and broke on
// 7.4.5). The token is a [sitekit.Secret]: it never appears in logs, errors or %v output.
//
// # TLS
//
// Verification is always on. FortiGates ship a self-signed certificate: pin it with
// [sitekit.WithCertSHA256] (or trust an internal CA with [sitekit.WithCA]).
// [sitekit.FetchFingerprint] reads the fingerprint to show to a human once.
//
// # Errors
//
// HTTP errors are [*APIError] values carrying the status, the FortiOS internal error code
// (Code, e.g. -5) and CLI text. errors.Is maps them to the sitekit sentinels: -3/404 →
// ErrNotFound; -5, -15, -163, -164 → ErrExists; -23, -94 → ErrInUse; -1, -8, -9, -650,
// -651, -522, 400/405/424 → ErrInvalid; 401/403/-14/-37 → ErrUnauthorized; 429 →
// ErrRateLimited.
//
// # Retries
//
// Reads and other idempotent requests are retried on transport errors and 502/503/504
// with exponential backoff, honouring Retry-After up to RetryPolicy.MaxRetryAfter. A POST
// (create, transaction commit) is never re-sent once it reached the wire: a lost answer
// gives an error matching [sitekit.ErrOutcomeUnknown], and the caller observes with Get
// before trying again. A 401 or 429 is never retried: FortiOS counts every failed token as
// a failed login and locks the source out with 429 after three of them.
//
// # VDOMs
//
// [WithVDOM] sends vdom=<name> on every request. On a FortiGate with several VDOMs (an MSP
// hosting several customers on one unit), the ListPerVDOM method of every table and
// Monitor.StatusPerVDOM ask several VDOMs in one request (vdom=* or a VDOM list); FortiOS
// answers one envelope per VDOM, returned as [PerVDOM] values, each with its own error.
// [Client.RawPerVDOM] does the same for any path, global=1 included.
//
// # Transactions
//
// Client.Transactions.Begin opens a batch (FortiOS 6.4+); its Client field is a client
// whose CMDB writes carry X-TRANSACTION-ID and take effect at Commit.
//
// The package's simulator, [github.com/sitekit/sitekit/fortigate/fortigatetest], serves
// the same API in-process for tests and examples.
package fortigate
