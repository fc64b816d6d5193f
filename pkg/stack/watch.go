package stack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// watcher follows the engine's event stream of a project and keeps the last
// known state of each container, so waits need no polling.
type watcher struct {
	mu     sync.Mutex
	states map[string]*cstate // by container ID
	err    error              // why the stream ended, once done is closed
	done   chan struct{}
	stop   context.CancelFunc
}

// cstate is what the event stream told about one container.
type cstate struct {
	// seenRun and seenHealth tell that a start/die or a health event
	// arrived: for that part of the state, events are newer than, or
	// followed by events newer than, an inspect that comes after them.
	seenRun    bool
	seenHealth bool
	running    bool
	exited     bool
	exitCode   int
	health     string
	changed    chan struct{} // closed and replaced on every change
}

// watch subscribes to the project's container events. The caller must call
// close, which waits for the reading goroutine.
func (s *Stack) watch(ctx context.Context, project string) *watcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{states: map[string]*cstate{}, done: make(chan struct{}), stop: cancel}
	events, errs := s.engine.Events(ctx, engine.Filter{Project: project})
	go func() {
		defer close(w.done)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					w.finish(<-errs)
					return
				}
				w.apply(ev)
			case err := <-errs:
				w.finish(err)
				return
			}
		}
	}()
	return w
}

func (w *watcher) finish(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		err = errors.New("the engine's event stream ended")
	}
	w.err = err
}

// close stops the stream and waits for the reader to return.
func (w *watcher) close() {
	w.stop()
	<-w.done
}

func (w *watcher) state(id string) *cstate {
	st, ok := w.states[id]
	if !ok {
		st = &cstate{changed: make(chan struct{})}
		w.states[id] = st
	}
	return st
}

func (w *watcher) apply(ev engine.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.state(ev.ID)
	switch {
	case ev.Action == "start" || ev.Action == "restart" || ev.Action == "unpause":
		st.running, st.exited, st.seenRun = true, false, true
	case ev.Action == "die":
		st.running, st.exited, st.seenRun = false, true, true
		st.exitCode, _ = strconv.Atoi(ev.ExitCode)
	case strings.HasPrefix(ev.Action, "health_status"):
		_, h, _ := strings.Cut(ev.Action, ":")
		st.health, st.seenHealth = strings.TrimSpace(h), true
	default:
		return
	}
	close(st.changed)
	st.changed = make(chan struct{})
}

// seed records an inspect result for the parts of the state no event has
// told about yet. Other events (exec_start of health probes, attach...)
// do not count: they say nothing about those parts.
func (w *watcher) seed(id string, d engine.ContainerDetails) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.state(id)
	if !st.seenRun {
		st.running = d.Running
		st.exited = !d.Running && !d.FinishedAt.IsZero()
		st.exitCode = d.ExitCode
	}
	if !st.seenHealth {
		st.health = d.Health
	}
}

// errNoHealthcheck is returned when a service_healthy dependency has no
// healthcheck to wait for.
var errNoHealthcheck = errors.New("has no healthcheck configured")

// waitFor blocks until the container id meets condition, which is
// service_healthy or service_completed_successfully. The container is
// inspected once after subscribing, to catch what happened before the
// stream started.
func (s *Stack) waitFor(ctx context.Context, w *watcher, id, name, condition string) error {
	d, err := s.engine.InspectContainer(ctx, id)
	if err != nil {
		return err
	}
	if condition == conditionHealthy && d.Health == "" {
		return fmt.Errorf("container %s %w", name, errNoHealthcheck)
	}
	w.seed(id, d)
	var met error
	err = w.until(ctx, id, func(st cstate) bool {
		var done bool
		done, met = conditionMet(st, condition, name)
		return done
	})
	switch {
	case err == nil:
		return met
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("waiting for container %s: %w", name, err)
}

// conditionMet tells whether a container in state st meets a depends_on
// condition, or never will (err).
func conditionMet(st cstate, condition, name string) (bool, error) {
	switch condition {
	case conditionHealthy:
		switch {
		case st.health == "healthy":
			return true, nil
		case st.health == "unhealthy":
			return true, fmt.Errorf("container %s is unhealthy", name)
		case st.exited:
			return true, fmt.Errorf("container %s exited (%d) before it was healthy", name, st.exitCode)
		}
	case conditionCompleted:
		if st.exited && st.exitCode != 0 {
			return true, fmt.Errorf("container %s exited (%d), so it did not complete successfully", name, st.exitCode)
		}
		return st.exited, nil
	default:
		return st.running || st.exited, nil
	}
	return false, nil
}

// until calls done with the state of container id, now and after each
// change, until it returns true. It fails when ctx ends (ctx.Err()) or
// the event stream does (the stream's error).
func (w *watcher) until(ctx context.Context, id string, done func(cstate) bool) error {
	for {
		w.mu.Lock()
		st := w.state(id)
		snap, changed := *st, st.changed
		w.mu.Unlock()
		if done(snap) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-w.done:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.err
		}
	}
}

const (
	conditionStarted   = "service_started"
	conditionHealthy   = "service_healthy"
	conditionCompleted = "service_completed_successfully"
)
