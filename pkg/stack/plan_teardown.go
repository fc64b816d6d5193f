package stack

import (
	"sort"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// planDown plans the teardown of a project: every container removed,
// dependents first and among those free to go lower x-link-priority first
// (no order with a zero timeout, which kills); then the networks the file
// declares (every network of the project without a file) and, with
// o.Volumes, its volumes but external ones. Containers of services not in
// the file are kept and noted unless o.RemoveOrphans. p may be nil: the
// containers' labels then give the order.
func planDown(name string, p *types.Project, obs *Observed, o DownOptions) *Plan {
	pl := &Plan{Project: name, project: p}
	var victims []engine.Container
	for _, c := range obs.Containers {
		if p != nil && !c.OneOff && !o.RemoveOrphans && !inProject(p, c.Service) {
			pl.Notes = append(pl.Notes, Note{Resource: KindContainer, Name: c.Name, Service: c.Service,
				Text: "orphan container: its service is not in the stack file; remove it with --remove-orphans"})
			continue
		}
		victims = append(victims, c)
	}
	removals := teardown(pl, p, victims, o.Timeout, o.Volumes)
	agentFirst(pl)
	declared, external := map[string]bool{}, map[string]bool{}
	if p != nil {
		for key, n := range p.Networks {
			if !bool(n.External) {
				declared[resourceName(p.Name, key, n.Name)] = true
			}
		}
		for key, v := range p.Volumes {
			if bool(v.External) {
				external[resourceName(p.Name, key, v.Name)] = true
			}
		}
	}
	removes := func(name string) bool { return p == nil || declared[name] }
	for _, key := range sortedKeys(obs.Networks) {
		n := obs.Networks[key]
		if !removes(n.Name) {
			continue
		}
		op := pl.add(&Op{Kind: OpRemove, Resource: KindNetwork, Name: n.Name, NetworkID: n.ID})
		for _, r := range removals {
			op.after(done(r))
		}
	}
	duplicateRemovals(pl, obs.Duplicates, removes, removals)
	if o.Volumes {
		for _, key := range sortedKeys(obs.Volumes) {
			v := obs.Volumes[key]
			if external[v.Name] {
				continue
			}
			op := pl.add(&Op{Kind: OpRemove, Resource: KindVolume, Name: v.Name})
			for _, r := range removals {
				op.after(done(r))
			}
		}
	}
	return pl
}

// teardown adds the ops that take containers cs away: the ones that are up
// are stopped in reverse dependency order, and each container is removed
// once it is stopped, off that order, so that a removal never holds up the
// stop of a dependency. A zero timeout kills every container at once in
// its removal. It returns the removals.
func teardown(pl *Plan, p *types.Project, cs []engine.Container, timeout *time.Duration, volumes bool) []*Op {
	if timeout != nil && *timeout <= 0 {
		return containerOps(pl, p, cs, true, false, func(op *Op) {
			op.Kind, op.Timeout, op.Volumes = OpRemove, timeout, volumes
		})
	}
	var up []engine.Container
	for _, c := range cs {
		if c.State.Up() {
			up = append(up, c)
		}
	}
	stops := map[string]*Op{}
	for _, op := range containerOps(pl, p, up, true, true, func(op *Op) {
		op.Kind, op.Timeout, op.Retire = OpStop, timeout, true
		op.PreStop = serviceHooks(p, op.Service, engine.PreStop)
	}) {
		stops[op.Container.ID] = op
	}
	return containerOps(pl, p, cs, true, false, func(op *Op) {
		op.Kind, op.Timeout, op.Volumes = OpRemove, timeout, volumes
		if stop, ok := stops[op.Container.ID]; ok {
			stopped := *op.Container
			stopped.State = engine.StateExited
			op.Container = &stopped
			op.after(done(stop))
		}
	})
}

// serviceHooks returns service's hooks for event from p, none without a
// stack file (labels do not carry them) or for a hook the file got wrong
// (up refuses those while planning).
func serviceHooks(p *types.Project, service string, event engine.HookEvent) []engine.Hook {
	if p == nil {
		return nil
	}
	svc, ok := p.Services[service]
	if !ok {
		return nil
	}
	hooks, _ := engine.ServiceHooks(svc, event)
	return hooks
}

// agentFirst makes every other container operation of a teardown wait for
// the removal of the project's agent container, so that the agent does
// not see the teardown as something to repair.
func agentFirst(pl *Plan) {
	var agent *Op
	for _, op := range pl.Ops {
		if op.Kind == OpRemove && op.Container != nil && op.Container.Labels[LabelAgent] != "" {
			agent = op
		}
	}
	if agent == nil {
		return
	}
	for _, op := range pl.Ops {
		if op.Resource == KindContainer && op.Container != nil && op.Container.ID != agent.Container.ID {
			op.after(done(agent))
		}
	}
}

// inProject reports whether service belongs to p, enabled or disabled by
// a profile.
func inProject(p *types.Project, service string) bool {
	if _, ok := p.Services[service]; ok {
		return true
	}
	_, ok := p.DisabledServices[service]
	return ok
}

// lifecycle is one of the verbs that act on existing containers.
type lifecycle struct {
	kind OpKind
	// pick selects the containers the verb acts on.
	pick func(engine.Container) bool
	// reverse acts on dependents first; ordered false acts on all at once.
	reverse, ordered bool
	timeout          *time.Duration
	signal           string
	volumes          bool
}

// planLifecycle plans verb l on the containers of cs it picks, in the
// order of p's dependency graph (of the containers' labels when p is nil).
func planLifecycle(name string, p *types.Project, cs []engine.Container, l lifecycle) *Plan {
	pl := &Plan{Project: name, project: p}
	var picked []engine.Container
	for _, c := range cs {
		if l.pick(c) {
			picked = append(picked, c)
		}
	}
	containerOps(pl, p, picked, l.reverse, l.ordered, func(op *Op) {
		op.Kind, op.Timeout, op.Signal, op.Volumes = l.kind, l.timeout, l.signal, l.volumes
		stopping := op.Kind == OpStop || op.Kind == OpRestart || op.Kind == OpRemove && op.Container.State.Up()
		if stopping && op.Container.State.Up() {
			op.PreStop = serviceHooks(p, op.Service, engine.PreStop)
		}
		if op.Kind == OpStart || op.Kind == OpRestart {
			op.PostStart = serviceHooks(p, op.Service, engine.PostStart)
		}
	})
	return pl
}

// containerOps adds one op per container of cs, filled in by fill, in
// service and number order. When ordered, each op comes after the ops of
// the containers of the services its service depends on (before them,
// when reverse), and ops that are ready together go by x-link-priority,
// highest first (lowest first, when reverse).
func containerOps(pl *Plan, p *types.Project, cs []engine.Container, reverse, ordered bool, fill func(*Op)) []*Op {
	cs = append([]engine.Container(nil), cs...)
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Service != cs[j].Service {
			return cs[i].Service < cs[j].Service
		}
		if cs[i].Number != cs[j].Number {
			return cs[i].Number < cs[j].Number
		}
		return cs[i].Name < cs[j].Name
	})
	deps, prio := serviceOrder(p, cs)
	ops := make([]*Op, 0, len(cs))
	byService := map[string][]*Op{}
	for i := range cs {
		c := &cs[i]
		op := &Op{Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number, Container: c}
		if ordered {
			op.Priority = prio[c.Service]
			if reverse {
				op.Priority = -op.Priority
			}
		}
		fill(op)
		pl.add(op)
		ops = append(ops, op)
		byService[c.Service] = append(byService[c.Service], op)
	}
	if !ordered {
		return ops
	}
	for _, op := range ops {
		for _, dep := range deps[op.Service] {
			for _, d := range byService[dep] {
				if reverse {
					d.after(done(op))
				} else {
					op.after(done(d))
				}
			}
		}
	}
	return ops
}

// serviceOrder returns, for the services of cs, the services each depends
// on and its x-link-priority: from p's graph for the services p has, else
// from the containers' depends_on labels. Dependencies that form a cycle
// (possible among labels) are dropped.
func serviceOrder(p *types.Project, cs []engine.Container) (map[string][]string, map[string]int) {
	var sg *graph.Graph
	if p != nil {
		sg, _ = Graph(p)
	}
	deps, prio := map[string][]string{}, map[string]int{}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.Service] {
			continue
		}
		seen[c.Service] = true
		if sg != nil && sg.Has(c.Service) {
			n, _ := sg.Node(c.Service)
			prio[c.Service] = n.Priority
			for _, e := range n.Deps {
				deps[c.Service] = append(deps[c.Service], e.To)
			}
			continue
		}
		deps[c.Service] = labelDeps(c.Labels[engine.LabelDependsOn])
	}
	nodes := make([]graph.Node, 0, len(seen))
	for svc := range seen {
		n := graph.Node{Name: svc}
		for _, d := range deps[svc] {
			if seen[d] {
				n.Deps = append(n.Deps, graph.Edge{To: d})
			}
		}
		nodes = append(nodes, n)
	}
	if _, err := graph.New(nodes); err != nil {
		return map[string][]string{}, prio
	}
	return deps, prio
}
