// Package simkit holds what every appliance simulator shares: deterministic fault
// injection (error statuses, latency, connection resets, ambiguous commits, a cap on concurrent
// writes), per-call counters, and starting an HTTP(S) server on loopback with its certificate
// fingerprint. HTTP simulators wrap their handler with [Injector.Middleware]; WebSocket
// (JSON-RPC) simulators call [Injector.Decide] per message.
package simkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"log"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Faults configures injected failures. The zero value injects nothing.
type Faults struct {
	// Seed makes the sequence of injected faults reproducible.
	Seed uint64
	// Rate is the probability that a call fails with one of Statuses before it is handled.
	Rate float64
	// Statuses to choose from (default 503). A 429 or 503 carries RetryAfter when set.
	Statuses   []int
	RetryAfter time.Duration
	// ResetRate is the probability that the connection is cut before the call is handled.
	ResetRate float64
	// AmbiguousRate is the probability that a write is applied and its answer then dropped
	// (the client sees a reset after sending: outcome unknown).
	AmbiguousRate float64
	// Latency is added to every call (fake time under testing/synctest).
	Latency time.Duration
	// MaxConcurrentWrites answers 503 to writes above this many in flight (0: no cap).
	MaxConcurrentWrites int
	// ReadsToo applies Rate and ResetRate to reads as well (default: writes only).
	ReadsToo bool
}

// Action is what the simulator must do with one call.
type Action int

const (
	// Proceed handles the call normally.
	Proceed Action = iota
	// Fail answers Status (with RetryAfter) without handling the call.
	Fail
	// Reset cuts the connection without handling the call.
	Reset
	// Ambiguous handles the call, then cuts the connection instead of answering.
	Ambiguous
)

// Decision is the injector's verdict for one call. Call Release when the call is finished.
type Decision struct {
	Action     Action
	Status     int
	RetryAfter time.Duration
	Delay      time.Duration
	release    func()
}

// Release frees the call's concurrent-write slot.
func (d Decision) Release() {
	if d.release != nil {
		d.release()
	}
}

type oneShot struct {
	status     int
	retryAfter time.Duration
	action     Action
}

// Injector decides faults and counts calls. Safe for concurrent use.
type Injector struct {
	mu       sync.Mutex
	f        Faults
	rng      *rand.Rand
	inflight int
	calls    map[string]int
	total    int
	injected int
	next     []oneShot
}

// NewInjector returns an injector with the given faults.
func NewInjector(f Faults) *Injector {
	i := &Injector{calls: map[string]int{}}
	i.SetFaults(f)
	return i
}

// SetFaults replaces the fault configuration and reseeds the random source.
func (i *Injector) SetFaults(f Faults) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.f = f
	i.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
}

// FailNext makes the next call (read or write) fail with status, whatever the rates.
func (i *Injector) FailNext(status int, retryAfter time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next = append(i.next, oneShot{status: status, retryAfter: retryAfter, action: Fail})
}

// ResetNext makes the next call's connection drop before it is handled.
func (i *Injector) ResetNext() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next = append(i.next, oneShot{action: Reset})
}

// AmbiguousNext makes the next call be applied and its answer dropped.
func (i *Injector) AmbiguousNext() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next = append(i.next, oneShot{action: Ambiguous})
}

// Decide counts a call under key (e.g. "POST /api/v2/cmdb/firewall/address") and returns
// what to do with it.
func (i *Injector) Decide(key string, write bool) Decision {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.calls[key]++
	i.total++
	d := Decision{Delay: i.f.Latency}
	if len(i.next) > 0 {
		n := i.next[0]
		i.next = i.next[1:]
		i.injected++
		d.Action, d.Status, d.RetryAfter = n.action, n.status, n.retryAfter
		return d
	}
	if write && i.f.MaxConcurrentWrites > 0 {
		if i.inflight >= i.f.MaxConcurrentWrites {
			i.injected++
			d.Action, d.Status = Fail, http.StatusServiceUnavailable
			return d
		}
	}
	if write || i.f.ReadsToo {
		r := i.rng.Float64()
		switch {
		case r < i.f.ResetRate:
			i.injected++
			d.Action = Reset
			return d
		case r < i.f.ResetRate+i.f.Rate:
			i.injected++
			d.Action, d.Status = Fail, http.StatusServiceUnavailable
			if len(i.f.Statuses) > 0 {
				d.Status = i.f.Statuses[i.rng.IntN(len(i.f.Statuses))]
			}
			if d.Status == http.StatusTooManyRequests || d.Status == http.StatusServiceUnavailable {
				d.RetryAfter = i.f.RetryAfter
			}
			return d
		case write && r < i.f.ResetRate+i.f.Rate+i.f.AmbiguousRate:
			i.injected++
			d.Action = Ambiguous
		}
	}
	if write {
		i.inflight++
		d.release = sync.OnceFunc(func() {
			i.mu.Lock()
			i.inflight--
			i.mu.Unlock()
		})
	}
	return d
}

// Calls returns how many calls were counted under key.
func (i *Injector) Calls(key string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.calls[key]
}

// TotalCalls returns the number of calls counted, all keys together.
func (i *Injector) TotalCalls() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.total
}

// Injected returns how many faults were injected so far.
func (i *Injector) Injected() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.injected
}

// CallCounts returns a copy of the per-key counters.
func (i *Injector) CallCounts() map[string]int {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make(map[string]int, len(i.calls))
	for k, v := range i.calls {
		out[k] = v
	}
	return out
}

// Keys returns the counted keys, sorted.
func (i *Injector) Keys() []string {
	m := i.CallCounts()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ResetCounters zeroes the call counters.
func (i *Injector) ResetCounters() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.calls = map[string]int{}
	i.total = 0
	i.injected = 0
}

// IsWriteMethod reports whether an HTTP method mutates state.
func IsWriteMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Middleware applies the injector's decisions to an HTTP handler. key names a request for
// the counters (nil: "METHOD /path"). WebSocket upgrades should not go through it.
func (i *Injector) Middleware(next http.Handler, key func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := r.Method + " " + r.URL.Path
		if key != nil {
			k = key(r)
		}
		d := i.Decide(k, IsWriteMethod(r.Method))
		defer d.Release()
		if d.Delay > 0 {
			t := time.NewTimer(d.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch d.Action {
		case Fail:
			if d.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((d.RetryAfter+time.Second-1)/time.Second)))
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(d.Status)
			_, _ = w.Write([]byte(http.StatusText(d.Status) + " (injected)\n"))
			return
		case Reset:
			panic(http.ErrAbortHandler)
		case Ambiguous:
			next.ServeHTTP(httptest.NewRecorder(), r)
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

// Start serves h on loopback: addr "" picks a free port on 127.0.0.1. With tlsOn the server
// gets its own freshly generated self-signed certificate (valid for 127.0.0.1, ::1, localhost
// and example.com), as an appliance has; the returned fingerprint is its SHA-256, to pin. Two
// simulators never share a fingerprint, so a pin for one is refused by the others.
func Start(h http.Handler, addr string, tlsOn bool) (srv *httptest.Server, fingerprint string, err error) {
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the test's business
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", err
		}
		_ = srv.Listener.Close()
		srv.Listener = l
	}
	if !tlsOn {
		srv.Start()
		return srv, "", nil
	}
	cert, err := selfSigned()
	if err != nil {
		return nil, "", err
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	sum := sha256.Sum256(srv.Certificate().Raw)
	return srv, hex.EncodeToString(sum[:]), nil
}

// selfSigned makes an ECDSA P-256 certificate for the loopback names, valid for a year.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := crand.Int(crand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sitekit simulator", Organization: []string{"sitekit"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost", "example.com"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
