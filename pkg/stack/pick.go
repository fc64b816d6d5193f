package stack

import (
	"context"
	"fmt"
	"sort"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// pickContainer finds the container of service that a verb working on one
// container acts on (attach, commit, export, diff, cp from a service):
// number index when index > 0, else the service's lowest number, one-off
// containers last. Stopped containers are candidates only with stopped.
func (s *Stack) pickContainer(ctx context.Context, project, service string, index int, stopped bool) (engine.Container, error) {
	cs, err := s.serviceContainers(ctx, project, service, stopped, true)
	if err != nil {
		return engine.Container{}, err
	}
	for _, c := range cs {
		if index <= 0 || c.Number == index && !c.OneOff {
			return c, nil
		}
	}
	if index > 0 {
		return engine.Container{}, fmt.Errorf("service %q is not running container #%d", service, index)
	}
	return engine.Container{}, fmt.Errorf("service %q is not running", service)
}

// serviceContainers lists the containers of service, stopped ones with
// stopped, one-off ones with oneOff, by number with one-off containers
// last.
func (s *Stack) serviceContainers(ctx context.Context, project, service string, stopped, oneOff bool) ([]engine.Container, error) {
	f := engine.Filter{Project: project, Services: []string{service}, All: stopped}
	if !oneOff {
		f.OneOff = &oneOff
	}
	cs, err := s.engine.ListContainers(ctx, f)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].OneOff != cs[j].OneOff {
			return !cs[i].OneOff
		}
		if cs[i].Number != cs[j].Number {
			return cs[i].Number < cs[j].Number
		}
		return cs[i].Name < cs[j].Name
	})
	return cs, nil
}

// containerStep reports one operation on container c around do: working
// while it runs, then done, with the text do returns when there is one, or
// the error. With dryRun do is not called.
func (s *Stack) containerStep(c engine.Container, working, done Status, text string, dryRun bool, do func() (string, error)) error {
	ev := Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: working, Text: text}
	s.emit(ev)
	if !dryRun {
		doneText, err := do()
		if err != nil {
			ev.Status, ev.Done, ev.Error = StatusError, true, err.Error()
			s.emit(ev)
			return fmt.Errorf("container %q: %w", c.Name, err)
		}
		if doneText != "" {
			ev.Text = doneText
		}
	}
	ev.Status, ev.Done = done, true
	s.emit(ev)
	return nil
}
