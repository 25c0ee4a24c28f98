package sitekit_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sitekit/sitekit"
)

func TestParseValid(t *testing.T) {
	for _, expr := range []string{
		"* * * * *", "0 2 * * *", "*/15 * * * *", "30 1-5/2 * * mon-fri", "0 0 1,15 * *",
		"0 0 * jan,jul *", "0 3 * * 7", "0 3 * * 5-7", "0 0 ? * *", "  0   2 * * *  ",
	} {
		s, err := sitekit.ParseCron(expr)
		require.NoError(t, err, expr)
		assert.Equal(t, expr, s.String())
		assert.False(t, s.IsZero())
	}
}

func TestParseInvalidNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		field sitekit.CronField
	}{
		{"60 * * * *", sitekit.CronMinute},
		{"* 24 * * *", sitekit.CronHour},
		{"* * 0 * *", sitekit.CronDayOfMonth},
		{"* * * 13 *", sitekit.CronMonth},
		{"* * * * 8", sitekit.CronDayOfWeek},
		{"*/0 * * * *", sitekit.CronMinute},
		{"x * * * *", sitekit.CronMinute},
		{"5-1 * * * *", sitekit.CronMinute},
		{"* * * * @daily", sitekit.CronDayOfWeek},
	} {
		_, err := sitekit.ParseCron(tc.expr)
		var ce *sitekit.CronError
		require.True(t, errors.As(err, &ce), "%s: %v", tc.expr, err)
		assert.Equal(t, tc.field, ce.Field, tc.expr)
		assert.Contains(t, err.Error(), tc.field.String(), tc.expr)
		assert.Contains(t, err.Error(), tc.expr)
	}
	for _, expr := range []string{"", "* * * *", "* * * * * *", "@daily", "@every 1h"} {
		_, err := sitekit.ParseCron(expr)
		var ce *sitekit.CronError
		require.True(t, errors.As(err, &ce), expr)
		assert.Equal(t, sitekit.CronField(-1), ce.Field, expr)
		assert.Contains(t, err.Error(), "5 fields")
	}
}

func TestCheckField(t *testing.T) {
	require.NoError(t, sitekit.CheckCronField(sitekit.CronMinute, "00"))
	require.NoError(t, sitekit.CheckCronField(sitekit.CronDayOfWeek, "1-7"))
	require.NoError(t, sitekit.CheckCronField(sitekit.CronMonth, "jan-mar"))
	require.Error(t, sitekit.CheckCronField(sitekit.CronHour, "25"))
	require.Error(t, sitekit.CheckCronField(sitekit.CronHour, ""))
	require.Error(t, sitekit.CheckCronField(sitekit.CronHour, "1 2"))
	require.Error(t, sitekit.CheckCronField(sitekit.CronField(9), "1"))
}

func TestNextIsExact(t *testing.T) {
	s, err := sitekit.ParseCron("30 2 * * 1-5")
	require.NoError(t, err)
	fri := time.Date(2026, 3, 6, 3, 0, 0, 0, time.UTC) // a Friday, after the run
	assert.Equal(t, time.Date(2026, 3, 9, 2, 30, 0, 0, time.UTC), s.Next(fri))
	sun, err := sitekit.ParseCron("0 0 * * 7")
	require.NoError(t, err)
	assert.Equal(t, time.Sunday, sun.Next(fri).Weekday())
	assert.True(t, sitekit.CronSchedule{}.Next(fri).IsZero())
}

func TestMaxGapAndInterval(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want time.Duration
	}{
		{"* * * * *", time.Minute},
		{"*/15 * * * *", 15 * time.Minute},
		{"0 */4 * * *", 4 * time.Hour},
		{"0 1,23 * * *", 22 * time.Hour},
		{"0 2 * * *", 24 * time.Hour},
		{"0 2 * * 1-5", 72 * time.Hour}, // Friday 02:00 to Monday 02:00
		{"0 3 * * 0", 7 * 24 * time.Hour},
		{"0 0 1 * *", 31 * 24 * time.Hour},
		{"0 0 1 1 *", 365 * 24 * time.Hour},
		{"0 0 30 2 *", 0}, // never runs
	} {
		s, err := sitekit.ParseCron(tc.expr)
		require.NoError(t, err, tc.expr)
		assert.Equal(t, tc.want, s.Interval(), tc.expr)
	}
	s, err := sitekit.ParseCron("0 2 * * 1-5")
	require.NoError(t, err)
	mon := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 24*time.Hour, s.MaxGap(mon, 4*24*time.Hour), "Monday to Friday only")
	assert.Equal(t, time.Duration(0), s.MaxGap(mon, time.Hour))
	assert.Equal(t, time.Duration(0), sitekit.CronSchedule{}.MaxGap(mon, time.Hour))
}

// TestMaxGapMatchesWalk compares MaxGap, which steps over whole days, with a walk of every
// run, across the spring and autumn clock changes in Paris.
func TestMaxGapMatchesWalk(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	walk := func(s sitekit.CronSchedule, from time.Time, horizon time.Duration) time.Duration {
		var prev time.Time
		var gap time.Duration
		for n := s.Next(from); !n.IsZero() && !n.After(from.Add(horizon)); n = s.Next(n) {
			if !prev.IsZero() {
				gap = max(gap, n.Sub(prev))
			}
			prev = n
		}
		return gap
	}
	for _, expr := range []string{"*/7 * * * *", "30 2 * * *", "0 1-3 * * *", "15 */5 * * 1-5", "0 0,12 1-10 * *", "* 2 * * 0"} {
		s, err := sitekit.ParseCron(expr)
		require.NoError(t, err, expr)
		for _, from := range []time.Time{
			time.Date(2026, 3, 20, 13, 17, 0, 0, paris),
			time.Date(2026, 10, 20, 0, 0, 0, 0, paris),
			time.Date(2026, 5, 1, 2, 30, 0, 0, time.UTC),
		} {
			for _, h := range []time.Duration{90 * time.Minute, 50 * time.Hour, 21 * 24 * time.Hour} {
				assert.Equal(t, walk(s, from, h), s.MaxGap(from, h), "%s from %s over %s", expr, from, h)
			}
		}
	}
}

func BenchmarkIntervalEveryMinute(b *testing.B) {
	s, err := sitekit.ParseCron("* * * * *")
	require.NoError(b, err)
	for b.Loop() {
		_ = s.Interval()
	}
}
