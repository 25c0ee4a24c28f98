// Package emstest is an in-process FortiClient EMS simulator, in the spirit of
// net/http/httptest: the /api/v1 paths, envelopes, Django session cookies, CSRF checks,
// session expiry and validation that public EMS clients rely on.
//
//	srv := emstest.NewTestServer(t)      // or emstest.NewServer() and Close
//	c, _ := srv.Client()                 // signed in lazily, pinned to the server's certificate
//	sn, _ := c.System.Serial(ctx)
//
// The simulator signs administrators in (JSON or form body) and sets the Django cookies
// csrftoken and sessionid; every other call needs the session. State-changing methods (POST,
// PUT, PATCH, DELETE) also need X-CSRFToken equal to the csrftoken cookie and, over TLS, a
// same-origin Referer: otherwise Django's HTML 403 answer. An expired session answers
// 401 {"result":{"retval":-4,"message":"Session has expired or does not exist."}};
// [Server.ExpireSessions] expires every session at once. Faults and call counters come from
// [Server.Faults] (keys "METHOD /path").
//
// # Fidelity
//
// Fortinet does not publish the EMS API, and no capture of a real EMS was available: the
// simulator reproduces what public clients of on-premises EMS 7.2/7.4 send and read — fotoobo
// (its monitor, including the out-of-sync count endpoints/index?connection=online&
// status=outofsync, the connection, management and FortiClient-version summaries), Fortinet's
// FortiSOAR connector, the ZTNA tag scripts and a public QA library — and their test mocks.
// Reproduced: sign-in, cookies, session expiry (401, retval -4), sign-out; the envelope
// {"result":{"retval","message"},"data"}; the paths, query parameters and bodies of
// endpoints (listing with offset/count and the filters group_id, device_id, connection,
// status, management; details; quarantine; delete; move), groups, profiles (opaque XML), ZTNA
// tags and tagging rule sets, FortiGate authorization, system, version and license.
//
// Inferred, to be checked on a real EMS: the HTTP status and retval of errors (validation 400
// and -2, duplicate 400 and -1, unknown id 404 and -2, in use 400 and -2) and their messages;
// the wrong-credentials answer; Django's 403 page on a missing CSRF token or Referer; the
// workgroups rename and delete paths; the tagging rule set body, update and delete; the
// management filter's values; the name and authorized fields of the FortiGate listing; "Other
// Endpoints" as group 2; seats used following registered endpoints.
//
// Deliberate deviation: a Referer without a port ("https://<ems-host>", as fotoobo sends it)
// passes the CSRF origin check on any port, since a real EMS listens on 443 and the simulator
// does not; Django compares host and port.
//
// Not reproduced: the endpoints/index parameters whose values no public source describes
// (client_id, activity, event_type, view_type, filters, verification) are refused with 400
// rather than ignored; the offlineRecent/offlineNominal split of the connection summary
// (every offline endpoint is offlineNominal); invitations, deployment packages, custom tags,
// EMS Cloud, and the API differences between EMS minor releases (the version is a label).
package emstest
