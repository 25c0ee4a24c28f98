// Package sitekit is an SDK for building, running and auditing the IT of small-business
// client sites from Go: one XCP-ng host managed by Xen Orchestra, a FortiGate at the edge,
// FortiClient EMS on the endpoints, a TrueNAS for backups and Netdata for monitoring.
//
// The module holds one typed client per appliance API ([github.com/sitekit/sitekit/xo],
// [github.com/sitekit/sitekit/fortigate], [github.com/sitekit/sitekit/ems],
// [github.com/sitekit/sitekit/truenas], [github.com/sitekit/sitekit/netdata]), an in-process
// simulator for each (the "…test" sub-packages, in the spirit of net/http/httptest) and the
// blueprint packages that declare a whole site as Go code and plan and apply it.
//
// This root package holds what every client shares, so that they are configured the same way
// and fail the same way:
//
//   - [Option] and [Settings]: credentials, TLS (custom CA or pinned SHA-256 fingerprints),
//     timeouts, retry policy, logger, user agent and HTTP client, accepted by every New.
//   - [Secret]: a credential that prints as [redacted] through fmt, JSON, text and slog.
//   - Sentinel errors ([ErrNotFound], [ErrExists], [ErrInUse], [ErrInvalid],
//     [ErrUnauthorized], [ErrRateLimited], [ErrOutcomeUnknown]), [FieldError] for requests
//     rejected before any I/O, and [IsRetryable] / [IsOutcomeUnknown] for any client's error.
//   - [TLSConfig], [PinMismatchError] and [FetchFingerprint] for self-signed appliances.
//   - [Marker] and [ParseMarker]: the "managed-by sitekit:<site>" text that claims an object.
//
// TLS verification is always on: an appliance with a self-signed certificate is reached by
// pinning its certificate (or public key) SHA-256 fingerprint, checked on every connection,
// resumed ones included. Nothing here reads the environment.
//
// # Conventions
//
// Every client and simulator package has the same shape:
//
//	constructor  New(baseURL string, opts ...sitekit.Option) (*Client, error): validates, no
//	             I/O; every Option is honoured by every transport of the client, or New
//	             rejects it with a *FieldError naming it.
//	services     Client.<Plural> of type *<Plural>Service (Addresses *AddressesService);
//	             singular only for singletons (System, Global, Monitor). Methods are concrete.
//	Get          Get(ctx, id) (T, error); absent: an error matching ErrNotFound.
//	Find         Find(ctx, name…) (T, error) where a name identifies an object; several
//	             matches: an error matching the package's ErrAmbiguousName.
//	List, All    List(ctx, opts *<X>ListOptions) ([]T, error), nil options = everything;
//	             All(ctx, opts) iter.Seq2[T, error] pages transparently, error last.
//	Create       Create(ctx, req) (T, error): the created object, server identity filled in.
//	Update       Update(ctx, id, req) (T, error): the object after the update.
//	Delete       Delete(ctx, id) error, or Delete(ctx, id, opts *<X>DeleteOptions) error.
//	verbs        Start, Run, Move, Snapshot…: named by the API's verb, ctx first.
//	requests     value structs with Validate() error (a *FieldError), run before any I/O.
//	errors       *APIError with exported fields, buildable by users to fake failures,
//	             matching ErrNotFound, ErrExists, ErrInUse, ErrInvalid, ErrUnauthorized,
//	             ErrRateLimited; a lost write answer matches ErrOutcomeUnknown.
//	simulators   NewServer(opts…) (*Server, error) and NewTestServer(tb, opts…) *Server;
//	             TLS on (WithPlainHTTP to turn it off); factory data unless
//	             WithoutFactoryData; WithSeed(uint64) seeds ids and faults; WithFaults;
//	             URL, Client(opts…) (configured and pinned), Faults, Close.
//
// Where an appliance API cannot follow a row, the client's package documentation says why.
package sitekit
