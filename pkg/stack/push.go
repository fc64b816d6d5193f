package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"
)

// Status values of image pushes, in Compose's words.
const (
	StatusPushing Status = "Pushing"
	StatusPushed  Status = "Pushed"
)

// PushOptions tune Push.
type PushOptions struct {
	// Services selects what to push; empty means all.
	Services []string
	// IgnoreFailures reports failed pushes as warnings, not errors.
	IgnoreFailures bool
	// DryRun reports what would be pushed and pushes nothing.
	DryRun bool
}

// Push pushes the images of the selected services that are built and
// named, as docker compose push does: a service with both a build section
// and an image key, with its image and every tag of build.tags, each
// distinct reference once, in parallel. Others are reported as skipped.
// Credentials come from the docker config (see engine.LoadDockerConfig).
func (s *Stack) Push(ctx context.Context, p *types.Project, o PushOptions) error {
	svcs, err := servicesOf(p, o.Services)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	seen := map[string]bool{}
	for _, svc := range svcs {
		name := svc.Name
		if svc.Build == nil || svc.Image == "" {
			why := "no build section"
			if svc.Build != nil {
				why = "no image key to push to"
			}
			s.emit(Event{Kind: KindImage, Name: ImageName(p, svc), Service: name, Status: StatusSkipped, Done: true, Text: why})
			continue
		}
		for _, ref := range append([]string{svc.Image}, svc.Build.Tags...) {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			g.Go(func() error { return s.pushOne(gctx, name, ref, o) })
		}
	}
	return g.Wait()
}

// servicesOf returns the named services of p (all, by name, when none is
// named); a name that is not a service is an error.
func servicesOf(p *types.Project, names []string) ([]types.ServiceConfig, error) {
	if len(names) == 0 {
		names = sortedKeys(p.Services)
	}
	out := make([]types.ServiceConfig, 0, len(names))
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return nil, fmt.Errorf("no such service: %s", name)
		}
		out = append(out, svc)
	}
	return out, nil
}

// pushOne pushes ref of service, reporting progress.
func (s *Stack) pushOne(ctx context.Context, service, ref string, o PushOptions) error {
	ev := Event{Kind: KindImage, Name: ref, Service: service, Status: StatusPushing}
	s.emit(ev)
	if o.DryRun {
		ev.Status, ev.Done = StatusPushed, true
		s.emit(ev)
		return nil
	}
	err := s.engine.PublishImage(ctx, ref, func(line string) {
		e := ev
		e.Text = line
		s.emit(e)
	})
	switch {
	case err == nil:
		ev.Status, ev.Done = StatusPushed, true
		s.emit(ev)
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case o.IgnoreFailures:
		ev.Status, ev.Done, ev.Text, ev.Error = StatusWarning, true, "push failed", err.Error()
		s.emit(ev)
		return nil
	}
	// The caller's error says why, once.
	ev.Status, ev.Done, ev.Error = StatusError, true, "push failed"
	s.emit(ev)
	return fmt.Errorf("service %q: %w", service, err)
}
