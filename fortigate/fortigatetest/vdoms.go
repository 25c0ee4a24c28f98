package fortigatetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
)

// multiVDOM reports whether a request selects several VDOMs (vdom=*, vdom=a,b or global=1):
// FortiOS then answers a JSON array with one envelope per VDOM.
func multiVDOM(q url.Values) bool {
	v := q.Get("vdom")
	return v == "*" || strings.Contains(v, ",") || q.Get("global") == "1"
}

// vdomNames lists the simulator's VDOMs (the system/vdom table: root).
func (s *Server) vdomNames() []string {
	var out []string
	for _, r := range s.st.tables["system/vdom"] {
		if n, ok := r["name"].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

// unknownVDOM returns the first VDOM named by vdom= that does not exist ("" when all do).
func (s *Server) unknownVDOM(q url.Values) string {
	v := q.Get("vdom")
	if v == "" || v == "*" {
		return ""
	}
	known := s.vdomNames()
	for n := range strings.SplitSeq(v, ",") {
		if !slices.Contains(known, n) {
			return n
		}
	}
	return ""
}

// servePerVDOM runs next once and answers its JSON envelope as the one-element array of
// per-VDOM envelopes (the simulator holds one VDOM). Non-JSON answers (HTML pages, config
// backups) pass through unchanged.
func servePerVDOM(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request)) {
	rec := httptest.NewRecorder()
	next(rec, r)
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	body := bytes.TrimSpace(rec.Body.Bytes())
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && len(body) > 0 && body[0] == '{' {
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte("[\n"))
		_, _ = w.Write(body)
		_, _ = w.Write([]byte("\n]\n"))
		return
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
