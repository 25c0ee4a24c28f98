package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// EventType is the kind of an [Event].
type EventType string

// Event types, in the order a step may go through them.
const (
	EventPlanned   EventType = "planned"   // once per step when Apply starts
	EventStarted   EventType = "started"   // a worker took the step
	EventRetrying  EventType = "retrying"  // an attempt failed with a transient error
	EventDone      EventType = "done"      // succeeded (or no-op)
	EventFailed    EventType = "failed"    // failed for good
	EventSkipped   EventType = "skipped"   // a dependency did not succeed
	EventCancelled EventType = "cancelled" // never started: the run was cancelled
	EventProgress  EventType = "progress"  // a running step says what it waits for (Reason)
)

type progressKey struct{}

// Report tells what a running step is doing or waiting for ("waiting for web to
// stream to monitor, 40s of 10m0s"): called with the context a write receives, it
// emits an [EventProgress] whose Reason is the message. Elsewhere it does nothing.
func Report(ctx context.Context, format string, args ...any) {
	if f, ok := ctx.Value(progressKey{}).(func(string)); ok {
		f(fmt.Sprintf(format, args...))
	}
}

// withProgress returns ctx carrying the progress reporter f.
func withProgress(ctx context.Context, f func(string)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// Event reports progress of one step.
type Event struct {
	Type    EventType `json:"type"`
	Step    string    `json:"step"`
	Key     Key       `json:"key"`
	Action  Action    `json:"action"`
	Attempt int       `json:"attempt,omitempty"`
	// Err is the error of a failed attempt (retrying, failed).
	Err error `json:"-"`
	// Reason explains a skip or cancellation.
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
	// Total is the number of steps of the run (set on planned events).
	Total int `json:"total,omitempty"`
}

// String renders the event as one log line.
func (e Event) String() string {
	s := fmt.Sprintf("%-9s %s %s", e.Type, e.Action, e.Step)
	if e.Attempt > 1 {
		s += fmt.Sprintf(" (attempt %d)", e.Attempt)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	} else if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// eventQueue decouples emitters (coordinator, workers) from the consumer:
// emit appends to an unbounded slice and never blocks; one goroutine drains
// it in order. The queue is unbounded by design: a run has a bounded number
// of events (a few per step), so memory is bounded by the plan, and no event
// is ever dropped.
type eventQueue struct {
	fn     func(Event)
	mu     sync.Mutex
	buf    []Event
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

func newEventQueue(fn func(Event)) *eventQueue {
	q := &eventQueue{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if fn == nil {
		close(q.done)
		return q
	}
	go q.drain()
	return q
}

func (q *eventQueue) emit(e Event) {
	if q.fn == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	q.mu.Lock()
	q.buf = append(q.buf, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) drain() {
	defer close(q.done)
	for {
		q.mu.Lock()
		batch, closed := q.buf, q.closed
		q.buf = nil
		q.mu.Unlock()
		for _, e := range batch {
			q.deliver(e)
		}
		if len(batch) == 0 {
			if closed {
				return
			}
			<-q.wake
		}
	}
}

func (q *eventQueue) deliver(e Event) {
	defer func() { _ = recover() }() // a panicking consumer must not kill the run
	q.fn(e)
}

// close waits until every emitted event has been delivered.
func (q *eventQueue) close() {
	if q.fn != nil {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	<-q.done
}

// PanicError is the error of a step whose resource code panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func newPanicError(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

// Error implements error; the stack is in the Stack field.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }
