package engine

import (
	"fmt"
	"strings"
	"time"
)

// DOT renders the plan's graph in Graphviz DOT. With a result, each step is
// coloured by outcome (done green, noop grey, failed red, skipped orange,
// cancelled yellow); without, by action (create green, update blue, delete
// red, noop grey). Edges follow execution order: from a step to the steps
// waiting for it.
func (p *Plan) DOT(res *Result) string {
	var b strings.Builder
	b.WriteString("digraph plan {\n  rankdir=LR;\n  node [shape=box, style=filled, fontname=\"Helvetica\"];\n")
	for i, s := range p.Steps {
		color, label := actionColor[s.Action], string(s.Action)
		if res != nil && i < len(res.Steps) {
			o := res.Steps[i].Outcome
			color, label = outcomeColor[o], string(s.Action)+" · "+string(o)
		}
		if color == "" {
			color = "white"
		}
		fmt.Fprintf(&b, "  %q [label=%q, fillcolor=%q];\n", s.ID, s.ID+"\n"+label, color)
	}
	for _, s := range p.Steps {
		for _, d := range s.Deps {
			fmt.Fprintf(&b, "  %q -> %q;\n", d, s.ID)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

var actionColor = map[Action]string{ActionCreate: "palegreen", ActionUpdate: "lightblue", ActionDelete: "salmon", ActionNoop: "lightgrey"}

var outcomeColor = map[Outcome]string{OutcomeDone: "palegreen", OutcomeNoop: "lightgrey", OutcomeFailed: "salmon",
	OutcomeSkipped: "orange", OutcomeCancelled: "khaki"}

// Markdown renders the result as a Markdown table (one row per step, in plan
// order) followed by the summary line.
func (r *Result) Markdown() string {
	var b strings.Builder
	b.WriteString("| step | action | outcome | attempts | duration | error |\n|---|---|---|---|---|---|\n")
	for _, s := range r.Steps {
		d := ""
		if !s.Start.IsZero() {
			d = s.Duration().Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %d | %s | %s |\n", s.ID, s.Action, s.Outcome, s.Attempts, d, mdEscape(s.Error))
	}
	fmt.Fprintf(&b, "\n%s\n", r.String())
	return b.String()
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// LowerBound is the best possible apply wall time of the plan given its
// step estimates, parallelism and per-appliance limits:
// max(critical path, per appliance min head + work ÷ limit + min tail,
// total work ÷ parallelism). Divide a measured wall time by it to judge the
// scheduler; no-ops count as zero.
func (p *Plan) LowerBound(opts ...Option) time.Duration {
	o := buildOptions(&p.opts, opts)
	return p.lowerBound(o, func(i int) time.Duration { return p.Steps[i].Estimate })
}

// LowerBound recomputes the plan's lower bound from the measured durations
// of the steps, with the parallelism and limits the
// run used. Result.Wall() ÷ LowerBound() then judges the scheduler alone,
// whatever the appliances' (or the timers') actual speed.
func (r *Result) LowerBound() time.Duration {
	if r.plan == nil {
		return 0
	}
	return r.plan.lowerBound(r.opts, func(i int) time.Duration {
		if s := r.Steps[i]; s.Outcome == OutcomeDone || s.Outcome == OutcomeFailed {
			return s.Duration()
		}
		return 0
	})
}

func (p *Plan) lowerBound(o options, dur func(i int) time.Duration) time.Duration {
	n := len(p.Steps)
	est := make([]time.Duration, n)
	for i := range est {
		est[i] = dur(i)
	}
	head := make([]time.Duration, n)
	tail := make([]time.Duration, n)
	for i, s := range p.Steps { // plan order is topological
		for _, d := range s.deps {
			head[i] = max(head[i], head[d]+est[d])
		}
	}
	var cp, total time.Duration
	type agg struct {
		work, minHead, minTail time.Duration
		seen                   bool
	}
	per := map[string]*agg{}
	var apps []string
	for i := n - 1; i >= 0; i-- {
		s := p.Steps[i]
		for _, u := range s.users {
			tail[i] = max(tail[i], est[u]+tail[u])
		}
	}
	for i, s := range p.Steps {
		cp = max(cp, head[i]+est[i]+tail[i])
		if est[i] == 0 {
			continue
		}
		total += est[i]
		a := per[s.Key.Appliance]
		if a == nil {
			a = &agg{}
			per[s.Key.Appliance] = a
			apps = append(apps, s.Key.Appliance)
		}
		if !a.seen || head[i] < a.minHead {
			a.minHead = head[i]
		}
		if !a.seen || tail[i] < a.minTail {
			a.minTail = tail[i]
		}
		a.seen = true
		a.work += est[i]
	}
	lb := max(cp, total/time.Duration(o.parallelism))
	for _, name := range apps {
		a := per[name]
		lb = max(lb, a.minHead+a.work/time.Duration(o.limit(name))+a.minTail)
	}
	return lb
}
