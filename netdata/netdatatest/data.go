package netdatatest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// data serves /api/v1/data: after/before (relative ≤ 0 or absolute), points, group
// (average, min, max, sum; others average), dimension filter, options jsonwrap, flip, ms,
// absolute, null2zero; format json (and json2 on 2.x); rows newest first like the agent.
func (s *Server) data(w http.ResponseWriter, r *http.Request, h *host) {
	q := r.URL.Query()
	var ci int
	var def *chartDef
	switch {
	case q.Get("chart") != "":
		ci, def = chartByID(q.Get("chart"))
	case q.Get("context") != "":
		ci, def = chartByContext(q.Get("context"))
	default:
		textError(w, http.StatusBadRequest, "text/plain; charset=utf-8", "No chart or context is given.")
		return
	}
	if def == nil {
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "No metrics where matched to query.")
		return
	}
	dimSel := q.Get("dimension")
	if dimSel == "" {
		dimSel = q.Get("dimensions")
	}
	var dims []int
	for i, d := range def.dims {
		if dimSel == "" || simpleMatch(strings.ReplaceAll(dimSel, ",", "|"), d) {
			dims = append(dims, i)
		}
	}
	if len(dims) == 0 {
		textError(w, http.StatusNotFound, "text/plain; charset=utf-8", "No metrics where matched to query.")
		return
	}
	opts := map[string]bool{}
	for _, o := range strings.FieldsFunc(q.Get("options"), func(r rune) bool { return r == '|' || r == ',' || r == ' ' }) {
		opts[o] = true
	}
	last := s.lastEntry(h)
	now := s.clock().Unix()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	if q.Get("after") == "" {
		after = -600
	}
	if before <= 0 {
		before = now + before
	}
	if after <= 0 {
		after = before + after
	}
	first := s.firstEntry(h)
	after = max(after, first)
	before = min(before, now)
	points, _ := strconv.Atoi(q.Get("points"))
	span := max(before-after, 1)
	if points <= 0 {
		points = 20
	}
	points = int(min(int64(points), span))
	group := int64(math.Ceil(float64(span) / float64(points)))
	groupName := q.Get("group")
	if groupName == "" {
		groupName = "average"
	}
	type row struct {
		t    int64
		vals []*float64
	}
	var rows []row
	mn, mx := math.Inf(1), math.Inf(-1)
	for end, n := before, 0; n < points; end, n = end-group, n+1 {
		rw := row{t: end}
		for _, di := range dims {
			var acc []float64
			for t := end - group + 1; t <= end; t++ {
				if t > last || t < first {
					continue
				}
				acc = append(acc, value(ci, di, t))
			}
			if len(acc) == 0 {
				if opts["null2zero"] {
					z := 0.0
					rw.vals = append(rw.vals, &z)
				} else {
					rw.vals = append(rw.vals, nil)
				}
				continue
			}
			v := reduce(groupName, acc)
			if opts["absolute"] || opts["abs"] {
				v = math.Abs(v)
			}
			mn, mx = math.Min(mn, v), math.Max(mx, v)
			rw.vals = append(rw.vals, &v)
		}
		rows = append(rows, rw)
	}
	if opts["flip"] {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	ms := opts["ms"] || opts["milliseconds"]
	labels := []string{"time"}
	ids := []string{}
	for _, di := range dims {
		labels = append(labels, def.dims[di])
		ids = append(ids, def.dims[di])
	}
	if math.IsInf(mn, 0) {
		mn, mx = 0, 0
	}
	if s.v2 && q.Get("format") == "json2" {
		data := make([][]any, 0, len(rows))
		for _, rw := range rows {
			cells := []any{rw.t * 1000}
			for _, v := range rw.vals {
				cells = append(cells, []any{v, 0, 0})
			}
			data = append(data, cells)
		}
		writeJSON(w, map[string]any{
			"api":    2,
			"db":     map[string]any{"tiers": 1, "update_every": 1, "first_entry": first, "last_entry": last, "units": def.units},
			"view":   map[string]any{"title": def.title, "update_every": group, "after": after, "before": before, "units": def.units, "chart_type": def.chartType, "dimensions": map[string]any{"ids": ids, "names": ids}, "min": mn, "max": mx},
			"result": map[string]any{"labels": labels, "point": map[string]int{"value": 0, "arp": 1, "pa": 2}, "data": data},
		})
		return
	}
	var b strings.Builder
	b.WriteString("{\n \"labels\": [")
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", l)
	}
	b.WriteString("],\n    \"data\":\n [\n")
	for i, rw := range rows {
		t := rw.t
		if ms {
			t *= 1000
		}
		fmt.Fprintf(&b, " [ %d", t)
		for _, v := range rw.vals {
			if v == nil {
				b.WriteString(",null")
			} else {
				b.WriteString("," + strconv.FormatFloat(*v, 'g', 8, 64))
			}
		}
		b.WriteString("]")
		if i < len(rows)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(" ]\n}")
	body := b.String()
	if opts["jsonwrap"] {
		optList := strings.FieldsFunc(q.Get("options"), func(r rune) bool { return r == '|' || r == ',' })
		id := fmt.Sprintf("chart://host:%s/instance:%s/dimensions:%s/after:%s/before:%s/points:%d/group:%s/options:%s",
			h.name, def.id, orStar(dimSel), orDefault(q.Get("after"), "-600"), orDefault(q.Get("before"), "0"), points, groupName, strings.Join(optList, ","))
		latest, viewLatest := []any{}, []any{}
		for _, di := range dims {
			latest = append(latest, value(ci, di, last))
		}
		if len(rows) > 0 {
			newest := rows[0]
			if opts["flip"] {
				newest = rows[len(rows)-1]
			}
			for _, v := range newest.vals {
				viewLatest = append(viewLatest, v)
			}
		}
		env := fmt.Sprintf(`{"api":1,"id":%q,"name":%q,"view_update_every":%d,"update_every":1,"first_entry":%d,"last_entry":%d,"before":%d,"after":%d,"group":%q,"options":%q,"dimension_names":%s,"dimension_ids":%s,"functions":[],"latest_values":%s,"view_latest_values":%s,"dimensions":%d,"points":%d,"format":"json","db_points_per_tier":[%d,0,0],"result":%s,"min":%s,"max":%s}`,
			id, id, group, first, last, before, before-int64(len(rows))*group+1, groupName, strings.Join(append(optList, "natural-points"), ","),
			jsonList(ids), jsonList(ids), jsonAny(latest), jsonAny(viewLatest), len(dims), len(rows), span*int64(len(dims)), body,
			strconv.FormatFloat(mn, 'g', 9, 64), strconv.FormatFloat(mx, 'g', 9, 64))
		body = env
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

func reduce(group string, acc []float64) float64 {
	switch group {
	case "min":
		m := acc[0]
		for _, v := range acc {
			m = math.Min(m, v)
		}
		return m
	case "max":
		m := acc[0]
		for _, v := range acc {
			m = math.Max(m, v)
		}
		return m
	case "sum":
		t := 0.0
		for _, v := range acc {
			t += v
		}
		return t
	}
	t := 0.0
	for _, v := range acc {
		t += v
	}
	return math.Round(t/float64(len(acc))*1e7) / 1e7
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func jsonList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func jsonAny(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		switch x := v.(type) {
		case *float64:
			if x == nil {
				parts[i] = "null"
			} else {
				parts[i] = strconv.FormatFloat(*x, 'g', 8, 64)
			}
		case float64:
			parts[i] = strconv.FormatFloat(x, 'g', 8, 64)
		default:
			parts[i] = "null"
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}
