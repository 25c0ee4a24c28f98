package netdata

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sitekit/sitekit"
)

// Sample is one Prometheus sample of /api/v1/allmetrics?format=prometheus.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
	// Timestamp is zero when the agent omitted it (timestamps=no).
	Timestamp time.Time
}

// AllMetricsOptions tune /api/v1/allmetrics. A nil *AllMetricsOptions exports every chart of
// the agent with the agent's defaults.
type AllMetricsOptions struct {
	// AllHosts exports every host of a parent (format=prometheus_all_hosts).
	AllHosts bool
	// Filter keeps charts matching a simple pattern (e.g. "system.*").
	Filter string
	// Data is "as-collected", "average" (default) or "sum".
	Data string
	// Prefix replaces the "netdata" metric name prefix.
	Prefix string
	// NoTimestamps asks the agent to omit timestamps.
	NoTimestamps bool
}

// Validate checks the options without I/O.
func (o *AllMetricsOptions) Validate() error {
	if o == nil {
		return nil
	}
	switch o.Data {
	case "", "as-collected", "average", "sum":
	default:
		return sitekit.Invalid("Data", o.Data, `must be "as-collected", "average" or "sum"`)
	}
	if strings.ContainsAny(o.Prefix, " {}\"\n") {
		return sitekit.Invalid("Prefix", o.Prefix, "must be a metric name prefix")
	}
	return nil
}

// AllMetrics reads /api/v1/allmetrics?format=prometheus and parses it into samples.
func (c *Client) AllMetrics(ctx context.Context, o *AllMetricsOptions) ([]Sample, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o == nil {
		o = &AllMetricsOptions{}
	}
	q := url.Values{"format": {"prometheus"}}
	if o.AllHosts {
		q.Set("format", "prometheus_all_hosts")
	}
	if o.Filter != "" {
		q.Set("filter", o.Filter)
	}
	if o.Data != "" {
		q.Set("data", o.Data)
	}
	if o.Prefix != "" {
		q.Set("prefix", o.Prefix)
	}
	if o.NoTimestamps {
		q.Set("timestamps", "no")
	}
	resp, err := c.get(ctx, "/api/v1/allmetrics", q, nil)
	if err != nil {
		return nil, err
	}
	return ParsePrometheus(bytes.NewReader(resp.Body))
}

// ParsePrometheus parses the Prometheus text exposition format (as Netdata writes it):
// comments and blank lines are skipped, label values are unescaped, timestamps are in ms.
func ParsePrometheus(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return out, fmt.Errorf("netdata: prometheus line %d: %w", n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parseSample(line string) (Sample, error) {
	var s Sample
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return s, fmt.Errorf("no value in %q", line)
	}
	s.Name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		s.Labels = map[string]string{}
		j := 1
		for {
			for j < len(rest) && (rest[j] == ' ' || rest[j] == ',') {
				j++
			}
			if j >= len(rest) {
				return s, fmt.Errorf("unterminated labels")
			}
			if rest[j] == '}' {
				j++
				break
			}
			eq := strings.IndexByte(rest[j:], '=')
			if eq < 0 || j+eq+1 >= len(rest) || rest[j+eq+1] != '"' {
				return s, fmt.Errorf("bad label at %q", rest[j:])
			}
			name := strings.TrimSpace(rest[j : j+eq])
			j += eq + 2
			var val strings.Builder
			closed := false
			for j < len(rest) {
				c := rest[j]
				if c == '\\' && j+1 < len(rest) {
					switch rest[j+1] {
					case 'n':
						val.WriteByte('\n')
					default:
						val.WriteByte(rest[j+1])
					}
					j += 2
					continue
				}
				if c == '"' {
					closed = true
					j++
					break
				}
				val.WriteByte(c)
				j++
			}
			if !closed {
				return s, fmt.Errorf("unterminated label value")
			}
			s.Labels[name] = val.String()
		}
		rest = rest[j:]
	}
	f := strings.Fields(rest)
	if len(f) == 0 || len(f) > 2 {
		return s, fmt.Errorf("want value [timestamp], got %q", rest)
	}
	v, err := parsePromFloat(f[0])
	if err != nil {
		return s, err
	}
	s.Value = v
	if len(f) == 2 {
		ms, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return s, fmt.Errorf("bad timestamp %q", f[1])
		}
		s.Timestamp = time.UnixMilli(ms)
	}
	return s, nil
}

func parsePromFloat(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "+Inf", "Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}
