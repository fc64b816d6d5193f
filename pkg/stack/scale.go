package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// ErrNotScalable is returned, wrapped with the service and the reason, when
// a service is asked for more than one container but something in it must
// be unique on the host: a fixed published port or a container_name.
var ErrNotScalable = errors.New("cannot be scaled above 1")

// ScaleOptions tune Scale.
type ScaleOptions struct {
	// NoDeps does not start the services the scaled ones depend on.
	NoDeps bool
	// DryRun reports the plan and changes nothing.
	DryRun bool
}

// Scale sets the number of containers of services: it creates the next
// numbers (started after their dependencies) or removes the highest
// numbers first, and leaves the other containers as they are. A service
// that cannot run more than one container is refused before anything is
// touched.
func (s *Stack) Scale(ctx context.Context, p *types.Project, scale map[string]int, o ScaleOptions) error {
	services := make([]string, 0, len(scale))
	for name, n := range scale {
		if _, ok := p.Services[name]; !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		if n < 0 {
			return fmt.Errorf("service %q: cannot scale to %d containers", name, n)
		}
		services = append(services, name)
	}
	sort.Strings(services)
	if err := CheckScale(p, services, scale); err != nil {
		return err
	}
	return s.Up(ctx, p, UpOptions{Services: services, Scale: scale, NoDeps: o.NoDeps, NoRecreate: true, DryRun: o.DryRun})
}

// CheckScale reports the first service of services (all of p when empty)
// whose number of containers, scale[name] or else the file's own, is above
// 1 although the service has a container_name or publishes a fixed host
// port (a port that is not a range): the engine would refuse the second
// container only after the first ones were changed.
func CheckScale(p *types.Project, services []string, scale map[string]int) error {
	if len(services) == 0 {
		services = make([]string, 0, len(p.Services))
		for name := range p.Services {
			services = append(services, name)
		}
		sort.Strings(services)
	}
	for _, name := range services {
		svc, ok := p.Services[name]
		if !ok {
			continue
		}
		want, ok := scale[name]
		if !ok {
			want = svc.GetScale()
		}
		if want <= 1 {
			continue
		}
		if svc.ContainerName != "" {
			return fmt.Errorf("service %q %w: container_name %q must be unique, so it cannot have %d containers", name, ErrNotScalable, svc.ContainerName, want)
		}
		if port, ok := fixedHostPort(svc); ok {
			return fmt.Errorf("service %q %w: it publishes the fixed host port %s, so it cannot have %d containers (publish a range such as \"8000-8009:%d\", or no host port)", name, ErrNotScalable, port, want, portTarget(svc, port))
		}
	}
	return nil
}

// fixedHostPort returns the first published host port of svc that is one
// port rather than a range.
func fixedHostPort(svc types.ServiceConfig) (string, bool) {
	for _, p := range svc.Ports {
		if p.Published != "" && !strings.Contains(p.Published, "-") {
			return p.Published, true
		}
	}
	return "", false
}

func portTarget(svc types.ServiceConfig, published string) uint32 {
	for _, p := range svc.Ports {
		if p.Published == published {
			return p.Target
		}
	}
	return 0
}
