package netdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
)

// groups are the time-grouping methods accepted by /api/v1/data's group parameter.
var groups = []string{"average", "min", "max", "median", "stddev", "sum", "incremental-sum",
	"ses", "des", "cv", "countif", "percentile", "percentile25", "percentile50", "percentile75",
	"percentile80", "percentile90", "percentile95", "percentile97", "percentile98", "percentile99",
	"trimmed-mean", "trimmed-mean1", "trimmed-mean2", "trimmed-mean3", "trimmed-mean5",
	"trimmed-mean10", "trimmed-mean15", "trimmed-mean20", "trimmed-mean25", "trimmed-median",
	"trimmed-median1", "trimmed-median2", "trimmed-median3", "trimmed-median5", "trimmed-median10",
	"trimmed-median15", "trimmed-median20", "trimmed-median25"}

// Groups returns the time-grouping methods /api/v1/data accepts in its group parameter
// ("average", "min", "max", "median", …), in the agent's documentation order.
func Groups() []string { return slices.Clone(groups) }

// DataQuery is a metrics query (/api/v1/data). Exactly one of Chart and Context is required.
// After and Before follow Netdata: a value ≤ 0 is relative (seconds before now, After
// default -600, Before default 0), a positive value is a unix timestamp.
type DataQuery struct {
	Chart   string
	Context string
	// Dimensions selects dimensions by id or name (simple patterns allowed); empty: all.
	Dimensions []string
	After      int64
	Before     int64
	// Points is the number of rows wanted (0: the agent's default, 20 on 1.37; the agent may
	// return fewer).
	Points int
	// Group is the time-grouping method (default "average"), one of those [Groups] returns.
	Group        string
	GroupOptions string
	// Options are extra /data options ("absolute", "percentage", "null2zero", "nonzero",
	// "abs", "min2max", "unaligned", "match-ids", "match-names", …). jsonwrap is always sent;
	// "flip", "ms", "milliseconds" and "seconds" are ignored: rows always come back oldest
	// first with second-resolution times.
	Options []string
	// Timeout asks the agent to give up after this long (query parameter, ms).
	Timeout time.Duration
}

// Validate checks the query without I/O.
func (q DataQuery) Validate() error {
	switch {
	case q.Chart == "" && q.Context == "":
		return sitekit.Invalid("Chart", q.Chart, "must not be empty (or set Context)")
	case q.Chart != "" && q.Context != "":
		return sitekit.Invalid("Context", q.Context, "must be empty when Chart is set")
	case q.Points < 0:
		return sitekit.Invalid("Points", q.Points, "must not be negative")
	case q.After != 0 && (q.After > 0) == (q.Before > 0) && q.After > q.Before:
		return sitekit.Invalid("After", q.After, "must not be later than Before ("+strconv.FormatInt(q.Before, 10)+")")
	case q.Group != "" && !slices.Contains(groups, q.Group):
		return sitekit.Invalid("Group", q.Group, "must be one of the Netdata grouping methods")
	case q.Timeout < 0:
		return sitekit.Invalid("Timeout", q.Timeout, "must not be negative")
	}
	for i, d := range q.Dimensions {
		if d == "" {
			return sitekit.Invalid("Dimensions["+strconv.Itoa(i)+"]", d, "must not be empty")
		}
	}
	for i, o := range q.Options {
		if o == "" || strings.ContainsAny(o, "|, ") {
			return sitekit.Invalid("Options["+strconv.Itoa(i)+"]", o, "must be one option name")
		}
	}
	return nil
}

func (q DataQuery) values() url.Values {
	v := url.Values{"format": {"json"}}
	if q.Chart != "" {
		v.Set("chart", q.Chart)
	} else {
		v.Set("context", q.Context)
	}
	if len(q.Dimensions) > 0 {
		v.Set("dimension", strings.Join(q.Dimensions, "|"))
	}
	if q.After != 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	if q.Before != 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.Points > 0 {
		v.Set("points", strconv.Itoa(q.Points))
	}
	if q.Group != "" {
		v.Set("group", q.Group)
	}
	if q.GroupOptions != "" {
		v.Set("group_options", q.GroupOptions)
	}
	if q.Timeout > 0 {
		v.Set("timeout", strconv.FormatInt(q.Timeout.Milliseconds(), 10))
	}
	opts := []string{"jsonwrap", "seconds"}
	for _, o := range q.Options {
		switch o {
		case "flip", "ms", "milliseconds", "seconds", "jsonwrap":
			continue
		}
		opts = append(opts, o)
	}
	v.Set("options", strings.Join(opts, "|"))
	return v
}

// Data runs a metrics query (GET /api/v1/data?format=json&options=jsonwrap|seconds…). The
// query is validated first: an invalid query returns a *sitekit.FieldError and sends nothing.
// An unknown chart is an *APIError matching [sitekit.ErrNotFound].
func (c *Client) Data(ctx context.Context, q DataQuery) (*DataResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out DataResult
	if _, err := c.get(ctx, "/api/v1/data", q.values(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DataResult is the answer of a metrics query. It decodes the v1 jsonwrap envelope, the bare
// v1 json format ({"labels","data"}) and the v2/v3 json2 envelope (db/view/result with
// [value, anomaly-rate, annotations] cells) into one shape. Rows are always oldest first,
// whatever order the agent sent (v1 sends newest first).
type DataResult struct {
	API             Int      `json:"api"`
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	ViewUpdateEvery Int      `json:"view_update_every"` // seconds per returned row
	UpdateEvery     Int      `json:"update_every"`      // collection interval, seconds
	FirstEntry      Int      `json:"first_entry"`
	LastEntry       Int      `json:"last_entry"` // unix seconds of the latest stored point
	Before          Int      `json:"before"`
	After           Int      `json:"after"`
	Group           string   `json:"group"`
	Options         string   `json:"options"`
	DimensionNames  []string `json:"dimension_names"`
	DimensionIDs    []string `json:"dimension_ids"`
	// LatestValues are the latest collected values per dimension (not grouped).
	LatestValues []Float `json:"latest_values"`
	// ViewLatestValues are the values of the newest returned row.
	ViewLatestValues []Float `json:"view_latest_values"`
	Dimensions       Int     `json:"dimensions"`
	Points           Int     `json:"points"`
	Format           string  `json:"format"`
	DBPointsPerTier  []Int   `json:"db_points_per_tier"`
	Min              Float   `json:"min"`
	Max              Float   `json:"max"`

	// Labels are the column names: "time" then one per dimension.
	Labels []string `json:"-"`
	// Rows are the points, oldest first.
	Rows []Row `json:"-"`
}

// Row is one point of a query: its time and one value per dimension (Valid false for a gap).
type Row struct {
	Time   time.Time
	Values []Float
}

type dataBody struct {
	Labels []string          `json:"labels"`
	Data   []json.RawMessage `json:"data"`
}

// UnmarshalJSON decodes the v1 jsonwrap, v1 json and v2 json2 shapes.
func (d *DataResult) UnmarshalJSON(b []byte) error {
	type plain DataResult
	var aux struct {
		*plain
		Labels []string          `json:"labels"`
		Data   []json.RawMessage `json:"data"`
		Result json.RawMessage   `json:"result"`
		View   *struct {
			UpdateEvery Int `json:"update_every"`
			After       Int `json:"after"`
			Before      Int `json:"before"`
			Dimensions  struct {
				IDs   []string `json:"ids"`
				Names []string `json:"names"`
			} `json:"dimensions"`
			Min Float `json:"min"`
			Max Float `json:"max"`
		} `json:"view"`
		DB *struct {
			UpdateEvery Int `json:"update_every"`
			FirstEntry  Int `json:"first_entry"`
			LastEntry   Int `json:"last_entry"`
		} `json:"db"`
	}
	aux.plain = (*plain)(d)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	body := dataBody{Labels: aux.Labels, Data: aux.Data}
	if r := bytes.TrimSpace(aux.Result); len(r) > 0 && r[0] == '{' {
		if err := json.Unmarshal(r, &body); err != nil {
			return err
		}
	}
	if v := aux.View; v != nil { // json2
		d.ViewUpdateEvery, d.After, d.Before = v.UpdateEvery, v.After, v.Before
		d.DimensionIDs, d.DimensionNames = v.Dimensions.IDs, v.Dimensions.Names
		d.Min, d.Max = v.Min, v.Max
		if d.Format == "" {
			d.Format = "json2"
		}
	}
	if db := aux.DB; db != nil {
		d.UpdateEvery, d.FirstEntry, d.LastEntry = db.UpdateEvery, db.FirstEntry, db.LastEntry
	}
	d.Labels = body.Labels
	if len(d.DimensionNames) == 0 && len(body.Labels) > 1 {
		d.DimensionNames = slices.Clone(body.Labels[1:])
	}
	if d.Dimensions == 0 {
		d.Dimensions = Int(len(d.DimensionNames))
	}
	rows := make([]Row, 0, len(body.Data))
	for _, raw := range body.Data {
		r, err := parseRow(raw)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	sortRows(rows)
	d.Rows = rows
	return nil
}

// sortRows puts rows oldest first: a reverse for v1's newest-first order, a stable sort
// otherwise.
func sortRows(rows []Row) {
	desc, asc := true, true
	for i := 1; i < len(rows); i++ {
		if rows[i].Time.After(rows[i-1].Time) {
			desc = false
		} else if rows[i].Time.Before(rows[i-1].Time) {
			asc = false
		}
	}
	switch {
	case asc:
	case desc:
		slices.Reverse(rows)
	default:
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Time.Before(rows[j].Time) })
	}
}

var errRow = errors.New("netdata: data row is not an array of numbers")

// parseRow reads [time, v1, v2, …] where each v is a number, null, a numeric string, or a
// json2 cell [value, anomaly_rate, annotations].
func parseRow(b []byte) (Row, error) {
	p := rowParser{b: b}
	p.ws()
	if !p.eat('[') {
		return Row{}, errRow
	}
	var row Row
	first := true
	p.ws()
	if p.eat(']') {
		return row, nil
	}
	for {
		p.ws()
		v, err := p.cell()
		if err != nil {
			return Row{}, err
		}
		if first {
			if !v.Valid {
				return Row{}, errRow
			}
			row.Time = unixAuto(v.Value)
			first = false
		} else {
			row.Values = append(row.Values, v)
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat(']') {
			return row, nil
		}
		return Row{}, errRow
	}
}

// unixAuto reads seconds, or milliseconds when the value is too large to be seconds.
func unixAuto(v float64) time.Time {
	if math.Abs(v) > 1e11 {
		return time.UnixMilli(int64(v))
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9))
}

type rowParser struct {
	b []byte
	i int
}

func (p *rowParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *rowParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *rowParser) cell() (Float, error) {
	if p.i >= len(p.b) {
		return Float{}, errRow
	}
	switch c := p.b[p.i]; {
	case c == 'n':
		if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
			p.i += 4
			return Float{}, nil
		}
	case c == '[': // json2 cell: first element is the value, the rest is skipped
		p.i++
		p.ws()
		v, err := p.cell()
		if err != nil {
			return Float{}, err
		}
		depth := 1
		for p.i < len(p.b) && depth > 0 {
			switch p.b[p.i] {
			case '[':
				depth++
			case ']':
				depth--
			case '"':
				if err := p.skipString(); err != nil {
					return Float{}, err
				}
				continue
			}
			p.i++
		}
		if depth != 0 {
			return Float{}, errRow
		}
		return v, nil
	case c == '"':
		start := p.i
		if err := p.skipString(); err != nil {
			return Float{}, err
		}
		var f Float
		_ = f.UnmarshalJSON(p.b[start:p.i])
		return f, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-.eE0123456789", p.b[p.i]) >= 0 {
			p.i++
		}
		v, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
		if err != nil {
			return Float{}, errRow
		}
		return Float{Value: v, Valid: true}, nil
	}
	return Float{}, errRow
}

func (p *rowParser) skipString() error {
	p.i++ // opening quote
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return nil
		}
		p.i++
	}
	return errRow
}

// Latest returns the newest row; ok is false when there are no rows.
func (d *DataResult) Latest() (Row, bool) {
	if len(d.Rows) == 0 {
		return Row{}, false
	}
	return d.Rows[len(d.Rows)-1], true
}

// Column returns the index of a dimension (by name, then by id) in Row.Values, or -1.
func (d *DataResult) Column(dim string) int {
	if i := slices.Index(d.DimensionNames, dim); i >= 0 {
		return i
	}
	return slices.Index(d.DimensionIDs, dim)
}

// Series returns one dimension's values, oldest first (nil for an unknown dimension).
func (d *DataResult) Series(dim string) []Float {
	col := d.Column(dim)
	if col < 0 {
		return nil
	}
	out := make([]Float, len(d.Rows))
	for i, r := range d.Rows {
		if col < len(r.Values) {
			out[i] = r.Values[col]
		}
	}
	return out
}

// Sum returns the sum of every dimension in a row, skipping gaps (the "total" of a stacked
// chart such as system.cpu); ok is false when every value is a gap.
func (r Row) Sum() (sum float64, ok bool) {
	for _, v := range r.Values {
		if v.Valid {
			sum += v.Value
			ok = true
		}
	}
	return sum, ok
}
