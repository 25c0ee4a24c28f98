package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// request is an outgoing request or notification (ID nil).
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type msgKind int

const (
	kindResponse     msgKind = iota + 1 // has id (maybe unparsable/null), result or error
	kindNotification                    // has method (a server request with id counts too)
)

// message is a decoded incoming message.
type message struct {
	kind   msgKind
	rawID  json.RawMessage // as received, nil if absent
	id     uint64          // numeric id when idOK
	idOK   bool
	method string
	params json.RawMessage
	result json.RawMessage // nil when absent, "null" when null
	err    *Error
}

type wireMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

var errBatch = errors.New("batch messages are not supported")

// decodeMessage decodes one message received by the client. It is lenient: a missing or wrong
// "jsonrpc" member is tolerated, ids may be numbers or strings holding numbers, and an error
// member that is not an object becomes an *Error with CodeInternalError.
func decodeMessage(data []byte) (*message, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		return nil, errBatch
	}
	var w wireMessage
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	m := &message{params: w.Params, result: w.Result}
	if len(w.ID) > 0 && !isNull(w.ID) {
		m.rawID = w.ID
		m.id, m.idOK = parseID(w.ID)
	}
	if w.Method != nil {
		if *w.Method == "" {
			return nil, errors.New("empty method")
		}
		m.kind = kindNotification
		m.method = *w.Method
		return m, nil
	}
	switch {
	case len(w.Error) > 0 && !isNull(w.Error):
		var e Error
		if err := json.Unmarshal(w.Error, &e); err != nil || bytes.TrimSpace(w.Error)[0] != '{' {
			e = Error{Code: CodeInternalError, Message: string(w.Error)}
		}
		m.err = &e
		m.result = nil
	case w.Result != nil:
	default:
		return nil, errors.New("message has neither method, result nor error")
	}
	m.kind = kindResponse
	return m, nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// parseID accepts 17 and "17".
func parseID(raw json.RawMessage) (uint64, bool) {
	s := string(bytes.TrimSpace(raw))
	if len(s) >= 2 && s[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return 0, false
		}
		s = str
	}
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id != 0
}
