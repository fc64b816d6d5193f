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

// BuildOptions tune Build.
type BuildOptions struct {
	// Services selects what to build; empty means every service with a
	// build section. Named services without one are skipped.
	Services []string
	// NoCache builds every step afresh; Pull always pulls the base images.
	NoCache bool
	Pull    bool
	// Args override the build arguments of the stack file; a nil value
	// declares the argument without a value.
	Args map[string]*string
	// Quiet asks the builder for no step output.
	Quiet bool
	// Memory limits the memory of the build's containers, in bytes.
	Memory int64
	// DryRun reports what would be built and builds nothing.
	DryRun bool
}

// ImageName is the image a service runs: its image key, else the name
// Compose gives the image it builds, "<project>-<service>".
func ImageName(p *types.Project, s types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return p.Name + "-" + s.Name
}

// Build builds the images of the selected services that have a build
// section, in parallel, each distinct image once even when several services
// share it. Every line of the builder's output is an image event with
// Status Building and the line in Text.
func (s *Stack) Build(ctx context.Context, p *types.Project, o BuildOptions) error {
	builds, err := selectBuilds(p, o.Services)
	if err != nil {
		return err
	}
	return s.buildImages(ctx, p, builds, o)
}

// selectBuilds returns the services (all when none is named) that have a
// build section.
func selectBuilds(p *types.Project, services []string) ([]imageBuild, error) {
	svcs, err := servicesOf(p, services)
	if err != nil {
		return nil, err
	}
	var builds []imageBuild
	for _, svc := range svcs {
		if svc.Build != nil {
			builds = append(builds, imageBuild{service: svc})
		}
	}
	return builds, nil
}

// buildLabels are the labels stack adds to the images it builds, as
// Compose does: they tie an image to its project and service.
func buildLabels(p *types.Project, svc types.ServiceConfig) map[string]string {
	return map[string]string{
		engine.LabelProject: p.Name,
		engine.LabelService: svc.Name,
		engine.LabelVersion: engine.ComposeVersion,
	}
}

// imageBuild is one service whose image is to be built.
type imageBuild struct {
	service types.ServiceConfig
}

// buildImages builds each distinct image of builds once; the service of
// the first build (by service name) of an image gives the build section.
func (s *Stack) buildImages(ctx context.Context, p *types.Project, builds []imageBuild, o BuildOptions) error {
	sort.Slice(builds, func(i, j int) bool { return builds[i].service.Name < builds[j].service.Name })
	seen := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, b := range builds {
		ref := ImageName(p, b.service)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		g.Go(func() error { return s.buildOne(gctx, p, b.service, ref, o) })
	}
	return g.Wait()
}

// buildOne builds and tags the image ref of service svc.
func (s *Stack) buildOne(ctx context.Context, p *types.Project, svc types.ServiceConfig, ref string, o BuildOptions) error {
	ev := Event{Kind: KindImage, Name: ref, Service: svc.Name}
	status := func(st Status, done bool, text string) {
		e := ev
		e.Status, e.Done, e.Text = st, done, text
		s.emit(e)
	}
	status(StatusBuilding, false, "")
	if o.DryRun {
		status(StatusBuilt, true, "")
		return nil
	}
	req := engine.BuildRequest{
		Build:   *svc.Build,
		Tags:    []string{ref},
		Args:    o.Args,
		Labels:  buildLabels(p, svc),
		NoCache: o.NoCache,
		Pull:    o.Pull,
		Quiet:   o.Quiet,
		Memory:  o.Memory,
	}
	_, err := s.engine.BuildImage(ctx, req, func(line string) { status(StatusBuilding, false, line) })
	if err != nil {
		err = fmt.Errorf("service %q: %w", svc.Name, err)
		// The caller's error says why, once.
		e := ev
		e.Status, e.Done, e.Error = StatusError, true, "build failed"
		if ctx.Err() != nil {
			e.Error = "interrupted"
		}
		s.emit(e)
		return err
	}
	status(StatusBuilt, true, "")
	return nil
}

// ImageOptions tune PrepareImages.
type ImageOptions struct {
	// Services whose images are needed; empty means all.
	Services []string
	// Build builds every selected service that has a build section (up
	// --build); NoBuild never builds, so a missing image is an error.
	Build   bool
	NoBuild bool
	// Pull overrides every service's pull_policy: "always", "missing",
	// "never" or "build"; "" keeps them.
	Pull string
	// Build options used for the builds.
	BuildOptions BuildOptions
}

// EnsureImages makes the images of services (all when empty) present on
// the engine: with build, every service with a build section is built;
// otherwise only missing images are built (services with a build section)
// or pulled, as each service's pull_policy says. See PrepareImages.
func (s *Stack) EnsureImages(ctx context.Context, p *types.Project, services []string, build bool) error {
	return s.PrepareImages(ctx, p, ImageOptions{Services: services, Build: build})
}

// PrepareImages builds or pulls what the selected services need, following
// Compose's pull policies:
//
//   - a service with a build section is built with o.Build or pull_policy
//     "build", else when its image is missing (Compose would try a pull
//     first; without a registry that only delays the build);
//   - pull_policy "always" pulls; "missing" (the default) and
//     "if_not_present" pull a missing image; "never" requires it; the
//     refresh policies ("refresh" with pull_refresh_after, "daily",
//     "weekly", "every_12h") pull a missing image, and one last pulled
//     (tagged) longer ago than they allow;
//   - a missing image that can be neither built nor pulled is an error
//     wrapping ErrImageMissing that names the service and the image.
//
// A pull is bounded by PullTimeout. Nothing is created or started.
func (s *Stack) PrepareImages(ctx context.Context, p *types.Project, o ImageOptions) error {
	names := o.Services
	if len(names) == 0 {
		names = sortedKeys(p.Services)
	}
	switch o.Pull {
	case "", types.PullPolicyAlways, types.PullPolicyMissing, types.PullPolicyNever, types.PullPolicyBuild, types.PullPolicyIfNotPresent:
	default:
		return fmt.Errorf("invalid --pull value %q: use one of always, missing, never, build", o.Pull)
	}
	type need struct {
		svc    types.ServiceConfig
		ref    string
		policy string
		age    time.Duration // for PullPolicyRefresh
	}
	var check []need
	var builds []imageBuild
	var pulls []need
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		policy, age, err := pullPolicy(svc, o.Pull)
		if err != nil {
			return err
		}
		n := need{svc: svc, ref: ImageName(p, svc), policy: policy, age: age}
		switch {
		case svc.Build != nil && !o.NoBuild && (o.Build || policy == types.PullPolicyBuild):
			builds = append(builds, imageBuild{service: svc})
		case policy == types.PullPolicyBuild && svc.Build == nil:
			return fmt.Errorf("service %q: pull_policy is build but the service has no build section", name)
		case policy == types.PullPolicyAlways:
			pulls = append(pulls, n)
		default:
			check = append(check, n)
		}
	}

	// Which images are missing: one inspect per distinct image.
	missing := map[string]bool{}
	present := map[string]engine.Image{}
	{
		refs := map[string]bool{}
		for _, n := range check {
			refs[n.ref] = true
		}
		var mu sync.Mutex
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(s.parallel)
		for ref := range refs {
			g.Go(func() error {
				img, err := s.engine.InspectImage(gctx, ref)
				mu.Lock()
				defer mu.Unlock()
				if errors.Is(err, engine.ErrNotFound) {
					missing[ref] = true
					return nil
				}
				present[ref] = img
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	now := time.Now()
	for _, n := range check {
		if !missing[n.ref] {
			if n.policy == types.PullPolicyRefresh && n.svc.Build == nil && stale(present[n.ref], n.age, now) {
				pulls = append(pulls, n)
			}
			continue
		}
		switch {
		case n.svc.Build != nil && !o.NoBuild:
			builds = append(builds, imageBuild{service: n.svc})
		case n.policy == types.PullPolicyNever || n.svc.Build != nil:
			return missingImage(n.svc, n.ref, nil)
		default:
			pulls = append(pulls, n)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.buildImages(gctx, p, builds, o.BuildOptions) })
	seen := map[string]bool{}
	for _, n := range pulls {
		if seen[n.ref] {
			continue
		}
		seen[n.ref] = true
		g.Go(func() error {
			if err := s.pullOne(gctx, n.svc.Name, n.ref, PullTimeout); err != nil {
				return missingImage(n.svc, n.ref, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// missingImage is the one error for an image that is not on the engine and
// could not be obtained: it names the service and the image, and says how
// to provide the image. cause is the failed pull, if any.
func missingImage(svc types.ServiceConfig, ref string, cause error) error {
	var hint string
	switch {
	case svc.Build != nil:
		hint = fmt.Sprintf("build it with \"stack build %s\" or \"stack up --build\"", svc.Name)
	default:
		hint = fmt.Sprintf("add a build: section to the service and run \"stack build %s\", or tag a local image with that name: docker tag IMAGE %s", svc.Name, ref)
	}
	if cause != nil {
		if errors.Is(cause, context.Canceled) {
			return cause
		}
		// The registry refused the credentials: that line says what to
		// do, a hint about building would not. (One that cannot be
		// reached keeps the hint: the image may be meant to be local.)
		var refused *engine.RegistryError
		if errors.As(cause, &refused) && refused.Denied {
			return fmt.Errorf("service %q: %w", svc.Name, cause)
		}
		return fmt.Errorf("service %q: image %q: %w and could not be pulled (%v); %s", svc.Name, ref, ErrImageMissing, cause, hint)
	}
	return fmt.Errorf("service %q: image %q: %w (pull_policy never); %s", svc.Name, ref, ErrImageMissing, hint)
}
