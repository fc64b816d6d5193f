package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// reportLogLines is how many of its last log lines a wait failure shows per
// container.
const reportLogLines = 20

// reportTimeout bounds the calls that gather a failure report, which run
// after the wait itself may have timed out.
const reportTimeout = 30 * time.Second

// WaitError says which services an up --wait found not ready, and why. Its
// message is meant for a person reading a CI log: the cause on the first
// line, then per service its state, its last health check output and its
// last log lines.
type WaitError struct {
	// Timeout is set when the wait ran out of time (--wait-timeout).
	Timeout time.Duration
	// Cause, when set, is the failure that ended the wait (a dependency
	// that failed while starting).
	Cause error
	// NotReady are the containers that were not ready, failed ones first.
	NotReady []NotReady
}

// NotReady describes one container that was not ready.
type NotReady struct {
	Service   string
	Container string
	// Reason is why it is not ready: "is unhealthy", "exited with code 1",
	// or "is not ready" when the wait ended for another reason.
	Reason string
	// Failed tells that the container cannot become ready by itself
	// (unhealthy, exited), as opposed to still starting.
	Failed bool
	// State and Health are the engine's words: running, exited...; "" (no
	// healthcheck), starting, healthy, unhealthy.
	State    string
	Health   string
	ExitCode int
	// HealthOutput is the output of the last health probe.
	HealthOutput string
	// Logs are the container's last log lines.
	Logs []string
}

// Error returns the summary line followed by one block per container.
func (e *WaitError) Error() string {
	var b strings.Builder
	b.WriteString(e.summary())
	for _, n := range e.NotReady {
		b.WriteString("\n\n")
		n.write(&b)
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *WaitError) Unwrap() error { return e.Cause }

// summary is the first line of the message.
func (e *WaitError) summary() string {
	var parts []string
	for _, n := range e.NotReady {
		parts = append(parts, fmt.Sprintf("service %q %s", n.Service, strings.TrimPrefix(n.Reason, "is ")))
	}
	list := strings.Join(parts, ", ")
	switch {
	case e.Cause != nil:
		return e.Cause.Error()
	case e.Timeout > 0:
		return fmt.Sprintf("application not ready after %s: %s", e.Timeout, list)
	case len(e.NotReady) > 0 && e.NotReady[0].Failed:
		n := e.NotReady[0]
		return fmt.Sprintf("service %q is not ready: container %s %s", n.Service, n.Container, n.Reason)
	}
	return "application not ready: " + list
}

// write renders one container's report.
func (n NotReady) write(b *strings.Builder) {
	reason := n.Reason
	if reason == "" {
		reason = "is not ready"
	}
	fmt.Fprintf(b, "service %q (container %s) %s; state: %s", n.Service, n.Container, reason, n.stateText())
	if out := strings.TrimSpace(n.HealthOutput); out != "" {
		b.WriteString("\n  last health check output:")
		for _, l := range strings.Split(out, "\n") {
			b.WriteString("\n    " + strings.TrimRight(l, "\r"))
		}
	}
	if len(n.Logs) == 0 {
		b.WriteString("\n  no log output")
		return
	}
	if len(n.Logs) == 1 {
		b.WriteString("\n  last log line:")
	} else {
		fmt.Fprintf(b, "\n  last %d log lines:", len(n.Logs))
	}
	for _, l := range n.Logs {
		b.WriteString("\n    " + l)
	}
}

func (n NotReady) stateText() string {
	s := n.State
	if s == "" {
		s = "unknown state"
	}
	if s == "exited" || s == "dead" {
		s += " (" + strconv.Itoa(n.ExitCode) + ")"
	}
	if n.Health != "" {
		s += ", health " + n.Health
	}
	return s
}

// waitTarget is one container up --wait waits for.
type waitTarget struct {
	node *cnode
	// completion: ready once exited 0, as another service waits for it
	// with service_completed_successfully (an init job).
	completion bool
	restart    string // the service's restart policy
}

// outcome is how the wait for one container ended.
type outcome struct {
	ready  bool
	reason string // set when the container failed: it cannot become ready
	err    error  // the wait was cut short (ctx, engine)
}

// waitReady blocks until every started container of run is ready (up
// --wait): running, and healthy where it has a healthcheck. A container of
// a service that another one waits for with service_completed_successfully
// is ready once it has exited 0, as Compose does. It follows the engine's
// events after one inspect per container. On failure or timeout it returns a
// *WaitError naming every container that is not ready.
func (s *Stack) waitReady(ctx context.Context, p *types.Project, run *running, o UpOptions) error {
	targets := waitTargets(p, run)
	if len(targets) == 0 {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	if o.WaitTimeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, o.WaitTimeout)
	}
	defer cancel()
	w := s.watch(wctx, p.Name)
	defer w.close()

	for _, t := range targets {
		s.emit(Event{Kind: KindContainer, Name: t.node.step.Name, Service: t.node.step.Service, Status: StatusWaiting})
	}
	results := make([]outcome, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.waitOne(wctx, w, t)
			if results[i].reason != "" {
				// One failure decides: stop waiting for the others.
				cancel()
			}
		}()
	}
	wg.Wait()

	var failed, pending []int
	for i, r := range results {
		switch {
		case r.ready:
		case r.reason != "":
			failed = append(failed, i)
		case errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded):
			pending = append(pending, i)
		default:
			// The engine failed us; there is nothing better to report.
			if ctx.Err() == nil {
				return fmt.Errorf("wait for container %s: %w", targets[i].node.step.Name, r.err)
			}
			pending = append(pending, i)
		}
	}
	if len(failed)+len(pending) == 0 {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	werr := &WaitError{}
	if len(failed) == 0 {
		werr.Timeout = o.WaitTimeout
	}
	for _, i := range append(failed, pending...) {
		t := targets[i]
		reason := results[i].reason
		if reason == "" {
			reason = "is not ready"
		}
		werr.NotReady = append(werr.NotReady, NotReady{
			Service: t.node.step.Service, Container: t.node.step.Name,
			Reason: reason, Failed: results[i].reason != "",
		})
	}
	s.completeReport(ctx, werr, func(name string) string { return idOf(run, name) }, false)
	return werr
}

// waitTargets lists the containers of run to wait for, in name order.
func waitTargets(p *types.Project, run *running) []waitTarget {
	inRun := map[string]bool{}
	for _, n := range run.nodes {
		inRun[n.step.Service] = true
	}
	// An init job: a service of the run waits for it to complete.
	completion := map[string]bool{}
	for name := range inRun {
		for dep, d := range p.Services[name].DependsOn {
			if d.Condition == conditionCompleted {
				completion[dep] = true
			}
		}
	}
	var ts []waitTarget
	for _, n := range run.nodes {
		if n.id == "" {
			continue
		}
		svc := n.step.Service
		ts = append(ts, waitTarget{node: n, completion: completion[svc], restart: p.Services[svc].Restart})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].node.step.Name < ts[j].node.step.Name })
	return ts
}

// waitOne waits for one container to be ready or to fail.
func (s *Stack) waitOne(ctx context.Context, w *watcher, t waitTarget) outcome {
	n := t.node
	d, err := s.engine.InspectContainer(ctx, n.id)
	if err != nil {
		return outcome{err: err}
	}
	w.seed(n.id, d)
	// The engine reports a health state from the start (starting) for a
	// container with a healthcheck, whether from the file or the image.
	hasHealth := d.Health != ""
	var res outcome
	var last cstate
	err = w.until(ctx, n.id, func(st cstate) bool {
		last = st
		var ready bool
		ready, res.reason = judge(st, t, hasHealth)
		res.ready = ready
		return ready || res.reason != ""
	})
	switch {
	case err != nil:
		return outcome{err: err}
	case res.ready:
		status, text := StatusHealthy, ""
		if last.exited {
			status, text = StatusExited, "exited with code 0"
		}
		s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: status, Done: true, Text: text})
	default:
		s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusError, Done: true,
			Error: "container " + n.step.Name + " " + res.reason})
	}
	return res
}

// judge tells from what the engine said whether a container is ready, or
// has failed (reason set), or neither yet.
func judge(st cstate, t waitTarget, hasHealth bool) (ready bool, reason string) {
	switch {
	case t.completion:
		if !st.exited {
			return false, ""
		}
		if st.exitCode != 0 {
			return false, fmt.Sprintf("exited with code %d, so it did not complete successfully", st.exitCode)
		}
		return true, ""
	case st.exited:
		if restarts(t.restart, st.exitCode) {
			return false, ""
		}
		return false, fmt.Sprintf("exited with code %d", st.exitCode)
	case !st.running:
		return false, ""
	case !hasHealth || st.health == "healthy":
		return true, ""
	case st.health == "unhealthy":
		return false, "is unhealthy"
	}
	return false, ""
}

// restarts reports whether the engine restarts a container of a service
// with this restart policy after it exited with code.
func restarts(policy string, code int) bool {
	switch {
	case policy == types.RestartPolicyAlways || policy == types.RestartPolicyUnlessStopped:
		return true
	case strings.HasPrefix(policy, types.RestartPolicyOnFailure):
		return code != 0
	}
	return false
}

// idOf returns the ID of the run's container called name.
func idOf(run *running, name string) string {
	for _, n := range run.nodes {
		if n.step.Name == name {
			return n.id
		}
	}
	return ""
}

// completeReport fills in the state, health output and last log lines of
// every container of e, from one inspect and one log call each (no inspect
// when inspected). It runs on a fresh bounded context: the wait's own may
// have timed out.
func (s *Stack) completeReport(ctx context.Context, e *WaitError, id func(name string) string, inspected bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	g, gctx := errgroup.WithContext(rctx)
	g.SetLimit(s.parallel)
	for i := range e.NotReady {
		n := &e.NotReady[i]
		cid := id(n.Container)
		if cid == "" {
			continue
		}
		g.Go(func() error {
			if !inspected {
				s.inspectInto(gctx, n, cid)
			}
			n.Logs = s.lastLines(gctx, cid, reportLogLines)
			return nil
		})
	}
	_ = g.Wait()
}

// inspectInto records what an inspect of container id says in n.
func (s *Stack) inspectInto(ctx context.Context, n *NotReady, id string) {
	if d, err := s.engine.InspectContainer(ctx, id); err == nil {
		n.State, n.Health, n.ExitCode, n.HealthOutput = d.State, d.Health, d.ExitCode, d.HealthOutput
	}
}

// lastLines returns the last n lines a container wrote, stdout and stderr
// together; nil when the engine cannot tell.
func (s *Stack) lastLines(ctx context.Context, id string, n int) []string {
	var c lineCollector
	out := &lineWriter{sink: &c}
	errw := &lineWriter{sink: &c}
	err := s.engine.Logs(ctx, id, engine.LogOptions{Tail: strconv.Itoa(n)}, out, errw)
	out.Flush()
	errw.Flush()
	if err != nil && len(c.lines) == 0 {
		return []string{"(logs unavailable: " + err.Error() + ")"}
	}
	if len(c.lines) > n {
		// stdout and stderr are each cut to n lines.
		c.lines = c.lines[len(c.lines)-n:]
	}
	return c.lines
}

// lineCollector is a LogSink that keeps the lines.
type lineCollector struct {
	mu    sync.Mutex
	lines []string
}

// Log keeps the line's text.
func (c *lineCollector) Log(l LogLine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, l.Line)
}

// waitFailed turns the failure of converge under up --wait into a
// *WaitError that shows the failed containers (exited with an error, or
// unhealthy) with their health output and last log lines. It returns err
// unchanged when ctx ended or no such container is found.
func (s *Stack) waitFailed(ctx context.Context, run *running, err error) error {
	if run == nil || ctx.Err() != nil {
		return err
	}
	all := make([]NotReady, 0, len(run.nodes))
	for _, n := range run.nodes {
		if n.id != "" {
			all = append(all, NotReady{Service: n.step.Service, Container: n.step.Name})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Container < all[j].Container })
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	g, gctx := errgroup.WithContext(rctx)
	g.SetLimit(s.parallel)
	for i := range all {
		g.Go(func() error {
			s.inspectInto(gctx, &all[i], idOf(run, all[i].Container))
			return nil
		})
	}
	_ = g.Wait()
	werr := &WaitError{Cause: err}
	for _, n := range all {
		switch {
		case (n.State == "exited" || n.State == "dead") && n.ExitCode != 0:
			n.Reason, n.Failed = fmt.Sprintf("exited with code %d", n.ExitCode), true
		case n.Health == "unhealthy":
			n.Reason, n.Failed = "is unhealthy", true
		default:
			continue
		}
		werr.NotReady = append(werr.NotReady, n)
	}
	if len(werr.NotReady) == 0 {
		return err
	}
	s.completeReport(ctx, werr, func(name string) string { return idOf(run, name) }, true)
	return werr
}
