package stack

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ProjectSummary is one project on the engine, as ls shows it. Its JSON
// form is Compose's.
type ProjectSummary struct {
	Name string `json:"Name"`
	// Status counts the containers per state: "exited(1), running(2)".
	Status      string `json:"Status"`
	ConfigFiles string `json:"ConfigFiles"`
	// Running is the number of running containers.
	Running int `json:"-"`
}

// LsOptions tune List.
type LsOptions struct {
	// All lists projects without a running container too.
	All bool
}

// List returns the projects that have containers on the engine, from the
// containers' labels, sorted by name: those with a running container, or
// all with o.All.
func (s *Stack) List(ctx context.Context, o LsOptions) ([]ProjectSummary, error) {
	cs, err := s.engine.ListContainers(ctx, engine.Filter{All: true})
	if err != nil {
		return nil, err
	}
	return summarizeProjects(cs, o.All), nil
}

// summarizeProjects groups containers by project.
func summarizeProjects(cs []engine.Container, all bool) []ProjectSummary {
	type acc struct {
		states map[string]int
		files  []string
	}
	byName := map[string]*acc{}
	for _, c := range cs {
		if c.Project == "" {
			continue
		}
		a := byName[c.Project]
		if a == nil {
			a = &acc{states: map[string]int{}}
			byName[c.Project] = a
		}
		a.states[string(c.State)]++
		for _, f := range strings.Split(c.Labels[engine.LabelConfigFiles], ",") {
			if f != "" && !slices.Contains(a.files, f) {
				a.files = append(a.files, f)
			}
		}
	}
	out := make([]ProjectSummary, 0, len(byName))
	for name, a := range byName {
		if !all && a.states["running"] == 0 {
			continue
		}
		states := make([]string, 0, len(a.states))
		for st := range a.states {
			states = append(states, st)
		}
		sort.Strings(states)
		parts := make([]string, len(states))
		for i, st := range states {
			parts[i] = fmt.Sprintf("%s(%d)", st, a.states[st])
		}
		out = append(out, ProjectSummary{Name: name, Status: strings.Join(parts, ", "), ConfigFiles: strings.Join(a.files, ","), Running: a.states["running"]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
