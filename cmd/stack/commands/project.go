package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// projectOptions turns the global flags into project loading options.
func (c *cli) projectOptions() project.Options {
	g := c.global
	return project.Options{
		Files:      g.files,
		Stdin:      c.stdin,
		Name:       g.projectName,
		ProjectDir: g.projectDir,
		EnvFiles:   g.envFiles,
		Profiles:   g.profiles,
		WorkingDir: c.workDir,
		Environ:    c.environ,
		Warn:       func(msg string) { fmt.Fprintf(c.stderr, "stack: warning: %s\n", msg) },
		Strict:     g.strict,
		Model:      c.model,
	}
}

// loadProject loads the stack file. Services named on the command line are
// enabled even when their profile is not active, as in Compose, and must
// exist.
func (c *cli) loadProject(ctx context.Context, services []string) (*types.Project, error) {
	p, err := project.Load(ctx, c.projectOptions())
	if err != nil {
		return nil, err
	}
	if !c.global.allResources {
		// As Compose: what no service uses is neither shown nor created.
		p = p.WithoutUnnecessaryResources()
	}
	if len(services) == 0 {
		return p, nil
	}
	if p, err = p.WithServicesEnabled(services...); err != nil {
		return nil, err
	}
	if err := checkServices(p, services); err != nil {
		return nil, err
	}
	return p, nil
}

// loadValid loads the stack file and checks its dependency graph, so that
// every mistake in it is reported before the engine is contacted.
func (c *cli) loadValid(ctx context.Context, services []string) (*types.Project, error) {
	p, err := c.loadProject(ctx, services)
	if err != nil {
		return nil, err
	}
	if _, err := stack.Graph(p); err != nil {
		return nil, err
	}
	return p, nil
}

// projectOrName loads the stack file for commands that can work from labels
// alone (down, ps, logs, ...): when no -f is given and no stack file is
// found, a project name from -p or COMPOSE_PROJECT_NAME is enough, and p is
// nil. With a stack file, every name in services must be one of its
// services.
func (c *cli) projectOrName(ctx context.Context, services []string) (*types.Project, string, error) {
	p, err := c.loadValid(ctx, nil)
	if err == nil {
		if err := checkServices(p, services); err != nil {
			return nil, "", err
		}
		return p, p.Name, nil
	}
	if len(c.global.files) > 0 || !errors.Is(err, project.ErrNoStackFile) {
		return nil, "", err
	}
	name := c.global.projectName
	if name == "" {
		name = c.getenv("COMPOSE_PROJECT_NAME")
	}
	if name == "" {
		return nil, "", err
	}
	if err := project.ValidateName(name); err != nil {
		return nil, "", err
	}
	return nil, name, nil
}

// loadWithDependencies loads the stack file as loadValid does and returns
// services with, when deps, what they depend on (see withDependencies).
func (c *cli) loadWithDependencies(ctx context.Context, services []string, deps bool) (*types.Project, []string, error) {
	p, err := c.loadValid(ctx, services)
	if err != nil {
		return nil, nil, err
	}
	sel, err := withDependencies(p, services, deps)
	if err != nil {
		return nil, nil, err
	}
	return p, sel, nil
}

// withDependencies returns services and, with deps, every service they
// depend on, transitively (build --with-dependencies, pull --include-deps).
// No services means all of them, and stays so.
func withDependencies(p *types.Project, services []string, deps bool) ([]string, error) {
	if !deps || len(services) == 0 {
		return services, nil
	}
	g, err := stack.Graph(p)
	if err != nil {
		return nil, err
	}
	sel, err := g.Select(services, true)
	if err != nil {
		return nil, err
	}
	return sel.Names(), nil
}

// checkServices reports the first name that is not a service of p.
func checkServices(p *types.Project, names []string) error {
	for _, n := range names {
		if _, ok := p.Services[n]; !ok {
			return fmt.Errorf("no such service: %s", n)
		}
	}
	return nil
}
