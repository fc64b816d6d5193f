package deploy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Action is what an operation does to its object.
type Action string

// Actions of a plan's operations.
const (
	Create Action = "create"
	Update Action = "update"
	Keep   Action = "keep"
	Remove Action = "remove"
)

// Kinds of objects: pkg/stack's, and the two only a swarm has.
const (
	KindService                    = stack.KindService
	KindNetwork                    = stack.KindNetwork
	KindSecret  stack.ResourceKind = "secret"
	KindConfig  stack.ResourceKind = "config"
)

// Op is one operation of a plan.
type Op struct {
	Kind   stack.ResourceKind
	Name   string // on the swarm
	Key    string // in the stack file; "" for an object it no longer has
	Action Action
	Reason string
	// After are the operations this one runs after, with, for a service
	// this one depends on, the condition that service must meet first.
	After []After
	// Priority orders the operations that are free to run.
	Priority int

	// Service is the desired service (create, update, keep); Current the
	// service on the swarm (update, keep, remove).
	Service *Service
	Current *engine.Service
	Network *Network
	Object  *Object
	// ObjectID is the swarm's ID of an object to remove.
	ObjectID string
}

// OpID names an operation uniquely within its plan.
func OpID(kind stack.ResourceKind, name string) string { return string(kind) + ":" + name }

// ID names o within its plan.
func (o Op) ID() string { return OpID(o.Kind, o.Name) }

// After is an edge of the plan: run after Op has run and, when Condition
// is set, once the service of Op meets it.
type After struct {
	Op        string
	Condition string
}

// Plan is every operation a deploy makes, with its reason and order. It is
// a value: computing it changes nothing.
type Plan struct {
	Project string
	Ops     []Op
	// Notes are things the user should know that change nothing, e.g. a
	// service --prune would remove.
	Notes []string
}

// PlanOptions tune MakePlan.
type PlanOptions struct {
	// Prune removes the services the stack file no longer has, and the
	// networks only they used.
	Prune bool
	// Force updates every service, also those that did not change: this
	// reverts changes made to them by other means.
	Force bool
}

// MakePlan compares d with what the swarm has (s) and returns the plan
// that brings the swarm to d. It fails, before anything is done, when an
// external object is missing or a named object would have to change.
func MakePlan(d *Desired, s *State, o PlanOptions) (*Plan, error) {
	p := &Plan{Project: d.Project}
	objectOps := map[string]bool{} // ops that create what services need
	if err := p.networks(d, s, o, objectOps); err != nil {
		return nil, err
	}
	if err := p.objects(KindSecret, d.Secrets, s.Secrets, s.ExternalSecrets, objectOps); err != nil {
		return nil, err
	}
	if err := p.objects(KindConfig, d.Configs, s.Configs, s.ExternalConfigs, objectOps); err != nil {
		return nil, err
	}
	current := map[string]*engine.Service{}
	for i := range s.Services {
		current[s.Services[i].Name] = &s.Services[i]
	}
	wanted := map[string]bool{}
	for i := range d.Services {
		svc := &d.Services[i]
		wanted[svc.Spec.Name] = true
		p.Ops = append(p.Ops, serviceOp(d, svc, current[svc.Spec.Name], o, objectOps))
	}
	var stays []*engine.Service // services of the swarm that remain after the plan
	for i := range s.Services {
		cur := &s.Services[i]
		switch {
		case wanted[cur.Name]:
		case o.Prune:
			p.Ops = append(p.Ops, Op{Kind: KindService, Name: cur.Name, Key: cur.Labels[LabelService], Action: Remove,
				Reason: "not in the stack file (--prune)", Current: cur, ObjectID: cur.ID, Priority: -1})
		default:
			stays = append(stays, cur)
			p.Notes = append(p.Notes, fmt.Sprintf("service %s is not in the stack file: --prune removes it", cur.Name))
		}
	}
	p.staleObjects(KindSecret, d.Secrets, s.Secrets, stays, func(c *engine.Service) []string { return c.Secrets })
	p.staleObjects(KindConfig, d.Configs, s.Configs, stays, func(c *engine.Service) []string { return c.Configs })
	if o.Prune {
		p.staleNetworks(d, s, stays)
	}
	return p, nil
}

// networks plans the project's networks: create what is missing, check
// that the external ones exist in the swarm's scope.
func (p *Plan) networks(d *Desired, s *State, o PlanOptions, objectOps map[string]bool) error {
	have := map[string]bool{}
	for _, n := range s.Networks {
		have[n.Name] = true
	}
	for i := range d.Networks {
		n := &d.Networks[i]
		if n.External {
			switch scope := s.ExternalNetworks[n.Name]; scope {
			case "swarm":
			case "":
				return fmt.Errorf("network %q is external but does not exist: create it with `docker network create --driver overlay --attachable %s`", n.Name, n.Name)
			default:
				return fmt.Errorf("network %q is external but its scope is %s: a swarm service needs a network of scope swarm (an overlay network)", n.Name, scope)
			}
			continue
		}
		if have[n.Name] {
			continue
		}
		op := Op{Kind: KindNetwork, Name: n.Name, Key: n.Key, Action: Create, Reason: "new", Network: n, Priority: 1 << 20}
		objectOps[op.ID()] = true
		p.Ops = append(p.Ops, op)
	}
	return nil
}

// objects plans secrets or configs: create those that do not exist; a
// named one (not named after its content) must not have changed.
func (p *Plan) objects(kind stack.ResourceKind, want []Object, have []engine.SwarmObject, external map[string]string, objectOps map[string]bool) error {
	byName := map[string]engine.SwarmObject{}
	for _, h := range have {
		byName[h.Name] = h
	}
	for i := range want {
		w := &want[i]
		if w.External {
			if _, ok := external[w.Name]; !ok {
				return fmt.Errorf("%s %q is external but does not exist: create it with `docker %s create %s FILE`", kind, w.Name, kind, w.Name)
			}
			continue
		}
		if h, ok := byName[w.Name]; ok {
			if h.Labels[LabelContentHash] != w.Spec.Labels[LabelContentHash] {
				return fmt.Errorf("%s %q changed, and a swarm %s cannot change: give it a new name (or remove the name: key and stack names it after its content)", kind, w.Name, kind)
			}
			continue
		}
		reason := "new"
		for _, h := range have {
			if h.Labels[LabelObject] == w.Key {
				reason = "new content (replaces " + h.Name + ")"
			}
		}
		op := Op{Kind: kind, Name: w.Name, Key: w.Key, Action: Create, Reason: reason, Object: w, Priority: 1 << 20}
		objectOps[op.ID()] = true
		p.Ops = append(p.Ops, op)
	}
	return nil
}

// serviceOp decides what to do with one service of the file.
func serviceOp(d *Desired, svc *Service, cur *engine.Service, o PlanOptions, objectOps map[string]bool) Op {
	op := Op{Kind: KindService, Name: svc.Spec.Name, Key: svc.Key, Service: svc, Current: cur, Priority: svc.Priority}
	for _, n := range svc.Networks {
		if id := OpID(KindNetwork, n); objectOps[id] {
			op.After = append(op.After, After{Op: id})
		}
	}
	for _, n := range svc.Secrets {
		if id := OpID(KindSecret, n); objectOps[id] {
			op.After = append(op.After, After{Op: id})
		}
	}
	for _, n := range svc.Configs {
		if id := OpID(KindConfig, n); objectOps[id] {
			op.After = append(op.After, After{Op: id})
		}
	}
	for _, dep := range svc.Deps {
		op.After = append(op.After, After{Op: OpID(KindService, scoped(d.Project, dep.Service)), Condition: dep.Condition})
	}
	var reasons []string
	switch {
	case cur == nil:
		op.Action, op.Reason = Create, "new"
		return op
	case o.Force:
		reasons = append(reasons, "--force")
	case cur.Labels[LabelHash] == "":
		reasons = append(reasons, "not deployed by stack: its spec is replaced")
	case cur.Labels[LabelHash] != svc.Spec.Labels[LabelHash]:
		reasons = append(reasons, "changed: "+strings.Join(engine.DiffFields(cur.Labels[LabelFields], svc.Spec.Labels[LabelFields]), ", "))
	}
	if !sameReplicas(cur, svc.Spec) {
		reasons = append(reasons, fmt.Sprintf("replicas %s -> %s (scaled since the last deploy)", replicas(cur.Replicas), replicas(svc.Spec.Replicas)))
	}
	op.Action, op.Reason = Keep, "unchanged"
	if len(reasons) > 0 {
		op.Action, op.Reason = Update, strings.Join(reasons, "; ")
	}
	return op
}

func sameReplicas(cur *engine.Service, s engine.ServiceSpec) bool {
	if s.Mode != engine.ModeReplicated {
		return true
	}
	want, have := uint64(1), uint64(1)
	if s.Replicas != nil {
		want = *s.Replicas
	}
	if cur.Replicas != nil {
		have = *cur.Replicas
	}
	return have == want
}

func replicas(n *uint64) string {
	if n == nil {
		return "1"
	}
	return fmt.Sprint(*n)
}

// staleObjects removes the project's secrets or configs that the file no
// longer names, once the services that used them have moved on. One that
// a remaining service still uses is kept.
func (p *Plan) staleObjects(kind stack.ResourceKind, want []Object, have []engine.SwarmObject, stays []*engine.Service, uses func(*engine.Service) []string) {
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.Name] = true
	}
	for _, h := range have {
		if wanted[h.Name] || slices.ContainsFunc(stays, func(s *engine.Service) bool { return slices.Contains(uses(s), h.Name) }) {
			continue
		}
		op := Op{Kind: kind, Name: h.Name, Key: h.Labels[LabelObject], Action: Remove, Reason: "no longer used", ObjectID: h.ID, Priority: -1 << 20}
		// After every operation on a service that used it.
		for _, o := range p.Ops {
			if o.Kind == KindService && o.Current != nil && o.Action != Keep && slices.Contains(uses(o.Current), h.Name) {
				op.After = append(op.After, After{Op: o.ID()})
			}
		}
		p.Ops = append(p.Ops, op)
	}
}

// staleNetworks removes the project's networks that no service uses any
// more, after the services that used them are removed or updated.
func (p *Plan) staleNetworks(d *Desired, s *State, stays []*engine.Service) {
	wanted := map[string]bool{}
	for _, n := range d.Networks {
		wanted[n.Name] = true
	}
	for _, n := range s.Networks {
		used := func(c *engine.Service) bool {
			return slices.Contains(c.Networks, n.ID) || slices.Contains(c.Networks, n.Name)
		}
		if wanted[n.Name] || slices.ContainsFunc(stays, used) {
			continue
		}
		op := Op{Kind: KindNetwork, Name: n.Name, Key: n.Labels[LabelObject], Action: Remove, Reason: "no longer used (--prune)", ObjectID: n.ID, Priority: -1 << 20}
		for _, o := range p.Ops {
			if o.Kind == KindService && o.Current != nil && o.Action != Keep && used(o.Current) {
				op.After = append(op.After, After{Op: o.ID()})
			}
		}
		p.Ops = append(p.Ops, op)
	}
}

// Changes counts the operations that change something.
func (p *Plan) Changes() int {
	n := 0
	for _, o := range p.Ops {
		if o.Action != Keep {
			n++
		}
	}
	return n
}

// String renders the plan as a table, one operation a line, in the order
// of the file: objects first, then services, then removals.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deploy plan of project %q: %d change(s)\n", p.Project, p.Changes())
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	ops := slices.Clone(p.Ops)
	rank := func(o Op) int {
		switch {
		case o.Action == Remove:
			return 2
		case o.Kind == KindService:
			return 1
		}
		return 0
	}
	sort.SliceStable(ops, func(i, j int) bool { return rank(ops[i]) < rank(ops[j]) })
	for _, o := range ops {
		reason := o.Reason
		var after []string
		for _, a := range o.After {
			if a.Condition != "" {
				_, name, _ := strings.Cut(a.Op, ":")
				after = append(after, strings.TrimPrefix(name, p.Project+"_")+" "+conditionWord(a.Condition))
			}
		}
		if len(after) > 0 {
			reason += "; after " + strings.Join(after, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.Action, o.Kind, o.Name, reason)
	}
	_ = tw.Flush()
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

// conditionWord says a depends_on condition in a word.
func conditionWord(c string) string {
	switch c {
	case types.ServiceConditionHealthy:
		return "is healthy"
	case types.ServiceConditionCompletedSuccessfully:
		return "completed"
	}
	return "is running"
}
