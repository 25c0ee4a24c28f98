package xotest

import (
	"fmt"
	"sort"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

// session.*, system.* and xo.* over JSON-RPC, as xo-server's api/session.mjs, api/system.mjs
// and api/xo.mjs (xen-orchestra 9ef5389) define them. The methods whose permission is null
// answer before session.signIn.

func init() {
	rpcParams["session.getUser"] = []param{}
	rpcParams["system.getMethodsInfo"] = []param{}
	rpcParams["system.getVersion"] = []param{}
	rpcParams["system.listMethods"] = []param{}
	rpcParams["system.methodSignature"] = []param{{name: "method", kind: "string"}}
	rpcParams["xo.getAllObjects"] = []param{{name: "filter", kind: "any", optional: true}, {name: "limit", kind: "number", optional: true},
		{name: "ndjson", kind: "boolean", optional: true}}
}

// serverVersion is what system.getServerVersion answers.
const serverVersion = "5.207.2"

// publicMethods need no sign-in (permission null).
var publicMethods = map[string]bool{"session.signIn": true, "session.getUser": true, "system.getMethodsInfo": true,
	"system.getServerVersion": true, "system.getVersion": true, "system.listMethods": true, "system.methodSignature": true}

// publicRPC answers the methods that need no sign-in; ok is false for the others.
func (s *Server) publicRPC(peer *jsonrpc.Peer, method string, p map[string]any) (res any, err error, ok bool) {
	switch method {
	case "session.getUser":
		// null when the connection is not signed in.
		if peer.Session() == nil {
			return nil, nil, true
		}
		return s.user(), nil, true
	case "system.getServerVersion":
		return serverVersion, nil, true
	case "system.getVersion":
		return "0.1", nil, true
	case "system.listMethods":
		return methodNames(), nil, true
	case "system.getMethodsInfo":
		out := map[string]any{}
		for _, m := range methodNames() {
			out[m] = methodInfo(m)
		}
		return out, nil, true
	case "system.methodSignature":
		name, _ := p["method"].(string)
		if _, known := rpcParams[name]; !known {
			return nil, rpcErr(codeNoSuchObject, "no such object", nil), true
		}
		info := methodInfo(name)
		info["name"] = name
		return []any{info}, nil, true
	}
	return nil, nil, false
}

// user is the admin's public properties (utils.mjs getUserPublicProperties).
func (s *Server) user() map[string]any {
	return map[string]any{"id": s.UserID, "email": s.username, "permission": "admin", "groups": []any{}, "preferences": map[string]any{}, "authProviders": map[string]any{}}
}

func methodNames() []string {
	names := make([]string, 0, len(rpcParams))
	for m := range rpcParams {
		names = append(names, m)
	}
	sort.Strings(names)
	return names
}

// methodInfo renders a method's parameters in XO's schema dialect: {params, permission}.
func methodInfo(method string) map[string]any {
	params := map[string]any{}
	for _, p := range rpcParams[method] {
		d := map[string]any{}
		if p.kind != "any" {
			d["type"] = p.kind
			if p.null {
				d["type"] = []any{p.kind, "null"}
			}
		}
		if p.optional {
			d["optional"] = true
		}
		if p.empty {
			d["minLength"] = 0
		}
		if p.enum != nil {
			d["enum"] = p.enum
		}
		params[p.name] = d
	}
	info := map[string]any{"params": params, "permission": "admin"}
	switch {
	case publicMethods[method]:
		info["permission"] = nil
	case method == "xo.getAllObjects":
		delete(info, "permission") // any signed-in user
	}
	return info
}

// xapiCollections are the collections holding XAPI objects, which xo.getAllObjects returns.
var xapiCollections = []string{"pools", "hosts", "pifs", "networks", "srs", "vm-templates", "vms", "vm-snapshots", "vifs", "vdis", "vbds"}

// getAllObjects answers xo.getAllObjects {filter?, limit?}: the objects keyed by id. An object
// filter is a partial deep match (lodash iteratee), a string filter a complex-matcher
// expression. Called with s.mu held.
func (s *Server) getAllObjects(p map[string]any) (any, error) {
	if p["ndjson"] == true {
		return nil, rpcErr(codeNotImplemented, "not implemented", nil)
	}
	var keep func(o map[string]any) bool
	switch f := p["filter"].(type) {
	case nil:
		keep = func(map[string]any) bool { return true }
	case string:
		m, err := parseMatcher(f)
		if err != nil {
			return nil, rpcErr(-32000, err.Error(), nil)
		}
		keep = func(o map[string]any) bool { return m.match(o) }
	case map[string]any:
		keep = func(o map[string]any) bool { return isMatch(o, f) }
	default:
		return nil, rpcInvalid("/filter", "must be object,string")
	}
	limit := -1
	if l, ok := p["limit"].(float64); ok {
		limit = int(l)
	}
	var ids []string
	objs := map[string]map[string]any{}
	for _, coll := range xapiCollections {
		for id, o := range s.objs[coll] {
			if keep(o) {
				ids = append(ids, id)
				objs[id] = o
			}
		}
	}
	sort.Strings(ids)
	out := map[string]any{}
	for _, id := range ids {
		if limit >= 0 && len(out) >= limit {
			break
		}
		out[id] = clone(objs[id])
	}
	return out, nil
}

// isMatch is lodash's isMatch: every property of src is in obj with a matching value;
// objects match partially, arrays when each element of src matches an element of obj.
func isMatch(obj, src any) bool {
	switch sv := src.(type) {
	case map[string]any:
		ov, ok := obj.(map[string]any)
		if !ok {
			return false
		}
		for k, x := range sv {
			if !isMatch(ov[k], x) {
				return false
			}
		}
		return true
	case []any:
		ov, ok := obj.([]any)
		if !ok {
			return false
		}
		for _, x := range sv {
			found := false
			for _, y := range ov {
				if isMatch(y, x) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(obj) == fmt.Sprint(src) && (obj == nil) == (src == nil)
}
