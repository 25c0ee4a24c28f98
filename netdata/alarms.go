package netdata

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"iter"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/sitekit/sitekit"
)

// Status is an alarm status as Netdata spells it.
type Status string

// Alarm statuses. RAISED is only a filter of /api/v1/alarm_count (WARNING or CRITICAL).
const (
	StatusRemoved       Status = "REMOVED"
	StatusUndefined     Status = "UNDEFINED"
	StatusUninitialized Status = "UNINITIALIZED"
	StatusClear         Status = "CLEAR"
	StatusRaised        Status = "RAISED"
	StatusWarning       Status = "WARNING"
	StatusCritical      Status = "CRITICAL"
)

// IsRaised reports whether s is WARNING or CRITICAL.
func (s Status) IsRaised() bool { return s == StatusWarning || s == StatusCritical }

// Alarm is one alarm (an entry of /api/v1/alarms). Expressions are unescaped (Netdata sends
// them HTML-escaped: "$this &gt; 0" becomes "$this > 0").
type Alarm struct {
	ID                 Int    `json:"id"`
	ConfigHashID       string `json:"config_hash_id"`
	Name               string `json:"name"`
	Chart              string `json:"chart"`
	Family             string `json:"family"`
	Class              string `json:"class"`
	Component          string `json:"component"`
	Type               string `json:"type"`
	Active             Bool   `json:"active"`
	Disabled           Bool   `json:"disabled"`
	Silenced           Bool   `json:"silenced"`
	Exec               string `json:"exec"`
	Recipient          string `json:"recipient"`
	Source             string `json:"source"`
	Units              string `json:"units"`
	Info               string `json:"info"`
	Status             Status `json:"status"`
	LastStatusChange   Int    `json:"last_status_change"`
	LastUpdated        Int    `json:"last_updated"`
	NextUpdate         Int    `json:"next_update"`
	UpdateEvery        Int    `json:"update_every"`
	DelayUpDuration    Int    `json:"delay_up_duration"`
	DelayDownDuration  Int    `json:"delay_down_duration"`
	DelayMaxDuration   Int    `json:"delay_max_duration"`
	DelayMultiplier    Float  `json:"delay_multiplier"`
	Delay              Int    `json:"delay"`
	DelayUpToTimestamp Int    `json:"delay_up_to_timestamp"`
	WarnRepeatEvery    Int    `json:"warn_repeat_every"` // a string on 1.37
	CritRepeatEvery    Int    `json:"crit_repeat_every"`
	ValueString        string `json:"value_string"`
	LastRepeat         Int    `json:"last_repeat"`
	TimesRepeat        Int    `json:"times_repeat"`
	// Lookup alarms only.
	LookupDimensions string `json:"lookup_dimensions,omitempty"`
	DBAfter          Int    `json:"db_after,omitempty"`
	DBBefore         Int    `json:"db_before,omitempty"`
	LookupMethod     string `json:"lookup_method,omitempty"`
	LookupAfter      Int    `json:"lookup_after,omitempty"`
	LookupBefore     Int    `json:"lookup_before,omitempty"`
	LookupOptions    string `json:"lookup_options,omitempty"`
	// Calc alarms only.
	Calc       string `json:"calc,omitempty"`
	CalcParsed string `json:"calc_parsed,omitempty"`
	Warn       string `json:"warn,omitempty"`
	WarnParsed string `json:"warn_parsed,omitempty"`
	Crit       string `json:"crit,omitempty"`
	CritParsed string `json:"crit_parsed,omitempty"`
	Green      Float  `json:"green"`
	Red        Float  `json:"red"`
	// Value is the latest computed value (not Valid while uninitialized).
	Value Float `json:"value"`
}

// UnmarshalJSON decodes an alarm and unescapes its expressions.
func (a *Alarm) UnmarshalJSON(b []byte) error {
	type plain Alarm
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	for _, p := range []*string{&a.Calc, &a.CalcParsed, &a.Warn, &a.WarnParsed, &a.Crit, &a.CritParsed, &a.Info} {
		*p = html.UnescapeString(*p)
	}
	return nil
}

// Alarms is /api/v1/alarms.
type Alarms struct {
	Hostname string `json:"hostname"`
	// LatestAlarmLogUniqueID is the newest alarm log entry id: pass it as
	// AlarmLogOptions.After to poll only newer transitions.
	LatestAlarmLogUniqueID Int  `json:"latest_alarm_log_unique_id"`
	Status                 Bool `json:"status"` // health enabled
	// Now is the agent's clock (unix seconds) when it answered.
	Now Int `json:"now"`
	// Alarms by "<chart>.<alarm name>".
	Alarms map[string]Alarm `json:"alarms"`
}

// Sorted returns the alarms sorted by chart then name.
func (a *Alarms) Sorted() []Alarm {
	out := make([]Alarm, 0, len(a.Alarms))
	for _, al := range a.Alarms {
		out = append(out, al)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Chart != out[j].Chart {
			return out[i].Chart < out[j].Chart
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// WithStatus returns the alarms in one of the given statuses, sorted.
func (a *Alarms) WithStatus(st ...Status) []Alarm {
	var out []Alarm
	for _, al := range a.Sorted() {
		if slices.Contains(st, al.Status) {
			out = append(out, al)
		}
	}
	return out
}

// AlarmLogEntry is one alarm transition of /api/v1/alarm_log.
type AlarmLogEntry struct {
	Hostname           string `json:"hostname"`
	UTCOffset          Int    `json:"utc_offset"`
	Timezone           string `json:"timezone"`
	UniqueID           Int    `json:"unique_id"`
	AlarmID            Int    `json:"alarm_id"`
	AlarmEventID       Int    `json:"alarm_event_id"`
	ConfigHashID       string `json:"config_hash_id"`
	Name               string `json:"name"`
	Chart              string `json:"chart"`
	Context            string `json:"context"`
	Family             string `json:"family"`
	Class              string `json:"class"`
	Component          string `json:"component"`
	Type               string `json:"type"`
	Processed          Bool   `json:"processed"`
	Updated            Bool   `json:"updated"`
	ExecRun            Int    `json:"exec_run"`
	ExecFailed         Bool   `json:"exec_failed"`
	Exec               string `json:"exec"`
	Recipient          string `json:"recipient"`
	ExecCode           Int    `json:"exec_code"`
	Source             string `json:"source"`
	Command            string `json:"command"`
	Units              string `json:"units"`
	When               Int    `json:"when"` // unix seconds of the transition
	Duration           Int    `json:"duration"`
	NonClearDuration   Int    `json:"non_clear_duration"`
	Status             Status `json:"status"`
	OldStatus          Status `json:"old_status"`
	Delay              Int    `json:"delay"`
	DelayUpToTimestamp Int    `json:"delay_up_to_timestamp"`
	UpdatedByID        Int    `json:"updated_by_id"`
	UpdatesID          Int    `json:"updates_id"`
	ValueString        string `json:"value_string"`
	OldValueString     string `json:"old_value_string"`
	LastRepeat         Int    `json:"last_repeat"`
	Silenced           Bool   `json:"silenced"` // the string "false" on 1.37
	Info               string `json:"info"`
	Value              Float  `json:"value"`
	OldValue           Float  `json:"old_value"`
}

// Time returns the transition time.
func (e *AlarmLogEntry) Time() time.Time { return time.Unix(int64(e.When), 0) }

// AlarmsService reads alarms. Obtain it as Client.Alarms.
type AlarmsService struct{ c *Client }

// AlarmListOptions selects the alarms listed. A nil *AlarmListOptions lists every enabled
// alarm, whatever its status (/api/v1/alarms?all).
type AlarmListOptions struct {
	// Active keeps the raised alarms only, WARNING or CRITICAL (/api/v1/alarms?active).
	Active bool
}

// path is /api/v1/alarms with its bare keyword: the agent matches the whole "all" or
// "active" token of the query string, so "all=" (what url.Values encodes) would list the
// raised alarms only (observed on 1.37.1).
func (o *AlarmListOptions) path() string {
	if o != nil && o.Active {
		return "/api/v1/alarms?active"
	}
	return "/api/v1/alarms?all"
}

// Report reads /api/v1/alarms as a whole: the alarms selected by opts and the agent's host
// name, clock and latest alarm log id (to poll [AlarmsService.Log] for newer transitions).
func (s *AlarmsService) Report(ctx context.Context, opts *AlarmListOptions) (*Alarms, error) {
	var out Alarms
	if _, err := s.c.get(ctx, opts.path(), nil, &out); err != nil {
		return nil, err
	}
	if out.Alarms == nil {
		out.Alarms = map[string]Alarm{}
	}
	return &out, nil
}

// List returns the alarms selected by opts, sorted by chart then name.
func (s *AlarmsService) List(ctx context.Context, opts *AlarmListOptions) ([]Alarm, error) {
	r, err := s.Report(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r.Sorted(), nil
}

// All iterates over List's answer (one call: the agent does not page alarms).
func (s *AlarmsService) All(ctx context.Context, opts *AlarmListOptions) iter.Seq2[Alarm, error] {
	return items(func() ([]Alarm, error) { return s.List(ctx, opts) })
}

// AlarmLogOptions selects the alarm log entries read. A nil *AlarmLogOptions reads every
// entry the agent retains.
type AlarmLogOptions struct {
	// After keeps the transitions whose unique id is greater (0: all). Pass the
	// LatestAlarmLogUniqueID of [AlarmsService.Report] to poll newer transitions only.
	After int64
}

// Validate checks the options without I/O.
func (o *AlarmLogOptions) Validate() error {
	if o != nil && o.After < 0 {
		return sitekit.Invalid("After", o.After, "must not be negative")
	}
	return nil
}

// Log reads /api/v1/alarm_log: the alarm transitions selected by opts, newest first as the
// agent sends them.
func (s *AlarmsService) Log(ctx context.Context, opts *AlarmLogOptions) ([]AlarmLogEntry, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var q url.Values
	if opts != nil && opts.After > 0 {
		q = url.Values{"after": {strconv.FormatInt(opts.After, 10)}}
	}
	out := []AlarmLogEntry{}
	if _, err := s.c.get(ctx, "/api/v1/alarm_log", q, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AlarmCountOptions filter /api/v1/alarm_count. A nil *AlarmCountOptions counts the raised
// alarms of every context.
type AlarmCountOptions struct {
	// Contexts restricts the count to charts of these contexts (empty: all).
	Contexts []string
	// Status counted: RAISED (default: WARNING or CRITICAL), WARNING, CRITICAL, CLEAR, …
	Status Status
}

// Validate checks the options without I/O.
func (o *AlarmCountOptions) Validate() error {
	if o == nil {
		return nil
	}
	switch o.Status {
	case "", StatusRaised, StatusWarning, StatusCritical, StatusClear, StatusUndefined, StatusUninitialized, StatusRemoved:
	default:
		return sitekit.Invalid("Status", string(o.Status), "must be a Netdata alarm status")
	}
	for i, c := range o.Contexts {
		if c == "" {
			return sitekit.Invalid(fmt.Sprintf("Contexts[%d]", i), c, "must not be empty")
		}
	}
	return nil
}

// Count reads /api/v1/alarm_count (answered as a one-element array, [n]).
func (s *AlarmsService) Count(ctx context.Context, opts *AlarmCountOptions) (int, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if opts == nil {
		opts = &AlarmCountOptions{}
	}
	q := url.Values{}
	for _, c := range opts.Contexts {
		q.Add("context", c)
	}
	if opts.Status != "" {
		q.Set("status", string(opts.Status))
	}
	var out []Float
	if _, err := s.c.get(ctx, "/api/v1/alarm_count", q, &out); err != nil {
		return 0, err
	}
	if len(out) == 0 || !out[0].Valid {
		return 0, nil
	}
	return int(out[0].Value), nil
}
