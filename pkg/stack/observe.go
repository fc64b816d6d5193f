package stack

import (
	"context"
	"errors"
	"slices"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Observed is the engine's state of one project, from one list call per
// kind. Planning reads it and nothing else of the engine.
type Observed struct {
	// API is the engine API version configurations are built for.
	API string
	// Containers are the project's containers, one-off ones included.
	Containers []engine.Container
	// Networks and Volumes are the project's, by name; nil when they were
	// not listed (the containers proved them, see resourcesProven).
	Networks map[string]engine.Network
	Volumes  map[string]engine.Volume
	// Duplicates are the other networks of the project that carry the
	// name of one in Networks (dockerd 20.10 creates a name twice when
	// asked twice at once), with their endpoints; Networks keeps the copy
	// with the most.
	Duplicates []engine.Network
	// Images maps image references to local image IDs; a missing image is
	// absent. Nil when images were not listed.
	Images map[string]string
}

// observeContainers lists the project's containers and, at once, the local
// IDs of refs (when any), and settles the API version first.
func (s *Stack) observeContainers(ctx context.Context, project string, refs []string) (*Observed, error) {
	obs := &Observed{}
	var err error
	if obs.API, err = s.engine.APIVersion(ctx); err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		obs.Containers, err = s.engine.ListContainers(gctx, engine.Filter{Project: project, All: true})
		return
	})
	if refs != nil {
		g.Go(func() (err error) { obs.Images, err = s.engine.ImageIDs(gctx, refs); return })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return obs, nil
}

// observeResources lists the project's networks and, when volumes is set,
// its volumes, into obs.
func (s *Stack) observeResources(ctx context.Context, project string, obs *Observed, volumes bool) error {
	var nets []engine.Network
	var vols []engine.Volume
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { nets, err = s.engine.ListNetworks(gctx, project); return })
	if volumes {
		g.Go(func() (err error) { vols, err = s.engine.ListVolumes(gctx, project); return })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var err error
	if obs.Networks, obs.Duplicates, err = s.dedupeNetworks(ctx, nets); err != nil {
		return err
	}
	if volumes {
		obs.Volumes = make(map[string]engine.Volume, len(vols))
		for _, v := range vols {
			obs.Volumes[v.Name] = v
		}
	}
	return nil
}

// imageRefs lists the distinct images of services, in order.
func imageRefs(p *types.Project, services []string) []string {
	refs := []string{}
	for _, name := range services {
		if ref := ImageName(p, p.Services[name]); !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	return refs
}

// dedupeNetworks sorts nets by name into one network per name and the
// duplicates. A name held twice costs an inspect of each copy: the copy
// with the most endpoints (then the lowest ID) is kept.
func (s *Stack) dedupeNetworks(ctx context.Context, nets []engine.Network) (map[string]engine.Network, []engine.Network, error) {
	byName := make(map[string][]engine.Network, len(nets))
	for _, n := range nets {
		byName[n.Name] = append(byName[n.Name], n)
	}
	kept := make(map[string]engine.Network, len(byName))
	var dups []engine.Network
	for name, copies := range byName {
		if len(copies) == 1 {
			kept[name] = copies[0]
			continue
		}
		for i, n := range copies {
			full, err := s.engine.InspectNetwork(ctx, n.ID)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return nil, nil, err
			}
			copies[i].Containers = full.Containers
		}
		sort.Slice(copies, func(i, j int) bool {
			if len(copies[i].Containers) != len(copies[j].Containers) {
				return len(copies[i].Containers) > len(copies[j].Containers)
			}
			return copies[i].ID < copies[j].ID
		})
		kept[name] = copies[0]
		dups = append(dups, copies[1:]...)
	}
	sort.Slice(dups, func(i, j int) bool { return dups[i].ID < dups[j].ID })
	return kept, dups, nil
}
