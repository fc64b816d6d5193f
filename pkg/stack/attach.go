package stack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
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
	key  string
	node *cnode
	code int
	err  error
}

// attach follows the logs of the run's attached services and watches its
// containers for exits until the run ends, as a foreground docker compose
// up does:
//
//   - when every watched container has exited, attach returns (the others
//     keep running);
//   - with o.AbortOnExit (or o.ExitCodeFrom), the first watched container
//     to exit, and with o.AbortOnFailure the first to exit with a code other
//     than 0, stops every other container of the run, dependents first;
//   - when ctx ends (Ctrl-C), the run's containers are stopped the same way,
//     or killed when o.Kill closes, and ctx's error is returned.
//
// The result is an *ExitError carrying the exit code of the first container
// of o.ExitCodeFrom to exit, or else of the container that ended the run,
// when that code is not 0.
func (s *Stack) attach(ctx context.Context, p *types.Project, run *running, o UpOptions) error {
	follow, watched := attachSets(p, run, o)
	abortOnExit := o.AbortOnExit || (o.ExitCodeFrom != "" && !o.AbortOnFailure)

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
	for _, key := range sortedKeys(run.nodes) {
		n := run.nodes[key]
		if n.id == "" || !follow[key] && !watched[key] {
			continue
		}
		if watched[key] {
			pending++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if follow[key] {
				s.follow(lctx, n, o.Attach)
			}
			code, err := s.engine.WaitContainer(lctx, n.id)
			if lctx.Err() != nil {
				return
			}
			select {
			case exits <- exitNote{key: key, node: n, code: code, err: err}:
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
		s.emit(Event{Kind: KindService, Name: p.Name, Status: StatusStopping, Text: text})
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
			exited[e.key] = true
			if watched[e.key] {
				pending--
			}
			st := e.node.step
			if e.err != nil {
				s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusError, Done: true, Error: e.err.Error()})
				if waitErr == nil {
					waitErr = fmt.Errorf("service %q: %w", st.Service, e.err)
				}
				continue
			}
			s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusExited, Done: true,
				Text: fmt.Sprintf("exited with code %d", e.code)})
			if st.Service == o.ExitCodeFrom && !haveFrom {
				fromCode, haveFrom = e.code, true
			}
			if !aborting && watched[e.key] && (abortOnExit || o.AbortOnFailure && e.code != 0) {
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

// attachSets decides, by node key, which containers of the run a
// foreground up follows the logs of, and which it watches for exits; as
// Compose does:
//
//   - followed: the services of o.AttachTo; else the services named in
//     o.Services (all of the run when none), with the run's other services
//     when o.AttachDependencies, less those with "attach: false"; less
//     o.NoAttach in every case;
//   - watched: the services named in o.Services, else the followed ones
//     (all of the run when none is followed), and o.ExitCodeFrom.
func attachSets(p *types.Project, run *running, o UpOptions) (follow, watched map[string]bool) {
	inRun := map[string]bool{}
	for _, n := range run.nodes {
		inRun[n.step.Service] = true
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
	for key, n := range run.nodes {
		follow[key] = attach[n.step.Service]
		watched[key] = watch[n.step.Service]
	}
	return follow, watched
}

// follow streams one container's logs to sink until it stops or ctx ends.
func (s *Stack) follow(ctx context.Context, n *cnode, sink LogSink) {
	tmpl := LogLine{Service: n.step.Service, Container: n.step.Name, Number: n.step.Number}
	out := &lineWriter{sink: sink, tmpl: tmpl}
	out.tmpl.Stream = "stdout"
	errw := &lineWriter{sink: sink, tmpl: tmpl}
	errw.tmpl.Stream = "stderr"
	_ = s.engine.Logs(ctx, n.id, engine.LogOptions{Follow: true, Tail: "all"}, out, errw)
	out.Flush()
	errw.Flush()
}

// stopRunning stops the run's containers but those of skip, dependents
// first; a close of o.Kill switches to killing whatever is still up.
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
	stopOne := graph.Visitor{Run: func(ctx context.Context, key string) error {
		n := run.nodes[key]
		if n.id == "" || skip[key] {
			return nil
		}
		s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusStopping})
		if err := s.engine.StopContainer(ctx, n.id, o.Timeout); err != nil && !errors.Is(err, engine.ErrNotFound) {
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusError, Done: true, Error: err.Error()})
			return fmt.Errorf("stop container %q: %w", n.step.Name, err)
		}
		s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusStopped, Done: true})
		return nil
	}}
	err := run.graph.Walk(ctx, graph.WalkOptions{Limit: s.parallel, Reverse: true}, stopOne)
	cancel()
	<-killed
	select {
	case <-o.Kill:
		return s.killRunning(context.WithoutCancel(ctx), run)
	default:
	}
	return err
}

// killRunning sends SIGKILL to every container of the run.
func (s *Stack) killRunning(ctx context.Context, run *running) error {
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.parallel)
	for _, key := range sortedKeys(run.nodes) {
		n := run.nodes[key]
		if n.id == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusKilling})
			err := s.engine.KillContainer(ctx, n.id, "SIGKILL")
			if err != nil && !errors.Is(err, engine.ErrNotFound) && !errors.Is(err, engine.ErrConflict) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("kill container %q: %w", n.step.Name, err))
				mu.Unlock()
				return
			}
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusKilled, Done: true})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
