// Package ems is a client for the FortiClient EMS REST API (/api/v1) of an on-premises EMS
// 7.2/7.4: system and license, endpoints, endpoint groups, profiles, ZTNA tags and tagging
// rule sets, and the FortiGates that connect to EMS over the Fabric connector.
//
// Fortinet does not publish the EMS API (it is documented on FNDN only). This package rests
// on what public clients of the API do; a fact no public client shows is marked [inferred] in
// its doc comment and should be checked on the target EMS. [Client.Do] reaches anything the
// typed API lacks.
//
// # Usage
//
//	c, err := ems.New("https://ems.example.lan",
//		sitekit.WithCredentials("apiadmin", sitekit.NewSecret(pw)),
//		sitekit.WithCertSHA256(fingerprint))
//	lic, err := c.System.License(ctx)
//	for e, err := range c.Endpoints.All(ctx, &ems.EndpointListOptions{Status: ems.StatusOutOfSync}) { … }
//	sum, err := c.Endpoints.Summary(ctx)                     // online / offline, managed / unmanaged
//	g, err := c.Groups.Create(ctx, ems.GroupCreateRequest{Name: "Compta"})
//	err = c.Endpoints.Move(ctx, g.ID, ids...)
//	tag, err := c.ZTNATags.Create(ctx, ems.ZTNATagRequest{Name: "ERP-Compliant", Comments: sitekit.Marker(site), …})
//	fgt, err := c.FortiGates.Authorize(ctx, "FGT60F…")
//
// Every family has the same verbs: List(ctx, opts) returns every object (nil options list
// everything; paged listings are fetched page by page) and All iterates over the same objects
// as an iter.Seq2; Get(ctx, id) reads one object and Find(ctx, name) finds one by name (absent:
// an error matching sitekit.ErrNotFound; Find on a name several objects share:
// ErrAmbiguousName); Create returns the created object, Update(ctx, id, …) the object after
// the update (nil fields of an update are kept), Delete(ctx, id) returns an error only. ZTNA
// tags and rule sets carry the blueprint marker "managed-by sitekit:<site>" (sitekit.Marker,
// sitekit.ParseMarker) in Comments (Description is shown to end users). Groups have no free-text
// field: identity is the name. Requests are validated before any I/O and fail with a
// *sitekit.FieldError naming the field.
//
// # Authentication
//
// EMS uses Django sessions. The client signs in lazily with POST /api/v1/auth/signin
// {"name","password"[,"site"]}, keeps the csrftoken and sessionid cookies, and sends on
// every call the cookies, X-CSRFToken, a same-origin Referer, "Ems-Call-Type: 2" and, with
// [WithSite], the Site header. Concurrent callers share one sign-in (singleflight). When EMS
// answers that the session expired (401, retval -4) the client signs in again and
// replays the call once; a second refusal is returned. [Client.SignOut] closes the session.
// The password is only ever put in the sign-in body: it never appears in logs, errors or
// %v/%#v of the client. Credentials come from sitekit.WithCredentials; there is no API
// token on on-premises EMS [inferred].
//
// # TLS
//
// Verification is always on. An EMS ships a self-signed certificate: pin it with
// sitekit.WithCertSHA256 (or WithSPKISHA256), or trust an internal CA with sitekit.WithCA.
//
// # Errors
//
// A failure answered by EMS is an *[APIError] (HTTP status, envelope retval and message,
// method, path) that matches one sitekit sentinel with errors.Is: ErrUnauthorized (401, 403
// incl. Django's HTML CSRF page, retval -4), ErrNotFound, ErrExists, ErrInUse, ErrInvalid,
// ErrRateLimited. A 2xx answer whose retval is not positive is an error too. The mapping of
// messages to ErrExists/ErrNotFound/ErrInUse is [inferred].
//
// # Retries
//
// Reads (and the sign-in) are retried on transport errors, 502/503/504 and 429 with backoff
// and Retry-After (sitekit.WithRetry). Writes are sent once: a write whose answer is lost
// returns an error matching sitekit.ErrOutcomeUnknown, so the caller looks the object up by
// name before trying again. Some EMS writes are GETs (workgroups/create, move): they are
// treated as writes.
//
// # What rests on inferred facts
//
//   - Groups.Update and Groups.Delete paths (workgroups/rename, workgroups/delete as GETs).
//   - TagRules: the body fields, the listing member "tag_rules", update_one and {id}/delete
//     (index and create paths are used by public clients).
//   - RuleType values other than 1 (AD group) and 4 (file); OS values other than 1 (Windows).
//   - The "name" and "authorized" fields of client_certificates/index; the FortiGate bring-up order.
//   - The error vocabulary (which retval/message means duplicate, missing, in use) and the
//     wrong-credentials body; Django's 403 on missing CSRF/Referer.
//   - The id_list format of workgroups/move (comma-separated) and the profile import
//     components format; the fields of the profile listing besides id and name.
//   - Reading created objects back by name (the create answers' data is not documented).
package ems
