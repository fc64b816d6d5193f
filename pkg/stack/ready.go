package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"golang.org/x/sync/errgroup"
)

// waitTarget is one container up --wait waits for, and the condition it
// must meet: ready, or completed for an init job (a service another one
// waits for with service_completed_successfully), as Compose does.
type waitTarget struct {
	member
	condition Condition
	restart   string // the service's restart policy
}

// waitReady blocks until every container of run is ready (up --wait) and
// judges them by the readiness rules. It follows the engine's events after
// one inspect per container. On failure or timeout it returns a
// *WaitError naming every container that is not ready.
func (s *Stack) waitReady(ctx context.Context, run *running, o UpOptions) error {
	targets := waitTargets(run)
	if len(targets) == 0 {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	if o.WaitTimeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, o.WaitTimeout)
	}
	defer cancel()
	w := s.watch(wctx, run.project.Name)
	defer w.close()

	for _, t := range targets {
		s.emit(Event{Kind: KindContainer, Name: t.name, Service: t.service, Status: StatusWaiting})
	}
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.waitOne(wctx, w, t)
			var nr *notReadyError
			if errors.As(errs[i], &nr) {
				// One failure decides: stop waiting for the others.
				cancel()
			}
		}()
	}
	wg.Wait()

	var failed, pending []int
	for i, err := range errs {
		var nr *notReadyError
		switch {
		case err == nil:
		case errors.As(err, &nr):
			failed = append(failed, i)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			pending = append(pending, i)
		default:
			// The engine failed us; there is nothing better to report.
			if ctx.Err() == nil {
				return fmt.Errorf("wait for container %s: %w", targets[i].name, err)
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
		n := NotReady{Service: t.service, Container: t.name, Reason: "is not ready"}
		var nr *notReadyError
		if errors.As(errs[i], &nr) {
			n.Reason, n.Failed = nr.reason, true
		}
		werr.NotReady = append(werr.NotReady, n)
	}
	s.completeReport(ctx, werr, run.idOf, false)
	return werr
}

// notReadyError says why a container cannot become ready.
type notReadyError struct{ reason string }

func (e *notReadyError) Error() string { return e.reason }

// waitTargets lists the containers of run to wait for, in name order.
func waitTargets(run *running) []waitTarget {
	p := run.project
	inRun := map[string]bool{}
	for _, m := range run.members {
		inRun[m.service] = true
	}
	completion := map[string]bool{}
	for name := range inRun {
		for dep, d := range p.Services[name].DependsOn {
			if Condition(d.Condition) == ConditionCompleted {
				completion[dep] = true
			}
		}
	}
	var ts []waitTarget
	for _, m := range run.members {
		if m.id == "" {
			continue
		}
		t := waitTarget{member: m, condition: ConditionReady, restart: p.Services[m.service].Restart}
		if completion[m.service] {
			t.condition = ConditionCompleted
		}
		ts = append(ts, t)
	}
	return ts
}

// waitOne waits for one container to be ready (nil) or to fail (a
// *notReadyError), and reports which.
func (s *Stack) waitOne(ctx context.Context, w *watcher, t waitTarget) error {
	d, err := s.engine.InspectContainer(ctx, t.id)
	if err != nil {
		return err
	}
	w.seed(t.id, d)
	var v verdict
	var last cstate
	err = w.until(ctx, t.id, func(st cstate) bool {
		last = st
		v = judge(st, t.condition, t.restart)
		return v.done()
	})
	switch {
	case err != nil:
		return err
	case v.met:
		status, text := StatusHealthy, ""
		if last.exited {
			status, text = StatusExited, "exited with code 0"
		}
		s.emit(Event{Kind: KindContainer, Name: t.name, Service: t.service, Status: status, Done: true, Text: text})
		return nil
	}
	s.emit(Event{Kind: KindContainer, Name: t.name, Service: t.service, Status: StatusError, Done: true,
		Error: "container " + t.name + " " + v.failed})
	return &notReadyError{reason: v.failed}
}

// idOf returns the ID of the run's container called name.
func (r *running) idOf(name string) string {
	for _, m := range r.members {
		if m.name == name {
			return m.id
		}
	}
	return ""
}

// waitFailed turns the failure of converge under up --wait into a
// *WaitError that shows the failed containers (exited with an error, or
// unhealthy) with their health output and last log lines. It returns err
// unchanged when ctx ended or no such container is found.
func (s *Stack) waitFailed(ctx context.Context, run *running, err error) error {
	if run == nil || ctx.Err() != nil {
		return err
	}
	all := make([]NotReady, 0, len(run.members))
	for _, m := range run.members {
		if m.id != "" {
			all = append(all, NotReady{Service: m.service, Container: m.name})
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	g, gctx := errgroup.WithContext(rctx)
	g.SetLimit(s.parallel)
	for i := range all {
		g.Go(func() error {
			s.inspectInto(gctx, &all[i], run.idOf(all[i].Container))
			return nil
		})
	}
	_ = g.Wait()
	werr := &WaitError{Cause: err}
	for _, n := range all {
		switch {
		case (n.State == engine.StateExited || n.State == engine.StateDead) && n.ExitCode != 0:
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
	s.completeReport(ctx, werr, run.idOf, true)
	return werr
}
