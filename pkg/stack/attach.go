package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// teardownTimeout bounds the graceful stop of a foreground up after the
// user interrupted it.
const teardownTimeout = 2 * time.Minute

// attach follows the logs of the started containers until they have all
// exited or ctx ends; then it stops the stack gracefully, or kills it when
// o.Kill closes.
func (s *Stack) attach(ctx context.Context, p *types.Project, run *running, o UpOptions) error {
	keys := make([]string, 0, len(run.nodes))
	for k := range run.nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var wg sync.WaitGroup
	for _, k := range keys {
		n := run.nodes[k]
		if n.id == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.follow(ctx, n, o.Attach)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.emit(Event{Kind: KindService, Name: p.Name, Status: StatusStopping, Text: "gracefully stopping... (press Ctrl+C again to force)"})
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	err := s.stopRunning(stopCtx, run, o)
	<-done
	if err != nil {
		return err
	}
	return ctx.Err()
}

// follow streams one container's logs to sink and reports its exit.
func (s *Stack) follow(ctx context.Context, n *cnode, sink LogSink) {
	tmpl := LogLine{Service: n.step.Service, Container: n.step.Name, Number: n.step.Number}
	out := &lineWriter{sink: sink, tmpl: tmpl}
	out.tmpl.Stream = "stdout"
	errw := &lineWriter{sink: sink, tmpl: tmpl}
	errw.tmpl.Stream = "stderr"
	err := s.engine.Logs(ctx, n.id, engine.LogOptions{Follow: true, Tail: "all"}, out, errw)
	out.Flush()
	errw.Flush()
	if ctx.Err() != nil || err != nil && errors.Is(err, context.Canceled) {
		return
	}
	code, werr := s.engine.WaitContainer(context.WithoutCancel(ctx), n.id)
	text := fmt.Sprintf("exited with code %d", code)
	if werr != nil {
		text = werr.Error()
	}
	s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusExited, Done: true, Text: text})
}

// stopRunning stops the run's containers in reverse dependency order; a
// close of o.Kill switches to killing whatever is still up.
func (s *Stack) stopRunning(ctx context.Context, run *running, o UpOptions) error {
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
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, n := range run.nodes {
		if n.id == "" {
			continue
		}
		g.Go(func() error {
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusStopping})
			if err := s.engine.StopContainer(gctx, n.id, o.Timeout); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusStopped, Done: true})
			return nil
		})
	}
	err := g.Wait()
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
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, n := range run.nodes {
		if n.id == "" {
			continue
		}
		g.Go(func() error {
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusKilling})
			err := s.engine.KillContainer(gctx, n.id, "SIGKILL")
			if err != nil && !errors.Is(err, engine.ErrNotFound) && !errors.Is(err, engine.ErrConflict) {
				return err
			}
			s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusKilled, Done: true})
			return nil
		})
	}
	return g.Wait()
}
