package stack

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// Up brings the project to the state its file declares: networks and
// volumes first, then every container created as early as the engine allows
// and started the moment its dependencies meet their condition.
func (s *Stack) Up(ctx context.Context, p *types.Project, o UpOptions) error {
	g, err := Graph(p)
	if err != nil {
		return err
	}
	sel := g
	if len(o.Services) > 0 {
		if sel, err = g.Select(o.Services, !o.NoDeps); err != nil {
			return err
		}
	}
	if err := CheckScale(p, sel.Names(), o.Scale); err != nil {
		return err
	}
	if o.Build && !o.NoBuild && !o.DryRun {
		// Before planning, so that a rebuilt image recreates its containers.
		if err := s.PrepareImages(ctx, p, ImageOptions{Services: sel.Names(), Build: true, Pull: o.Pull}); err != nil {
			return err
		}
	}
	pl, err := s.Plan(ctx, p, sel, o)
	if err != nil {
		return err
	}
	if o.DryRun {
		s.reportPlan(pl)
		return nil
	}
	if err := s.checkImages(ctx, p, pl, o); err != nil {
		return err
	}
	if err := s.ensureResources(ctx, p, pl); err != nil {
		return err
	}
	run, err := s.converge(ctx, p, sel, pl, o)
	if err != nil {
		if o.Wait {
			return s.waitFailed(ctx, run, err)
		}
		return err
	}
	if o.Wait && !o.NoStart {
		if err := s.waitReady(ctx, p, run, o); err != nil {
			return err
		}
	}
	if o.Attach != nil {
		return s.attach(ctx, p, run, o)
	}
	return nil
}

// Plan observes the engine and computes what Up would do for the services
// of sel. When every container is kept, networks and volumes are not listed:
// a running container proves its network exists.
func (s *Stack) Plan(ctx context.Context, p *types.Project, sel *graph.Graph, o UpOptions) (*Plan, error) {
	var refs []string
	for _, name := range sel.Names() {
		if ref := ImageName(p, p.Services[name]); !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	// The two list calls do not depend on each other.
	in := planInput{project: p, graph: sel, opts: o}
	var cs []engine.Container
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		cs, err = s.engine.ListContainers(gctx, engine.Filter{Project: p.Name, All: true})
		return
	})
	g.Go(func() (err error) { in.images, err = s.engine.ImageIDs(gctx, refs); return })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	obs := observed{containers: cs}
	var err error
	if in.hashes, err = s.serviceHashes(ctx, p, sel, cs); err != nil {
		return nil, err
	}
	pl, err := plan(in, obs)
	if err != nil || !pl.Changes() {
		return pl, err
	}
	pl.images = in.images
	if obs.networks, obs.volumes, err = s.listResources(ctx, p.Name); err != nil {
		return nil, err
	}
	in.networks = true
	if pl, err = plan(in, obs); err != nil {
		return nil, err
	}
	pl.images = in.images
	return pl, nil
}

// serviceHashes computes the labels each selected service's containers must
// carry. Links and shared namespaces name a peer container, so the hash is
// computed with the peers the run will use: the lowest-numbered container of
// each dependency.
func (s *Stack) serviceHashes(ctx context.Context, p *types.Project, sel *graph.Graph, cs []engine.Container) (map[string]engine.Hashes, error) {
	lowest := map[string]engine.Container{}
	for _, c := range cs {
		if c.OneOff {
			continue
		}
		if l, ok := lowest[c.Service]; !ok || c.Number < l.Number {
			lowest[c.Service] = c
		}
	}
	var names []string
	for _, name := range sel.Names() {
		if _, ok := lowest[name]; ok { // else nothing to compare with: every container is new
			names = append(names, name)
		}
	}
	// Hashing is CPU work of a few hundred microseconds a service, and all
	// of a no-op up's own time: spread it over the cores.
	hashes := make([]engine.Hashes, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			svc := p.Services[name]
			peers := map[string]string{}
			for dep := range svc.DependsOn {
				if c, ok := lowest[dep]; ok {
					peers[dep] = c.Name
				} else if d, ok := p.Services[dep]; ok {
					peers[dep] = containerName(p.Name, d, 1)
				}
			}
			h, err := s.engine.Hashes(gctx, engine.CreateRequest{Project: p, Service: svc, Name: containerName(p.Name, svc, 1), Number: 1, Peers: peers})
			if err != nil {
				return fmt.Errorf("service %q: %w", name, err)
			}
			hashes[i] = h
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]engine.Hashes, len(names))
	for i, name := range names {
		out[name] = hashes[i]
	}
	return out, nil
}

func (s *Stack) listResources(ctx context.Context, project string) (map[string]engine.Network, map[string]engine.Volume, error) {
	var nets []engine.Network
	var vols []engine.Volume
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { nets, err = s.engine.ListNetworks(gctx, project); return })
	g.Go(func() (err error) { vols, err = s.engine.ListVolumes(gctx, project); return })
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	nm := make(map[string]engine.Network, len(nets))
	for _, n := range nets {
		nm[n.Name] = n
	}
	vm := make(map[string]engine.Volume, len(vols))
	for _, v := range vols {
		vm[v.Name] = v
	}
	return nm, vm, nil
}

// reportPlan emits one event per step of a dry run.
func (s *Stack) reportPlan(pl *Plan) {
	for _, n := range pl.Networks {
		s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: "Would " + n.Action, Done: true})
	}
	for _, v := range pl.Volumes {
		s.emit(Event{Kind: KindVolume, Name: v.Name, Status: "Would " + v.Action, Done: true})
	}
	for _, c := range pl.Containers {
		e := Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: "Would " + c.Action, Done: true}
		if len(c.Reasons) > 0 {
			e.Text = strings.Join(c.Reasons, ", ")
		}
		s.emit(e)
	}
	for _, c := range pl.Orphans {
		status := "Orphan"
		if pl.RemoveOrphans {
			status = "Would remove"
		}
		s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: status, Done: true})
	}
}

// ErrImageMissing is returned, wrapped with the service and image, when an
// image a container needs is not on the engine.
var ErrImageMissing = errors.New("image not found on the engine")

// checkImages makes sure every image that a new container needs is present,
// building or pulling it as the pull policy says, before anything is
// created, so a missing image leaves the engine as it was. Images the
// plan's list already found cost nothing more.
func (s *Stack) checkImages(ctx context.Context, p *types.Project, pl *Plan, o UpOptions) error {
	seen := map[string]bool{}
	var services []string
	for _, c := range pl.Containers {
		if c.Action != ActCreate && c.Action != ActRecreate || seen[c.Service] {
			continue
		}
		seen[c.Service] = true
		svc := p.Services[c.Service]
		policy := svc.PullPolicy
		if o.Pull != "" {
			policy = o.Pull
		}
		if pl.images[ImageName(p, svc)] == "" || policy == types.PullPolicyAlways {
			services = append(services, c.Service)
		}
	}
	if len(services) == 0 {
		return nil
	}
	return s.PrepareImages(ctx, p, ImageOptions{Services: services, NoBuild: o.NoBuild, Pull: o.Pull})
}

// ensureResources creates the networks and volumes the plan lacks and checks
// that external ones exist.
func (s *Stack) ensureResources(ctx context.Context, p *types.Project, pl *Plan) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, n := range pl.Networks {
		cfg := p.Networks[n.Key]
		g.Go(func() error {
			switch n.Action {
			case ActExternal:
				if _, err := s.engine.InspectNetwork(gctx, n.Name); err != nil {
					if errors.Is(err, engine.ErrNotFound) {
						return fmt.Errorf("network %q is declared as external but does not exist: create it with \"docker network create %s\"", n.Name, n.Name)
					}
					return err
				}
			case ActRecreate:
				// Its containers carry the network's hash, so they are
				// recreated too; disconnect the old ones to free it.
				s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusRecreate})
				old, err := s.engine.InspectNetwork(gctx, n.ID)
				if err != nil && !errors.Is(err, engine.ErrNotFound) {
					return err
				}
				for _, c := range old.Containers {
					if err := s.engine.DisconnectNetwork(gctx, n.ID, c); err != nil && !errors.Is(err, engine.ErrNotFound) {
						return err
					}
				}
				if err := s.engine.RemoveNetwork(gctx, n.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
					return err
				}
				fallthrough
			case ActCreate:
				s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusCreating})
				if _, err := s.engine.CreateNetwork(gctx, engine.NetworkRequest{Project: p.Name, Key: n.Key, Config: cfg}); err != nil && !errors.Is(err, engine.ErrConflict) {
					s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusError, Done: true, Error: err.Error()})
					return err
				}
				s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusCreated, Done: true})
			}
			return nil
		})
	}
	for _, v := range pl.Volumes {
		cfg := p.Volumes[v.Key]
		g.Go(func() error {
			switch v.Action {
			case ActExternal:
				if _, err := s.engine.InspectVolume(gctx, v.Name); err != nil {
					if errors.Is(err, engine.ErrNotFound) {
						return fmt.Errorf("volume %q is declared as external but does not exist: create it with \"docker volume create %s\"", v.Name, v.Name)
					}
					return err
				}
			case ActCreate:
				s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusCreating})
				if _, err := s.engine.CreateVolume(gctx, engine.VolumeRequest{Project: p.Name, Key: v.Key, Config: cfg}); err != nil {
					s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusError, Done: true, Error: err.Error()})
					return err
				}
				s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusCreated, Done: true})
			}
			return nil
		})
	}
	return g.Wait()
}

// cnode is one container of the run: a node of the container graph.
type cnode struct {
	step    ContainerStep
	id      string
	created chan struct{} // closed once id is set (or creation was not needed)
	started atomic.Bool   // running at the end of its start step
}

// running is the outcome of converge: the containers of the selected
// services, by node name.
type running struct {
	nodes map[string]*cnode
	// graph is the container graph the run started in, by node key; a
	// foreground up stops in its reverse.
	graph *graph.Graph
}

// converge executes the container steps of the plan: removals, then
// creation and start walks over the container graph.
func (s *Stack) converge(ctx context.Context, p *types.Project, sel *graph.Graph, pl *Plan, o UpOptions) (*running, error) {
	if err := s.removeSteps(ctx, pl, o); err != nil {
		return nil, err
	}
	nodes := map[string]*cnode{}
	byService := map[string][]string{}
	for _, st := range pl.Containers {
		if st.Action == ActRemove {
			continue
		}
		key := nodeKey(st.Service, st.Number)
		n := &cnode{step: st, created: make(chan struct{})}
		if st.Existing != nil && st.Action != ActRecreate {
			n.id = st.Existing.ID
			close(n.created)
		}
		nodes[key] = n
		byService[st.Service] = append(byService[st.Service], key)
	}
	cg, err := containerGraph(sel, nodes, byService)
	if err != nil {
		return nil, err
	}
	run := &running{nodes: nodes, graph: cg}
	peers := func(n *cnode) map[string]string {
		m := map[string]string{}
		for _, e := range sel.Dependencies(n.step.Service) {
			if keys := byService[e.To]; len(keys) > 0 {
				m[e.To] = nodes[keys[0]].step.Name
			}
		}
		return m
	}
	create := graph.Visitor{Run: func(ctx context.Context, key string) error {
		n := nodes[key]
		if n.step.Action != ActCreate && n.step.Action != ActRecreate {
			return nil
		}
		return s.createNode(ctx, p, n, peers(n), pl.images, o.RenewAnonVolumes)
	}}
	createGraph := cg.Filter(func(_ string, e graph.Edge) bool { return needsTarget(e.Kind) })
	if o.NoStart {
		return run, createGraph.Walk(ctx, graph.WalkOptions{Limit: s.parallel}, create)
	}

	var w *watcher
	if needsWatch(sel) && anyStart(nodes) {
		w = s.watch(ctx, p.Name)
		defer w.close()
	}
	start := graph.Visitor{
		Wait: func(ctx context.Context, key string) error {
			n := nodes[key]
			select {
			case <-n.created:
			case <-ctx.Done():
				return ctx.Err()
			}
			if n.step.Action == ActKeep {
				return nil
			}
			for _, e := range cg.Dependencies(key) {
				if e.Condition == conditionStarted || e.Condition == "" {
					continue
				}
				dep := nodes[e.To]
				s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusWaiting, Text: "for " + dep.step.Name})
				if err := s.waitFor(ctx, w, dep.id, dep.step.Name, e.Condition); err != nil {
					if ctx.Err() == nil {
						err = fmt.Errorf("service %q: dependency failed to start: %w", n.step.Service, err)
						s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusError, Done: true, Error: err.Error()})
					}
					return err
				}
			}
			return nil
		},
		Run: func(ctx context.Context, key string) error {
			return s.startNode(ctx, nodes[key], o)
		},
	}
	defer func() {
		if ctx.Err() != nil {
			s.reportInterrupted(nodes)
		}
	}()
	walk := graph.WalkOptions{Limit: s.parallel}
	if s.parallel == 1 {
		// One at a time: create everything first so that the start order is
		// the graph's and the priorities' alone.
		// Waiting inside Run holds the only slot, as a sequential start
		// would, and keeps ready nodes queued by priority alone.
		if err := createGraph.Walk(ctx, walk, create); err != nil {
			return run, err
		}
		wait, run1 := start.Wait, start.Run
		start = graph.Visitor{Run: func(ctx context.Context, key string) error {
			if err := wait(ctx, key); err != nil {
				return err
			}
			return run1(ctx, key)
		}}
		return run, cg.Walk(ctx, walk, start)
	}
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error { return createGraph.Walk(ectx, walk, create) })
	eg.Go(func() error { return cg.Walk(ectx, walk, start) })
	return run, eg.Wait()
}

// anyStart reports whether any container of the run will be started.
func anyStart(nodes map[string]*cnode) bool {
	for _, n := range nodes {
		if n.step.Action != ActKeep {
			return true
		}
	}
	return false
}

// reportInterrupted tells, after an interrupt, which containers are up and
// which were not started, so the user knows what the next up will do.
func (s *Stack) reportInterrupted(nodes map[string]*cnode) {
	keys := make([]string, 0, len(nodes))
	for k := range nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := nodes[k]
		if n.started.Load() {
			continue
		}
		s.emit(Event{Kind: KindContainer, Name: n.step.Name, Service: n.step.Service, Status: StatusSkipped, Done: true,
			Text: "interrupted before start; run up again to finish"})
	}
}

// needsWatch reports whether any edge waits on more than a start.
func needsWatch(g *graph.Graph) bool {
	for _, name := range g.Names() {
		for _, e := range g.Dependencies(name) {
			if e.Condition == conditionHealthy || e.Condition == conditionCompleted {
				return true
			}
		}
	}
	return false
}

func nodeKey(service string, number int) string {
	return service + "#" + strconv.Itoa(number)
}

// containerGraph expands the service graph to containers: each container
// depends on every container of the services its service depends on.
// Services outside the plan (not selected) are taken as satisfied.
func containerGraph(sel *graph.Graph, nodes map[string]*cnode, byService map[string][]string) (*graph.Graph, error) {
	list := make([]graph.Node, 0, len(nodes))
	for key, n := range nodes {
		gn, _ := sel.Node(n.step.Service)
		cn := graph.Node{Name: key, Priority: gn.Priority}
		for _, e := range sel.Dependencies(n.step.Service) {
			for _, dk := range byService[e.To] {
				cn.Deps = append(cn.Deps, graph.Edge{To: dk, Kind: e.Kind, Condition: e.Condition})
			}
		}
		list = append(list, cn)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return graph.New(list)
}

// createNode creates the container of n; a recreate creates the replacement
// under a temporary name, swapped in by startNode.
func (s *Stack) createNode(ctx context.Context, p *types.Project, n *cnode, peers map[string]string, images map[string]string, renew bool) error {
	st := n.step
	req := engine.CreateRequest{Project: p, Service: p.Services[st.Service], Name: st.Name, Number: st.Number, Peers: peers}
	status := StatusCreating
	if st.Action == ActRecreate {
		status = StatusRecreate
		req.Name = shortID(st.Existing.ID) + "_" + st.Name
		if !renew {
			req.InheritVolumesFrom = st.Existing.ID
		}
		req.Labels = map[string]string{engine.LabelReplace: st.Name}
	}
	if id := images[ImageName(p, req.Service)]; id != "" {
		if req.Labels == nil {
			req.Labels = map[string]string{}
		}
		req.Labels[engine.LabelImage] = id
	}
	s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: status})
	c, err := s.engine.CreateContainer(ctx, req)
	if errors.Is(err, engine.ErrConflict) && st.Action == ActCreate {
		// Another up of the same project made this very container since we
		// looked: take it rather than fail or make a second one.
		if twin, ok := s.findTwin(ctx, p.Name, st); ok {
			c, err = twin, nil
		}
	}
	if err != nil {
		err = fmt.Errorf("service %q: %w", st.Service, err)
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusError, Done: true, Error: err.Error()})
		return err
	}
	n.id = c.ID
	close(n.created)
	if st.Action == ActCreate {
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusCreated, Done: true})
	}
	return nil
}

// findTwin looks for the container st would create, made meanwhile by a
// concurrent run: same project, service, number and name.
func (s *Stack) findTwin(ctx context.Context, project string, st ContainerStep) (engine.Container, bool) {
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: []string{st.Service}, All: true})
	if err != nil {
		return engine.Container{}, false
	}
	for _, c := range cs {
		if c.Name == st.Name && c.Number == st.Number && !c.OneOff {
			return c, true
		}
	}
	return engine.Container{}, false
}

// startNode starts the container of n, swapping a replacement in first.
func (s *Stack) startNode(ctx context.Context, n *cnode, o UpOptions) error {
	st := n.step
	fail := func(err error) error {
		err = fmt.Errorf("service %q: %w", st.Service, err)
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusError, Done: true, Error: err.Error()})
		return err
	}
	switch st.Action {
	case ActKeep:
		n.started.Store(true)
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusRunning, Done: true})
		return nil
	case ActRestart:
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusRestarting})
		if err := s.engine.StopContainer(ctx, n.id, o.Timeout); err != nil {
			return fail(err)
		}
	case ActRecreate:
		old := st.Existing
		rm := engine.RemoveOptions{Force: true, Stop: true, StopTimeout: o.Timeout, Listed: old}
		if err := s.engine.RemoveContainer(ctx, old.ID, rm); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fail(err)
		}
		if err := s.engine.RenameContainer(ctx, n.id, st.Name); err != nil {
			return fail(err)
		}
		s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusRecreated})
	}
	s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusStarting})
	if err := s.engine.StartContainer(ctx, n.id); err != nil {
		return fail(err)
	}
	n.started.Store(true)
	s.emit(Event{Kind: KindContainer, Name: st.Name, Service: st.Service, Status: StatusStarted, Done: true})
	return nil
}

// removeSteps removes scaled-down containers (highest numbers first) and,
// when asked, orphans.
func (s *Stack) removeSteps(ctx context.Context, pl *Plan, o UpOptions) error {
	var victims []engine.Container
	for _, st := range pl.Containers {
		if st.Action == ActRemove {
			victims = append(victims, *st.Existing)
		}
	}
	if pl.RemoveOrphans {
		victims = append(victims, pl.Orphans...)
	} else {
		for _, c := range pl.Orphans {
			s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusWarning, Done: true,
				Text: "orphan container: its service is not in the stack file; remove it with --remove-orphans"})
		}
	}
	sort.Slice(victims, func(i, j int) bool { return victims[i].Number > victims[j].Number })
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, c := range victims {
		g.Go(func() error { return s.stopRemove(gctx, c, o.Timeout, false) })
	}
	return g.Wait()
}

// stopRemove stops and removes one container, reporting both steps.
func (s *Stack) stopRemove(ctx context.Context, c engine.Container, timeout *time.Duration, volumes bool) error {
	// A zero timeout kills at once; a forced remove does that in one call.
	kill := timeout != nil && *timeout <= 0
	stop := !kill && (c.State == "running" || c.State == "restarting" || c.State == "paused")
	status := StatusRemoving
	if stop {
		status = StatusStopping
	}
	s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: status})
	err := s.engine.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: volumes, Stop: stop, StopTimeout: timeout, Listed: &c})
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusError, Done: true, Error: err.Error()})
		return err
	}
	s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusRemoved, Done: true})
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
