package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// PullTimeout bounds one image pull: without a reachable registry the
// engine may otherwise wait for a long time.
const PullTimeout = 30 * time.Second

// PullOptions tune Pull.
type PullOptions struct {
	// Services selects what to pull; empty means all.
	Services []string
	// Policy is "always" (the default: pull every image) or "missing"
	// (only images not on the engine).
	Policy string
	// IgnoreBuildable skips services that have a build section.
	IgnoreBuildable bool
	// IgnorePullFailures reports failed pulls as warnings, not errors.
	IgnorePullFailures bool
	// DryRun reports what would be pulled and pulls nothing.
	DryRun bool
}

// Pull pulls the images of the selected services, each distinct image
// once, in parallel. Services without an image key (built only), with
// pull_policy never or build, or, with IgnoreBuildable, with a build
// section, are skipped. A failed pull of an image that a service can
// build is a warning; any other is an error naming the service and the
// image (see missingImage), unless IgnorePullFailures.
func (s *Stack) Pull(ctx context.Context, p *types.Project, o PullOptions) error {
	switch o.Policy {
	case "", types.PullPolicyAlways, types.PullPolicyMissing, types.PullPolicyIfNotPresent:
	default:
		return fmt.Errorf("invalid --policy value %q: use always or missing", o.Policy)
	}
	names := o.Services
	if len(names) == 0 {
		names = sortedKeys(p.Services)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	seen := map[string]bool{}
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		ref := ImageName(p, svc)
		skip := func(why string) {
			s.emit(Event{Kind: KindImage, Name: ref, Service: name, Status: StatusSkipped, Done: true, Text: why})
		}
		switch {
		case svc.Image == "":
			skip("no image to be pulled")
			continue
		case svc.PullPolicy == types.PullPolicyNever || svc.PullPolicy == types.PullPolicyBuild:
			skip("pull_policy " + svc.PullPolicy)
			continue
		case o.IgnoreBuildable && svc.Build != nil:
			skip("the service is built")
			continue
		case seen[ref]:
			continue
		}
		seen[ref] = true
		g.Go(func() error {
			if o.Policy == types.PullPolicyMissing || o.Policy == types.PullPolicyIfNotPresent {
				_, err := s.engine.InspectImage(gctx, ref)
				if err == nil {
					skip("image is already present locally")
					return nil
				}
				if !errors.Is(err, engine.ErrNotFound) {
					return err
				}
			}
			if o.DryRun {
				s.emit(Event{Kind: KindImage, Name: ref, Service: name, Status: StatusPulled, Done: true})
				return nil
			}
			err := s.pullOne(gctx, name, ref, PullTimeout)
			switch {
			case err == nil:
				return nil
			case errors.Is(err, context.Canceled):
				return err
			case svc.Build != nil || o.IgnorePullFailures:
				text := "pull failed"
				if svc.Build != nil {
					text = "pull failed; the image will be built"
				}
				s.emit(Event{Kind: KindImage, Name: ref, Service: name, Status: StatusWarning, Done: true, Text: text, Error: err.Error()})
				return nil
			}
			return missingImage(svc, ref, err)
		})
	}
	return g.Wait()
}

// pullOne pulls ref for service, reporting progress, bounded by timeout.
func (s *Stack) pullOne(ctx context.Context, service, ref string, timeout time.Duration) error {
	ev := Event{Kind: KindImage, Name: ref, Service: service}
	emit := func(status Status, done bool, text, errText string) {
		e := ev
		e.Status, e.Done, e.Text, e.Error = status, done, text, errText
		s.emit(e)
	}
	emit(StatusPulling, false, "", "")
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := s.engine.PullImage(pctx, ref, func(line string) { emit(StatusPulling, false, line, "") })
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("pull image %q: no answer from the registry within %s", ref, timeout)
	}
	if err != nil {
		if ctx.Err() == nil {
			// The caller's error says why, once.
			emit(StatusError, true, "", "pull failed")
		}
		return err
	}
	emit(StatusPulled, true, "", "")
	return nil
}
