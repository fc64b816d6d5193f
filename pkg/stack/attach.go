package stack

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// teardownTimeout bounds the graceful stop of a foreground up after the
// user interrupted it or a container ended the run.
const teardownTimeout = 2 * time.Minute

// Texts of the service events a foreground up emits when it stops the stack.
const (
	textGraceful = "gracefully stopping... (press Ctrl+C again to force)"
	textAborting = "Aborting on container exit..."
)

// exitNote reports that a container of the run exited.
type exitNote struct {
	m    member
	code int
	err  error
}

// attach follows the logs of the run's attached services and watches its
// containers for exits until the run ends, as a foreground docker compose
// up does:
//
//   - when every watched container has exited, attach returns (the others
//     keep running);
//   - with CascadeStop, the first watched container to exit, and with
//     CascadeFail the first to exit with a code other than 0, stops every
//     other container of the run, dependents first;
//   - when ctx ends (Ctrl-C), the run's containers are stopped the same way,
//     or killed when o.Kill closes, and ctx's error is returned.
//
// The result is an *ExitError carrying the exit code of the first container
// of o.ExitCodeFrom to exit, or else of the container that ended the run,
// when that code is not 0.
func (s *Stack) attach(ctx context.Context, run *running, o UpOptions) error {
	follow, watched := attachSets(run, o)
	cascade := o.Cascade
	if cascade == CascadeNone && o.ExitCodeFrom != "" {
		// Compose's rule: --exit-code-from implies --abort-on-container-exit.
		cascade = CascadeStop
	}

	// Followers outlive ctx: after an interrupt they show the containers
	// stopping, until the stop is done.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	exits := make(chan exitNote)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	pending := 0
	for _, m := range run.members {
		if m.id == "" || !follow[m.name] && !watched[m.name] {
			continue
		}
		if watched[m.name] {
			pending++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if follow[m.name] {
				s.follow(lctx, m, o.Attach)
			}
			code, err := s.engine.WaitContainer(lctx, m.id)
			if lctx.Err() != nil {
				return
			}
			select {
			case exits <- exitNote{m: m, code: code, err: err}:
			case <-lctx.Done():
			}
		}()
	}

	var (
		aborting    bool
		stopDone    chan error // set while a stop is in flight
		stopErr     error
		waitErr     error
		endCode     int
		fromCode    int
		haveFrom    bool
		interrupted = ctx.Done()
		exited      = map[string]bool{}
	)
	stop := func(text string) {
		aborting = true
		s.emit(Event{Kind: KindService, Name: run.project.Name, Status: StatusStopping, Text: text})
		skip := maps.Clone(exited)
		done := make(chan error, 1)
		stopDone = done
		go func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
			defer cancel()
			done <- s.stopRunning(sctx, run, skip, o)
		}()
	}
	for pending > 0 || stopDone != nil {
		select {
		case e := <-exits:
			m := e.m
			exited[m.name] = true
			if watched[m.name] {
				pending--
			}
			if e.err != nil {
				s.emit(Event{Kind: KindContainer, Name: m.name, Service: m.service, Status: StatusError, Done: true, Error: e.err.Error()})
				if waitErr == nil {
					waitErr = fmt.Errorf("service %q: %w", m.service, e.err)
				}
				continue
			}
			s.emit(Event{Kind: KindContainer, Name: m.name, Service: m.service, Status: StatusExited, Done: true,
				Text: fmt.Sprintf("exited with code %d", e.code)})
			if m.service == o.ExitCodeFrom && !haveFrom {
				fromCode, haveFrom = e.code, true
			}
			if !aborting && watched[m.name] && (cascade == CascadeStop || cascade == CascadeFail && e.code != 0) {
				endCode = e.code
				stop(textAborting)
			}
		case <-interrupted:
			interrupted = nil
			if !aborting {
				stop(textGraceful)
			}
		case err := <-stopDone:
			stopDone = nil
			if err != nil {
				// Some containers may never exit: do not wait for them.
				stopErr, pending = err, 0
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case stopErr != nil:
		return stopErr
	case haveFrom:
		endCode = fromCode
	case o.ExitCodeFrom != "" && waitErr != nil:
		return waitErr
	}
	if endCode != 0 {
		return &ExitError{Code: endCode}
	}
	return nil
}

// attachSets decides, by container name, which containers of the run a
// foreground up follows the logs of, and which it watches for exits; as
// Compose does:
//
//   - followed: the services of o.AttachTo; else the services named in
//     o.Services (all of the run when none), with the run's other services
//     when o.AttachDependencies, less those with "attach: false"; less
//     o.NoAttach in every case;
//   - watched: the services named in o.Services, else the followed ones
//     (all of the run when none is followed), and o.ExitCodeFrom.
func attachSets(run *running, o UpOptions) (follow, watched map[string]bool) {
	p := run.project
	inRun := map[string]bool{}
	for _, m := range run.members {
		inRun[m.service] = true
	}
	attach := map[string]bool{}
	switch {
	case len(o.AttachTo) > 0:
		for _, name := range o.AttachTo {
			attach[name] = true
		}
	default:
		base := o.Services
		if len(base) == 0 || o.AttachDependencies {
			base = sortedKeys(inRun)
		}
		for _, name := range base {
			if a := p.Services[name].Attach; a == nil || *a {
				attach[name] = true
			}
		}
	}
	for _, name := range o.NoAttach {
		delete(attach, name)
	}
	watch := map[string]bool{}
	switch {
	case len(o.Services) > 0:
		for _, name := range o.Services {
			watch[name] = true
		}
	case len(attach) > 0:
		maps.Copy(watch, attach)
	default:
		maps.Copy(watch, inRun)
	}
	if o.ExitCodeFrom != "" {
		watch[o.ExitCodeFrom] = true
	}
	follow, watched = map[string]bool{}, map[string]bool{}
	for _, m := range run.members {
		follow[m.name] = attach[m.service]
		watched[m.name] = watch[m.service]
	}
	return follow, watched
}

// follow streams one container's logs to sink until it stops or ctx ends.
func (s *Stack) follow(ctx context.Context, m member, sink LogSink) {
	tmpl := LogLine{Service: m.service, Container: m.name, Number: m.number}
	out := &lineWriter{sink: sink, tmpl: tmpl}
	out.tmpl.Stream = "stdout"
	errw := &lineWriter{sink: sink, tmpl: tmpl}
	errw.tmpl.Stream = "stderr"
	_ = s.engine.Logs(ctx, m.id, engine.LogOptions{Follow: true, Tail: "all"}, out, errw)
	out.Flush()
	errw.Flush()
}

// stopRunning stops the run's containers but those of skip, dependents
// first, as a stop plan; a close of o.Kill switches to killing whatever
// is still up.
func (s *Stack) stopRunning(ctx context.Context, run *running, skip map[string]bool, o UpOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		select {
		case <-o.Kill:
			cancel()
		case <-ctx.Done():
		}
	}()
	// A second Ctrl-C also ends a wait for the lock: the kill below goes
	// ahead without it.
	if release, err := s.lock(ctx, run.project.Name); err == nil {
		defer release()
	}
	cs := run.containers(skip)
	stop := planLifecycle(run.project.Name, run.project, cs, lifecycle{kind: OpStop, ordered: true, reverse: true, timeout: o.Timeout,
		pick: func(engine.Container) bool { return true }})
	_, err := s.execute(ctx, stop)
	cancel()
	<-killed
	select {
	case <-o.Kill:
		kill := planLifecycle(run.project.Name, run.project, run.containers(nil), lifecycle{kind: OpKill,
			pick: func(engine.Container) bool { return true }})
		_, err := s.execute(context.WithoutCancel(ctx), kill)
		return err
	default:
	}
	return err
}

// containers are the run's containers but those of skip, as engine
// containers that are up, for a stop or kill plan.
func (r *running) containers(skip map[string]bool) []engine.Container {
	var cs []engine.Container
	for _, m := range r.members {
		if m.id == "" || skip[m.name] {
			continue
		}
		cs = append(cs, engine.Container{ID: m.id, Name: m.name, Project: r.project.Name, Service: m.service, Number: m.number, State: engine.StateRunning})
	}
	return cs
}
