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
	// oom tells that the kernel killed a process of the container for
	// lack of memory.
	oom    bool
	health string
	// hasHealth tells that the container has a healthcheck: the engine
	// reports a health state (starting at first) for those only.
	hasHealth bool
	changed   chan struct{} // closed and replaced on every change
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
		st.running, st.exited, st.seenRun, st.oom = true, false, true, false
	case ev.Action == "oom":
		st.oom = true
	case ev.Action == "die":
		st.running, st.exited, st.seenRun = false, true, true
		st.exitCode, _ = strconv.Atoi(ev.ExitCode)
	case strings.HasPrefix(ev.Action, "health_status"):
		_, h, _ := strings.Cut(ev.Action, ":")
		st.health, st.seenHealth, st.hasHealth = strings.TrimSpace(h), true, true
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
		st.oom = d.OOMKilled
	}
	if !st.seenHealth {
		st.health = d.Health
	}
	st.hasHealth = st.hasHealth || d.Health != ""
}

// await blocks until container id (called name) meets condition c, and
// fails when it never will. The container is inspected once after the
// watcher subscribed, to catch what happened before the stream started.
// restart is the service's restart policy (see judge).
func (s *Stack) await(ctx context.Context, w *watcher, id, name string, c Condition, restart string) error {
	d, err := s.engine.InspectContainer(ctx, id)
	if err != nil {
		return err
	}
	w.seed(id, d)
	var v verdict
	err = w.until(ctx, id, func(st cstate) bool {
		v = judge(st, c, restart)
		return v.done()
	})
	switch {
	case err == nil && v.failed != "":
		return fmt.Errorf("container %s %s", name, v.failed)
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("waiting for container %s: %w", name, err)
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
