package netdatatest

import (
	"crypto/sha256"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/sitekit/sitekit/netdata"
)

// chartDef is a chart every simulated host collects.
type chartDef struct {
	id, family, context, title, units, chartType, plugin, module string
	priority                                                     int
	dims                                                         []string
}

// catalog is the fixed set of charts (system.cpu has the dimensions recorded from 1.37.1,
// idle hidden).
var catalog = []chartDef{
	{"system.cpu", "cpu", "system.cpu", "Total CPU utilization (system.cpu)", "percentage", "stacked", "proc.plugin", "/proc/stat", 100,
		[]string{"guest_nice", "guest", "steal", "softirq", "irq", "user", "system", "nice", "iowait"}},
	{"system.load", "load", "system.load", "System Load Average (system.load)", "load", "line", "proc.plugin", "/proc/loadavg", 100,
		[]string{"load1", "load5", "load15"}},
	{"system.ram", "ram", "system.ram", "System RAM (system.ram)", "MiB", "stacked", "proc.plugin", "/proc/meminfo", 200,
		[]string{"free", "used", "cached", "buffers"}},
}

func chartByID(id string) (int, *chartDef) {
	for i := range catalog {
		if catalog[i].id == id {
			return i, &catalog[i]
		}
	}
	return -1, nil
}

func chartByContext(ctx string) (int, *chartDef) {
	for i := range catalog {
		if catalog[i].context == ctx {
			return i, &catalog[i]
		}
	}
	return -1, nil
}

// value is the deterministic series generator: a smooth function of time per dimension.
func value(chart, dim int, t int64) float64 {
	base := []float64{1, 0.5, 1000}[chart%3] * float64(dim+1)
	v := base * (1 + 0.5*math.Sin(float64(t)/37+float64(dim)+float64(chart)))
	return math.Round(v*1e7) / 1e7
}

// host is one node served: the agent itself (hops 0) or a streaming child (hops 1).
type host struct {
	name, guid, nodeID string
	hops               int
	reachable          bool
	stalledAt          *time.Time
	born               time.Time         // when the simulator created the host
	alarms             map[string]*alarm // by "<chart>.<name>"
	log                []*logEntry       // oldest first
}

type alarm struct {
	id                          int64
	name, chart, family, source string
	info, units                 string
	calc, warn, crit            string
	lookup                      bool
	status                      netdata.Status
	value                       *float64
	lastChange                  int64
	silenced, disabled          bool
	updateEvery                 int
}

type logEntry struct {
	uniqueID, alarmID, eventID int64
	a                          alarm
	when                       int64
	status, oldStatus          netdata.Status
	value, oldValue            *float64
}

func (s *Server) newHost(name string, hops int) *host {
	sum := sha256.Sum256(fmt.Appendf(nil, "netdatatest:%d:%s", s.cfg.seed, name))
	guid := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	now := s.clock()
	h := &host{name: name, guid: guid, hops: hops, reachable: true, born: now, alarms: map[string]*alarm{}}
	if s.cfg.noFactory {
		return h
	}
	v := 12.5
	h.alarms["system.cpu.10min_cpu_usage"] = &alarm{id: s.uid(), name: "10min_cpu_usage", chart: "system.cpu", family: "cpu",
		source: "4@/usr/lib/netdata/conf.d/health.d/cpu.conf", units: "%", lookup: true,
		info: "average CPU utilization over the last 10 minutes (excluding iowait, nice and steal)",
		warn: "$this > (($status >= $WARNING) ? (75) : (85))", crit: "$this > (($status == $CRITICAL) ? (85) : (95))",
		status: netdata.StatusClear, value: &v, lastChange: now.Unix() - 200, updateEvery: 60}
	h.alarms["system.load.load_average_1"] = &alarm{id: s.uid(), name: "load_average_1", chart: "system.load", family: "load",
		source: "21@/usr/lib/netdata/conf.d/health.d/load.conf", units: "load", lookup: true,
		info: "system one-minute load average", warn: "($this * 100 / $active_processors) > (($status >= $WARNING) ? 175 : 200)",
		status: netdata.StatusUninitialized, lastChange: now.Unix() - 200, updateEvery: 60}
	return h
}

func (s *Server) uid() int64 { s.nextUID++; return s.nextUID }

// firstEntry is the time of the host's oldest point: 238 seconds of history when the host
// was created (as in the recorded chart), never later than now (a synctest bubble's clock
// starts in 2000).
func (s *Server) firstEntry(h *host) int64 {
	return min(h.born.Unix(), s.clock().Unix()) - 238
}

// lastEntry is the time of the host's latest collected point.
func (s *Server) lastEntry(h *host) int64 {
	if h.stalledAt != nil {
		return h.stalledAt.Unix()
	}
	if !h.reachable && h.hops > 0 {
		return s.clock().Unix() - 60
	}
	return s.clock().Unix()
}

// RaiseAlarm sets alarm name on chart of host ("" = the agent) to status (WARNING, CRITICAL
// or CLEAR) with value, creating a calc alarm if it does not exist, and appends the transition
// to the alarm log, as the agent's health thread would.
func (s *Server) RaiseAlarm(hostname, name, chart string, status netdata.Status, value float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hostOrSelf(hostname)
	if h == nil {
		return fmt.Errorf("netdatatest: no host %q", hostname)
	}
	_, def := chartByID(chart)
	if def == nil {
		return fmt.Errorf("netdatatest: no chart %q", chart)
	}
	switch status {
	case netdata.StatusWarning, netdata.StatusCritical, netdata.StatusClear:
	default:
		return fmt.Errorf("netdatatest: status %q: want WARNING, CRITICAL or CLEAR", status)
	}
	key := chart + "." + name
	a := h.alarms[key]
	if a == nil {
		a = &alarm{id: s.uid(), name: name, chart: chart, family: def.family, source: "1@/etc/netdata/health.d/netdatatest.conf",
			units: "%", info: "netdatatest alarm " + name, lookup: true, warn: "$this > 50", crit: "$this > 90",
			status: netdata.StatusUninitialized, updateEvery: 10}
		h.alarms[key] = a
	}
	s.transition(h, a, status, value)
	return nil
}

// ClearAlarm sets an existing alarm back to CLEAR (logged as a transition).
func (s *Server) ClearAlarm(hostname, name, chart string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hostOrSelf(hostname)
	if h == nil {
		return fmt.Errorf("netdatatest: no host %q", hostname)
	}
	a := h.alarms[chart+"."+name]
	if a == nil {
		return fmt.Errorf("netdatatest: no alarm %s.%s", chart, name)
	}
	v := 0.0
	if a.value != nil {
		v = *a.value
	}
	s.transition(h, a, netdata.StatusClear, v)
	return nil
}

func (s *Server) transition(h *host, a *alarm, status netdata.Status, v float64) {
	old, oldV := a.status, a.value
	now := s.clock().Unix()
	a.status, a.value, a.lastChange = status, &v, now
	if old == status {
		return
	}
	e := &logEntry{uniqueID: s.uid(), alarmID: a.id, eventID: int64(len(h.log) + 1), a: *a, when: now, status: status, oldStatus: old, value: &v, oldValue: oldV}
	h.log = append(h.log, e)
}

func urlPathUnescape(s string) (string, error) { return url.PathUnescape(s) }
