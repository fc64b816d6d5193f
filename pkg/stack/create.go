package stack

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
)

// CreateOptions tune Create: the options of Up that apply to creating.
type CreateOptions struct {
	Services      []string
	Scale         map[string]int
	ForceRecreate bool
	NoRecreate    bool
	RemoveOrphans bool
	// Build, NoBuild and Pull decide how images are obtained, as for Up.
	Build   bool
	NoBuild bool
	Pull    string
	DryRun  bool
}

// Create creates the networks, volumes and containers of the selected
// services (and their dependencies) without starting anything: up
// --no-start, as docker compose create is.
func (s *Stack) Create(ctx context.Context, p *types.Project, o CreateOptions) error {
	return s.Up(ctx, p, UpOptions{
		Services:      o.Services,
		Scale:         o.Scale,
		ForceRecreate: o.ForceRecreate,
		NoRecreate:    o.NoRecreate,
		RemoveOrphans: o.RemoveOrphans,
		NoStart:       true,
		Build:         o.Build,
		NoBuild:       o.NoBuild,
		Pull:          o.Pull,
		DryRun:        o.DryRun,
	})
}
