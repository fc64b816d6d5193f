package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Statuses of deploy's events that pkg/stack has no word for.
const (
	StatusUpdating  stack.Status = "Updating"
	StatusUpdated   stack.Status = "Updated"
	StatusCompleted stack.Status = "Completed"
	StatusPushing   stack.Status = "Pushing"
	StatusPushed    stack.Status = "Pushed"
	StatusScaling   stack.Status = "Scaling"
	StatusScaled    stack.Status = "Scaled"
)

// execution is the state of one run of a plan: the IDs of the secrets and
// configs services refer to, filled as they are created.
type execution struct {
	d     *Deployer
	plan  *Plan
	ops   map[string]*Op
	w     *watcher
	o     DeployOptions
	mu    sync.Mutex
	ids   map[string]string // "secret:NAME" / "config:NAME" -> ID
	auths map[string]string // image -> credential
}

// execute carries out plan: each operation after those it runs after,
// a service once its dependencies meet their conditions, at most
// d.parallel engine calls at once, the free operations by priority.
func (d *Deployer) execute(ctx context.Context, plan *Plan, s *State, w *watcher, o DeployOptions) error {
	x := &execution{d: d, plan: plan, ops: map[string]*Op{}, w: w, o: o, ids: map[string]string{}, auths: map[string]string{}}
	for _, obj := range s.Secrets {
		x.ids[OpID(KindSecret, obj.Name)] = obj.ID
	}
	for name, id := range s.ExternalSecrets {
		x.ids[OpID(KindSecret, name)] = id
	}
	for _, obj := range s.Configs {
		x.ids[OpID(KindConfig, obj.Name)] = obj.ID
	}
	for name, id := range s.ExternalConfigs {
		x.ids[OpID(KindConfig, name)] = id
	}
	nodes := make([]graph.Node, 0, len(plan.Ops))
	for i := range plan.Ops {
		op := &plan.Ops[i]
		x.ops[op.ID()] = op
		n := graph.Node{Name: op.ID(), Priority: op.Priority}
		for _, a := range op.After {
			n.Deps = append(n.Deps, graph.Edge{To: a.Op, Kind: "after", Condition: a.Condition})
		}
		nodes = append(nodes, n)
	}
	g, err := graph.New(nodes)
	if err != nil {
		return fmt.Errorf("deploy plan: %w", err)
	}
	waiting := &dependencyWaits{reasons: map[string]string{}}
	err = g.Walk(ctx, graph.WalkOptions{Limit: d.parallel}, graph.Visitor{
		Wait: func(ctx context.Context, id string) error { return x.waitDeps(ctx, x.ops[id], waiting) },
		Run:  func(ctx context.Context, id string) error { return x.run(ctx, x.ops[id]) },
	})
	if errors.Is(err, context.DeadlineExceeded) {
		// The time ran out while services waited for others.
		names, reasons := waiting.pending()
		if len(names) > 0 {
			return w.report(ctx, names, reasons, true)
		}
	}
	return err
}

// dependencyWaits records what the services waiting for others wait for,
// for the report when time runs out.
type dependencyWaits struct {
	mu      sync.Mutex
	reasons map[string]string // service waited for -> why
}

func (d *dependencyWaits) set(name, why string) {
	d.mu.Lock()
	d.reasons[name] = why
	d.mu.Unlock()
}

func (d *dependencyWaits) clear(name string) {
	d.mu.Lock()
	delete(d.reasons, name)
	d.mu.Unlock()
}

func (d *dependencyWaits) pending() ([]string, map[string]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	reasons := make(map[string]string, len(d.reasons))
	for k, v := range d.reasons {
		reasons[k] = v
	}
	return sortedKeys(reasons), reasons
}

// waitDeps blocks until every service op depends on meets its condition.
func (x *execution) waitDeps(ctx context.Context, op *Op, waiting *dependencyWaits) error {
	var conds []After
	for _, a := range op.After {
		if a.Condition != "" {
			conds = append(conds, a)
		}
	}
	if len(conds) == 0 {
		return nil
	}
	var names []string
	for _, a := range conds {
		names = append(names, x.ops[a.Op].Name)
	}
	x.event(op, stack.StatusWaiting, false, "for "+strings.Join(names, ", "))
	for _, a := range conds {
		dep := x.ops[a.Op]
		waiting.set(dep.Name, fmt.Sprintf("%s waits for it: %s", op.Name, conditionWord(a.Condition)))
		err := x.w.until(ctx, dep.Name, func(snap *snapshot, updated bool) (bool, error) {
			p := x.w.assess(snap, dep.Name, a.Condition, updated)
			return p.done, p.failed
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			x.event(op, stack.StatusError, true, "dependency failed")
			return fmt.Errorf("service %s depends on %s, which did not converge: %w", op.Name, dep.Name, err)
		}
		waiting.clear(dep.Name)
	}
	return nil
}

// event reports a step of op.
func (x *execution) event(op *Op, status stack.Status, done bool, text string) {
	e := stack.Event{Kind: op.Kind, Name: op.Name, Service: op.Key, Status: status, Done: done, Text: text}
	if status == stack.StatusError {
		e.Error, e.Text = text, ""
	}
	x.d.emit(e)
}

// run carries out one operation.
func (x *execution) run(ctx context.Context, op *Op) error {
	eng := x.d.eng
	var err error
	switch {
	case op.Action == Keep:
		x.event(op, stack.StatusRunning, true, "unchanged")
		return nil
	case op.Action == Remove:
		x.event(op, stack.StatusRemoving, false, op.Reason)
		switch op.Kind {
		case KindService:
			err = eng.RemoveService(ctx, op.ObjectID)
		case KindNetwork:
			err = eng.RemoveNetwork(ctx, op.ObjectID)
		case KindSecret:
			err = eng.RemoveSecret(ctx, op.ObjectID)
		case KindConfig:
			err = eng.RemoveConfig(ctx, op.ObjectID)
		}
		if errors.Is(err, engine.ErrNotFound) {
			err = nil
		}
		return x.finish(op, err, stack.StatusRemoved, "")
	case op.Kind == KindNetwork:
		x.event(op, stack.StatusCreating, false, "")
		_, err = eng.CreateOverlayNetwork(ctx, op.Network.Spec)
		return x.finish(op, err, stack.StatusCreated, "")
	case op.Kind == KindSecret || op.Kind == KindConfig:
		x.event(op, stack.StatusCreating, false, op.Reason)
		var id string
		if op.Kind == KindSecret {
			id, err = eng.CreateSecret(ctx, op.Object.Spec)
		} else {
			id, err = eng.CreateConfig(ctx, op.Object.Spec)
		}
		if err == nil {
			x.mu.Lock()
			x.ids[op.ID()] = id
			x.mu.Unlock()
		}
		return x.finish(op, err, stack.StatusCreated, "")
	}
	return x.runService(ctx, op)
}

// finish reports the end of op and returns err.
func (x *execution) finish(op *Op, err error, status stack.Status, text string) error {
	if err != nil {
		x.event(op, stack.StatusError, true, err.Error())
		return err
	}
	x.event(op, status, true, text)
	return nil
}

// runService creates or updates a service, with the IDs of its secrets
// and configs and the registry credential of its image.
func (x *execution) runService(ctx context.Context, op *Op) error {
	spec := op.Service.Spec
	c := spec.Container
	var missing []string
	x.mu.Lock()
	c.Secrets = append([]engine.FileRef(nil), c.Secrets...)
	for i, r := range c.Secrets {
		c.Secrets[i].ID = x.ids[OpID(KindSecret, r.Name)]
		if c.Secrets[i].ID == "" {
			missing = append(missing, "secret "+r.Name)
		}
	}
	c.Configs = append([]engine.FileRef(nil), c.Configs...)
	for i, r := range c.Configs {
		c.Configs[i].ID = x.ids[OpID(KindConfig, r.Name)]
		if c.Configs[i].ID == "" {
			missing = append(missing, "config "+r.Name)
		}
	}
	x.mu.Unlock()
	if len(missing) > 0 {
		err := fmt.Errorf("service %s: %s not found on the swarm", op.Name, strings.Join(missing, ", "))
		x.event(op, stack.StatusError, true, err.Error())
		return err
	}
	spec.Container = c
	auth, err := x.auth(ctx, c.Image)
	if err != nil {
		return x.finish(op, err, "", "")
	}
	opts := engine.ServiceOptions{RegistryAuth: auth}
	var warnings []string
	if op.Action == Create {
		x.event(op, stack.StatusCreating, false, "")
		_, warnings, err = x.d.eng.CreateService(ctx, spec, opts)
	} else {
		x.event(op, StatusUpdating, false, op.Reason)
		warnings, err = x.d.eng.UpdateService(ctx, *op.Current, spec, opts)
	}
	if err != nil {
		return x.finish(op, err, "", "")
	}
	x.w.markUpdated(op.Name)
	for _, msg := range warnings {
		x.event(op, stack.StatusWarning, false, strings.Join(strings.Fields(msg), " "))
	}
	if op.Action == Create {
		return x.finish(op, nil, stack.StatusCreated, "")
	}
	return x.finish(op, nil, StatusUpdated, "")
}

// auth returns the credential for image, asked once per image.
func (x *execution) auth(ctx context.Context, image string) (string, error) {
	if x.o.Auth == nil || !x.o.SendAuth {
		return "", nil
	}
	x.mu.Lock()
	a, ok := x.auths[image]
	x.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err := x.o.Auth(ctx, image)
	if err != nil {
		return "", err
	}
	x.mu.Lock()
	x.auths[image] = a
	x.mu.Unlock()
	return a, nil
}

// waitAll waits until every service of names has converged, reporting
// each one's progress; on failure or timeout it returns a *WaitError
// describing those that did not.
func (d *Deployer) waitAll(ctx context.Context, w *watcher, names []string) error {
	var mu sync.Mutex
	reasons := map[string]string{}
	pending := map[string]bool{}
	for _, name := range names {
		pending[name] = true
	}
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := ""
			err := w.until(ctx, name, func(snap *snapshot, updated bool) (bool, error) {
				return d.progress(snap, w, name, updated, &last)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				delete(pending, name)
			case ctx.Err() == nil:
				// Given up on; the others are still waited for, so that
				// the report names them all.
				reasons[name] = "given up: " + err.Error()
				d.emit(stack.Event{Kind: KindService, Name: name, Status: stack.StatusError, Done: true, Error: err.Error()})
			}
		}()
	}
	wg.Wait()
	switch {
	case len(pending) == 0:
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		// Interrupted: no report, the user knows.
		return ctx.Err()
	}
	return w.report(ctx, sortedKeys(pending), reasons, ctx.Err() != nil)
}

// progress assesses service name in snap for --wait and reports it when
// its summary differs from *last.
func (d *Deployer) progress(snap *snapshot, w *watcher, name string, updated bool, last *string) (bool, error) {
	p := w.assess(snap, name, "", updated)
	if p.summary == *last && !p.done {
		return false, p.failed
	}
	*last = p.summary
	switch {
	case p.done:
		status := stack.StatusRunning
		if svc := snap.services[name]; svc.Mode == engine.ModeReplicatedJob || svc.Mode == engine.ModeGlobalJob {
			status = StatusCompleted
		}
		d.emit(stack.Event{Kind: KindService, Name: name, Status: status, Done: true, Text: p.summary})
	case p.failed == nil:
		d.emit(stack.Event{Kind: KindService, Name: name, Status: stack.StatusWaiting, Text: p.summary})
	}
	return p.done, p.failed
}
