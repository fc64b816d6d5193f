package stack

import (
	"context"
	"fmt"
	"sort"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Diff lists the filesystem changes of a service's container (number
// index, 0: the first; running or not) since it was created from its
// image, sorted by path, as docker diff does.
func (s *Stack) Diff(ctx context.Context, project, service string, index int) ([]engine.Change, error) {
	c, err := s.pickContainer(ctx, project, service, index, true)
	if err != nil {
		return nil, err
	}
	changes, err := s.engine.ContainerChanges(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("container %q: %w", c.Name, err)
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}
