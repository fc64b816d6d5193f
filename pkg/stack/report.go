package stack

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

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
	State    engine.State
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
	s := string(n.State)
	if s == "" {
		s = "unknown state"
	}
	if n.State == engine.StateExited || n.State == engine.StateDead {
		s += " (" + strconv.Itoa(n.ExitCode) + ")"
	}
	if n.Health != "" {
		s += ", health " + n.Health
	}
	return s
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
