package fortigatetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// txn is an open batch transaction: a private copy of the state with the writes applied,
// and the writes themselves, replayed on the live state at commit.
type txn struct {
	id      int
	st      *state
	ops     []cmdbOp
	tables  map[string]bool
	expires time.Time
	timeout int
}

// liveTxn returns the open transaction id, expiring it if its timeout passed.
func (s *Server) liveTxn(id int) *txn {
	t := s.txns[id]
	if t != nil && time.Now().After(t.expires) {
		delete(s.txns, id)
		return nil
	}
	return t
}

// lockOwner returns the open transaction that touched table (0: none).
func (s *Server) lockOwner(table string) int {
	for _, id := range sortedIntKeys(s.txns) {
		if t := s.liveTxn(id); t != nil && t.tables[table] {
			return id
		}
	}
	return 0
}

func sortedIntKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func (s *Server) serveTransaction(w http.ResponseWriter, r *http.Request) {
	env := s.newEnvelope(r, "", "")
	q := r.URL.Query()
	action := q.Get("action")
	env.Action = action
	var body map[string]any
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
	}
	idOf := func() int {
		for _, k := range []string{"transaction-id", "transaction_id"} {
			if n, ok := scalarNumber(body[k]); ok {
				return int(n)
			}
		}
		n, _ := strconv.Atoi(q.Get("transaction-id"))
		return n
	}
	switch {
	case r.Method == http.MethodPost && action == "transaction-start":
		timeout := 60
		if n, ok := scalarNumber(body["timeout"]); ok && n > 0 {
			timeout = int(n)
		}
		s.txnNext++
		t := &txn{id: s.txnNext, st: s.st.clone(), tables: map[string]bool{}, timeout: timeout,
			expires: time.Now().Add(time.Duration(timeout) * time.Second)}
		s.txns[t.id] = t
		env.Results = map[string]any{"transaction-id": t.id}
		writeJSON(w, 200, env)
	case r.Method == http.MethodPost && action == "transaction-commit":
		t := s.liveTxn(idOf())
		if t == nil {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "transaction not found"})
			return
		}
		next := s.st.clone()
		for _, op := range t.ops {
			if _, se := s.apply(next, op); se != nil {
				delete(s.txns, t.id)
				s.writeError(w, env, se)
				return
			}
		}
		delete(s.txns, t.id)
		changed := !equalJSON(next.tables, s.st.tables)
		s.st = next
		if changed {
			env.OldRevision, env.Revision = s.bumpRevision()
		} else {
			env.Revision = s.revision
		}
		env.RevisionChanged = &changed
		writeJSON(w, 200, env)
	case r.Method == http.MethodPost && action == "transaction-abort":
		id := idOf()
		if s.liveTxn(id) == nil {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "transaction not found"})
			return
		}
		delete(s.txns, id)
		writeJSON(w, 200, env)
	case r.Method == http.MethodGet && action == "transaction-show":
		if !s.atLeast(7, 4, 1) {
			s.writeError(w, env, &simErr{status: http.StatusBadRequest, code: -651, cli: "transaction-show needs FortiOS 7.4.1"})
			return
		}
		t := s.liveTxn(idOf())
		if t == nil {
			s.writeError(w, env, &simErr{status: http.StatusNotFound, code: -3, cli: "transaction not found"})
			return
		}
		env.Results = showLines(t.ops)
		writeJSON(w, 200, env)
	case r.Method == http.MethodGet && action == "transaction-list":
		var list []map[string]any
		for _, id := range sortedIntKeys(s.txns) {
			if t := s.liveTxn(id); t != nil {
				list = append(list, map[string]any{"transaction-id": t.id, "timeout": t.timeout, "requests": len(t.ops)})
			}
		}
		env.Results = list
		writeJSON(w, 200, env)
	default:
		s.writeError(w, env, &simErr{status: http.StatusBadRequest, code: -651, cli: "unknown action " + strconv.Quote(action)})
	}
}

// showLines renders pending writes as the CLI lines of transaction-show.
func showLines(ops []cmdbOp) []string {
	lines := []string{" config vdom", " edit root"}
	for _, op := range ops {
		lines = append(lines, " config "+cliPath(op.Table))
		switch op.Method {
		case http.MethodDelete:
			lines = append(lines, fmt.Sprintf(" delete %q", op.MKey))
		default:
			key := op.MKey
			if m, ok := op.Body.(map[string]any); ok && key == "" {
				for _, k := range []string{"name", "policyid", "id", "seq-num", "ems-id"} {
					if v, ok := m[k]; ok {
						key = keyString(v)
						break
					}
				}
			}
			lines = append(lines, fmt.Sprintf(" edit %q", key))
			if m, ok := op.Body.(map[string]any); ok {
				for _, k := range sortedKeys(m) {
					lines = append(lines, fmt.Sprintf(" set %s %s", k, cliValue(m[k])))
				}
			}
			lines = append(lines, " next")
		}
		lines = append(lines, " end")
	}
	return append(lines, " next", " end")
}
