package engine

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Progress renders events on a terminal: one status line rewritten in place
// (counts, running steps, elapsed time), with failures printed above it.
// When w is not a terminal (a file, a pipe, a buffer) it prints one plain
// line per started, retrying, done, failed, skipped or cancelled step
// instead, prefixed by the elapsed time and the finished/total count. Use it
// as WithEvents(progress.Event) and call Close after Apply.
type Progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	start   time.Time
	total   int
	done    int
	failed  int
	skipped int
	running map[string]bool
	last    int
}

// NewProgress returns a renderer writing to w.
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, tty: isTerminal(w), running: map[string]bool{}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Event consumes one event; pass it to [WithEvents].
func (p *Progress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start.IsZero() {
		p.start = e.Time
	}
	switch e.Type {
	case EventPlanned:
		p.total = e.Total
		return
	case EventStarted:
		p.running[e.Step] = true
	case EventDone:
		delete(p.running, e.Step)
		p.done++
	case EventFailed:
		delete(p.running, e.Step)
		p.failed++
	case EventSkipped, EventCancelled:
		p.skipped++
	}
	if !p.tty {
		if e.Type == EventDone && e.Action == ActionNoop {
			return
		}
		fmt.Fprintf(p.w, "[%s %d/%d] %s\n", p.elapsed(e.Time), p.done+p.failed+p.skipped, p.total, e)
		return
	}
	if e.Type == EventFailed || e.Type == EventRetrying || e.Type == EventSkipped || e.Type == EventProgress {
		p.clear()
		fmt.Fprintf(p.w, "%s\n", e)
	}
	p.status(e.Time)
}

func (p *Progress) elapsed(now time.Time) string {
	return now.Sub(p.start).Round(100 * time.Millisecond).String()
}

func (p *Progress) clear() {
	if p.last > 0 {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.last = 0
	}
}

func (p *Progress) status(now time.Time) {
	names := make([]string, 0, len(p.running))
	for n := range p.running {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("+%d", len(names)-3))
	}
	line := fmt.Sprintf("%d/%d done, %d failed, %d skipped · %s · running: %s",
		p.done, p.total, p.failed, p.skipped, p.elapsed(now), strings.Join(names, ", "))
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.last = len(line)
}

// Close ends the status line with a newline (on a terminal).
func (p *Progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.last > 0 {
		fmt.Fprintln(p.w)
		p.last = 0
	}
}
