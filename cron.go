package sitekit

// Cron expressions: the standard 5-field form (minute hour day-of-month month day-of-week)
// that Xen Orchestra backup schedules and TrueNAS task schedules take, and the gaps between
// their runs (the recovery point objective of a backup schedule).
//
// Parsing is done by github.com/robfig/cron/v3 with the standard field set: numbers, names
// (jan…dec, sun…sat), '*', '?', ranges, lists and steps. Day-of-week 7 is accepted as Sunday,
// as croniter (TrueNAS) and Vixie cron accept it. Descriptors (@daily, @every) and time-zone
// prefixes are rejected: neither appliance takes them.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// CronField is one of the five fields of a cron expression.
type CronField int

// The five fields, in the order an expression lists them.
const (
	CronMinute CronField = iota
	CronHour
	CronDayOfMonth
	CronMonth
	CronDayOfWeek
)

var fieldNames = [...]string{"minute", "hour", "day of month", "month", "day of week"}

// String returns the field's name ("minute", "day of week", …).
func (f CronField) String() string {
	if f < CronMinute || f > CronDayOfWeek {
		return fmt.Sprintf("CronField(%d)", int(f))
	}
	return fieldNames[f]
}

// CronSchedule is a parsed cron expression. The zero value never runs.
type CronSchedule struct {
	expr  string
	sched cron.Schedule
}

// CronError reports an expression that does not parse. Field is the field at fault, or -1 when
// the expression as a whole is malformed (wrong number of fields, descriptor).
type CronError struct {
	Expr   string
	Field  CronField
	Reason string
}

// CronError implements error.
func (e *CronError) Error() string {
	if e.Field < 0 {
		return fmt.Sprintf("cron %q: %s", e.Expr, e.Reason)
	}
	return fmt.Sprintf("cron %q: %s: %s", e.Expr, e.Field, e.Reason)
}

// Parse parses a 5-field cron expression such as "30 2 * * 1-5".
func ParseCron(expr string) (CronSchedule, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return CronSchedule{}, &CronError{Expr: expr, Field: -1, Reason: "must have 5 fields (minute hour day-of-month month day-of-week)"}
	}
	for i, f := range fields {
		if strings.ContainsAny(f, "@=") {
			return CronSchedule{}, &CronError{Expr: expr, Field: CronField(i), Reason: fmt.Sprintf("%q is not a cron field", f)}
		}
	}
	fields[CronDayOfWeek] = sundaySeven(fields[CronDayOfWeek])
	// Parse each field alone first, so that the error names the field at fault.
	for i, f := range fields {
		if err := checkField(CronField(i), f); err != nil {
			return CronSchedule{}, &CronError{Expr: expr, Field: CronField(i), Reason: err.Error()}
		}
	}
	s, err := cronParser.Parse(strings.Join(fields, " "))
	if err != nil {
		return CronSchedule{}, &CronError{Expr: expr, Field: -1, Reason: err.Error()}
	}
	return CronSchedule{expr: expr, sched: s}, nil
}

// CheckCronField validates one field of an expression on its own (an empty value is not a field).
// TrueNAS stores schedules field by field; this names the one at fault.
func CheckCronField(f CronField, value string) error {
	if f < CronMinute || f > CronDayOfWeek {
		return fmt.Errorf("cron: unknown field %d", int(f))
	}
	v := strings.TrimSpace(value)
	if v == "" || strings.ContainsAny(v, " \t@=") {
		return fmt.Errorf("%q is not a cron %s", value, f)
	}
	if f == CronDayOfWeek {
		v = sundaySeven(v)
	}
	return checkField(f, v)
}

func checkField(f CronField, v string) error {
	all := []string{"*", "*", "*", "*", "*"}
	all[f] = v
	if _, err := cronParser.Parse(strings.Join(all, " ")); err != nil {
		// robfig's messages name the failing token ("end of range (60) above maximum (59): 0-60").
		return errors.New(err.Error())
	}
	return nil
}

// sundaySeven rewrites day-of-week 7 (Sunday, accepted by croniter and Vixie cron) to 0, the
// only Sunday number robfig/cron knows: "7" → "0", "5-7" → "5-6,0".
func sundaySeven(v string) string {
	parts := strings.Split(v, ",")
	changed := false
	for i, p := range parts {
		switch {
		case p == "7":
			parts[i], changed = "0", true
		case strings.HasSuffix(p, "-7") && !strings.Contains(p, "/"):
			lo := strings.TrimSuffix(p, "-7")
			if lo == "7" {
				parts[i] = "0"
			} else {
				parts[i] = lo + "-6,0"
			}
			changed = true
		}
	}
	if !changed {
		return v
	}
	return strings.Join(parts, ",")
}

// String returns the expression as given to [Parse].
func (s CronSchedule) String() string { return s.expr }

// IsZero reports whether s is the zero CronSchedule.
func (s CronSchedule) IsZero() bool { return s.sched == nil }

// Next returns the first run strictly after t, in t's location; the zero time when s never
// runs (the zero CronSchedule, or a date that does not exist such as 30 February).
func (s CronSchedule) Next(t time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	return s.sched.Next(t)
}

// MaxGap returns the longest time between two consecutive runs in (from, from+horizon], run
// times being computed in from's location: the worst-case age of the latest run over that
// span. It returns 0 when s runs fewer than twice in it.
func (s CronSchedule) MaxGap(from time.Time, horizon time.Duration) time.Duration {
	if s.sched == nil || horizon <= 0 {
		return 0
	}
	end := from.Add(horizon)
	var (
		prev time.Time
		gap  time.Duration
		day  *dayProfile
	)
	t := from
	for range maxSteps {
		n := s.sched.Next(t)
		if n.IsZero() || n.After(end) {
			break
		}
		if !prev.IsZero() {
			gap = max(gap, n.Sub(prev))
		}
		prev, t = n, n
		if day == nil {
			day = s.profile(n)
		}
		// Every day a schedule runs, it runs at the same clock times (the minute and hour
		// fields do not depend on the date): a whole 24-hour day inside the horizon is one
		// step, its largest gap known from the profile.
		if day != nil && day.first(n) {
			last := time.Date(n.Year(), n.Month(), n.Day(), day.lastHour, day.lastMinute, 0, 0, n.Location())
			if !last.After(end) && fullDay(n) && s.sched.Next(last.Add(-time.Minute)).Equal(last) {
				gap = max(gap, day.gap)
				prev, t = last, last
			}
		}
	}
	return gap
}

// maxSteps bounds the iterations of MaxGap: one per day the schedule runs, plus the runs of
// the partial days at both ends of the horizon.
const maxSteps = 100_000

// dayProfile is the clock times at which a schedule runs on a day it runs at all.
type dayProfile struct {
	firstHour, firstMinute int
	lastHour, lastMinute   int
	gap                    time.Duration // largest gap between two runs of the same day
}

func (d *dayProfile) first(t time.Time) bool {
	return t.Hour() == d.firstHour && t.Minute() == d.firstMinute
}

// profile returns the day profile read from the day of run n when n is that day's first run
// and the day lasts 24 hours, nil otherwise.
func (s CronSchedule) profile(n time.Time) *dayProfile {
	start := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, n.Location())
	if !fullDay(n) || !s.sched.Next(start.Add(-time.Nanosecond)).Equal(n) {
		return nil
	}
	p := &dayProfile{firstHour: n.Hour(), firstMinute: n.Minute(), lastHour: n.Hour(), lastMinute: n.Minute()}
	for r := n; ; {
		x := s.sched.Next(r)
		if x.IsZero() || x.Day() != n.Day() || x.Sub(start) >= 24*time.Hour {
			return p
		}
		p.gap = max(p.gap, x.Sub(r))
		p.lastHour, p.lastMinute, r = x.Hour(), x.Minute(), x
	}
}

// fullDay reports whether t's calendar day lasts 24 hours in its location (no clock change).
func fullDay(t time.Time) bool {
	y, m, d := t.Date()
	a := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location()).Sub(a) == 24*time.Hour
}

// reference is the fixed start of [CronSchedule.Interval]'s horizon, so that figures computed from
// a schedule do not change from one day to the next.
var reference = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Interval returns the longest gap between consecutive runs over one year (366 days from
// 1 January 2026, UTC): the recovery point objective of a backup taken on this schedule.
// A schedule that runs less than once a year returns 0.
func (s CronSchedule) Interval() time.Duration {
	return s.MaxGap(reference.Add(-time.Minute), 366*24*time.Hour+time.Minute)
}
