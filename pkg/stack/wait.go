package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	// DownProject takes the project down once the first container exited.
	DownProject bool
}

// Wait blocks until the first container of services exits and returns
// &ExitError{Code: its exit code} when that is not 0. A container that has
// already exited counts at once.
func (s *Stack) Wait(ctx context.Context, project string, services []string, o WaitOptions) error {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: services, All: true, OneOff: &oneOff})
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return fmt.Errorf("no containers of services %v in project %q", services, project)
	}
	wctx, cancel := context.WithCancel(ctx)
	type result struct {
		c    engine.Container
		code int
		err  error
	}
	results := make(chan result, len(cs))
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := s.engine.WaitContainer(wctx, c.ID)
			results <- result{c, code, err}
		}()
	}
	var first result
	var errs []error
	for range cs {
		r := <-results
		if r.err == nil {
			first = r
			break
		}
		if !errors.Is(r.err, engine.ErrNotFound) {
			errs = append(errs, r.err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	cancel()
	wg.Wait()
	if first.c.ID == "" {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(errs) == 0 {
			return fmt.Errorf("every container of services %v in project %q was removed", services, project)
		}
		return errors.Join(errs...)
	}
	s.emit(Event{Kind: KindContainer, Name: first.c.Name, Service: first.c.Service, Status: StatusExited, Done: true,
		Text: fmt.Sprintf("exited with code %d", first.code)})
	if o.DownProject {
		if err := s.Down(ctx, project, nil, DownOptions{}); err != nil {
			return err
		}
	}
	if first.code != 0 {
		return &ExitError{Code: first.code}
	}
	return nil
}
