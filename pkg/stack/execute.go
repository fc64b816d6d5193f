package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// execution is the state of running one plan: what each operation made or
// acted on, for the operations after it.
type execution struct {
	s  *Stack
	pl *Plan
	w  *watcher // nil when no edge waits on more than a start
	// parent is the caller's context. Engine calls run on it, not on the
	// walk's: a failure elsewhere stops what has not started, but a call
	// in flight finishes and is reported as it ended, rather than be cut
	// off half done (a start the engine made although its request was
	// cancelled).
	parent context.Context

	mu  sync.Mutex
	ids []string // container ID of each container op, once run
	// first is the first operation that failed of its own, and firstErr
	// its error; gone is the error that says the engine went away.
	first    *Op
	firstErr error
	gone     error
	ran      []atomic.Bool
	reported []atomic.Bool // the op's end was reported (Error, Canceled)
}

// execute runs exactly the operations of pl: each after those it depends
// on have finished and their containers meet the edges' conditions, at
// most s.parallel at a time (waiting holds no slot), operations ready at
// once by priority. It returns the execution, also on failure, for what it
// made; the first failure cancels what is in flight and starts nothing
// more.
func (s *Stack) execute(ctx context.Context, pl *Plan) (*execution, error) {
	x := &execution{s: s, pl: pl, parent: ctx, ids: make([]string, len(pl.Ops)),
		ran: make([]atomic.Bool, len(pl.Ops)), reported: make([]atomic.Bool, len(pl.Ops))}
	for _, n := range pl.Notes {
		s.emit(Event{Kind: n.Resource, Name: n.Name, Service: n.Service, Status: StatusWarning, Done: true, Text: n.Text})
	}
	if len(pl.Ops) == 0 {
		return x, nil
	}
	g, err := x.graph()
	if err != nil {
		return x, err
	}
	if x.waits() {
		// Subscribed before anything starts, so no change is missed.
		x.w = s.watch(ctx, pl.Project)
		defer x.w.close()
	}
	v := graph.Visitor{Wait: x.wait, Run: x.run}
	if s.parallel == 1 {
		// One at a time: waiting holds the only slot, as a sequential
		// start would, so the order is the graph's and the priorities'.
		v = graph.Visitor{Run: func(ctx context.Context, key string) error {
			if err := x.wait(ctx, key); err != nil {
				return err
			}
			return x.run(ctx, key)
		}}
	}
	err = g.Walk(ctx, graph.WalkOptions{Limit: s.parallel}, v)
	if err == nil {
		return x, nil
	}
	if ctx.Err() != nil {
		x.reportInterrupted()
		return x, err
	}
	return x, x.settle(err)
}

// settle reports, after a failed walk, the operations that did not run
// because of the failure, and returns what the command should say: that
// the engine went away, else the first failure of its own.
func (x *execution) settle(walkErr error) error {
	x.mu.Lock()
	first, firstErr, gone := x.first, x.firstErr, x.gone
	x.mu.Unlock()
	if gone == nil && first != nil {
		gone = x.engineGone()
	}
	var why string
	switch {
	case gone != nil:
		why = "not run: the engine went away"
	case first != nil && first.Resource == KindImage:
		why = fmt.Sprintf("not run: image %s failed", first.Name)
	case first != nil && first.Service != "":
		why = fmt.Sprintf("not run: service %q failed", first.Service)
	case first != nil:
		why = fmt.Sprintf("not run: %s %s failed", first.Resource, first.Name)
	}
	if why != "" {
		seen := map[string]bool{}
		for _, op := range x.pl.Ops {
			key := string(op.Resource) + " " + op.Name
			if x.ran[op.ID].Load() || x.reported[op.ID].Load() || !op.Kind.changes() || seen[key] {
				continue
			}
			seen[key] = true
			x.s.emit(Event{Kind: op.Resource, Name: op.Name, Service: op.Service, Status: StatusCanceled, Done: true, Text: why})
		}
	}
	switch {
	case gone != nil:
		return gone
	case firstErr != nil:
		return firstErr
	}
	return walkErr
}

// graph is the plan as a graph for the walker. Priorities combine the
// stage of an op with the plan's: with several slots a start goes before
// any create, so containers start as early as they can; with one, every
// create goes first, so the start order is the graph's and the
// priorities' alone.
func (x *execution) graph() (*graph.Graph, error) {
	type rank struct{ stage, prio int }
	ranks := make([]rank, len(x.pl.Ops))
	var distinct []rank
	seen := map[rank]bool{}
	for i, op := range x.pl.Ops {
		r := rank{prio: op.Priority}
		if x.pl.stages && op.Kind.startStage() == (x.s.parallel != 1) {
			r.stage = 1
		}
		ranks[i] = r
		if !seen[r] {
			seen[r] = true
			distinct = append(distinct, r)
		}
	}
	sort.Slice(distinct, func(i, j int) bool {
		if distinct[i].stage != distinct[j].stage {
			return distinct[i].stage < distinct[j].stage
		}
		return distinct[i].prio < distinct[j].prio
	})
	dense := map[rank]int{}
	for i, r := range distinct {
		dense[r] = i
	}
	nodes := make([]graph.Node, len(x.pl.Ops))
	for i, op := range x.pl.Ops {
		n := graph.Node{Name: opKey(i), Priority: dense[ranks[i]]}
		for _, d := range op.Deps {
			n.Deps = append(n.Deps, graph.Edge{To: opKey(d.Op)})
		}
		nodes[i] = n
	}
	g, err := graph.New(nodes)
	if err != nil {
		return nil, fmt.Errorf("plan of project %q: %w", x.pl.Project, err)
	}
	return g, nil
}

// opKey is the walker's name of op i: in op order when priorities tie.
func opKey(i int) string { return fmt.Sprintf("%07d", i) }

func (x *execution) op(key string) *Op {
	i, _ := strconv.Atoi(key)
	return x.pl.Ops[i]
}

// startStage reports whether an op of this kind belongs to the start
// stage of an up rather than to its create stage.
func (k OpKind) startStage() bool {
	switch k {
	case OpStart, OpRestart, OpReplace, OpKeep:
		return true
	}
	return false
}

// waits reports whether any edge of the plan waits for more than a start.
func (x *execution) waits() bool {
	for _, op := range x.pl.Ops {
		for _, d := range op.Deps {
			if d.Condition.waits() {
				return true
			}
		}
	}
	return false
}

// id returns the container ID op i made or acted on.
func (x *execution) id(i int) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ids[i]
}

func (x *execution) setID(i int, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids[i] = id
}

// container returns the ID of the container op acts on: the one its From
// op made, else its existing container.
func (x *execution) container(op *Op) string {
	if op.From != nil {
		return x.id(op.From.ID)
	}
	if op.Container != nil {
		return op.Container.ID
	}
	return ""
}

// wait blocks, holding no slot, until the containers of op's dependencies
// meet the edges' conditions beyond a start.
func (x *execution) wait(ctx context.Context, key string) error {
	op := x.op(key)
	for _, d := range op.Deps {
		if !d.Condition.waits() {
			continue
		}
		dep := x.pl.Ops[d.Op]
		x.s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusWaiting, Text: "for " + dep.Name})
		if err := x.s.await(ctx, x.w, x.id(d.Op), dep.Name, d.Condition, ""); err != nil {
			if ctx.Err() != nil {
				// Stopped by another failure or an interrupt: reported
				// with the operations that did not run.
				return err
			}
			return x.fail(op, fmt.Errorf("dependency failed to start: %w", err))
		}
	}
	return nil
}

// run carries out one operation and reports it. Engine calls run on the
// caller's context (see execution.parent); a pull or build, which can be
// long, on the walk's.
func (x *execution) run(ctx context.Context, key string) error {
	op := x.op(key)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var err error
	switch op.Resource {
	case KindContainer:
		err = x.runContainer(x.parent, op)
	case KindNetwork:
		err = x.runNetwork(x.parent, op)
	case KindVolume:
		err = x.runVolume(x.parent, op)
	case KindImage:
		// The build and pull report their own failures.
		if err = x.runImage(ctx, op); err != nil && !x.reported[op.ID].Swap(true) {
			err = x.record(op, err)
		}
	default:
		err = x.fail(op, fmt.Errorf("%s %s: cannot %s a %s", op.Resource, op.Name, op.Kind, op.Resource))
	}
	if err == nil {
		x.ran[op.ID].Store(true)
	}
	return err
}

// Why an operation ended in error.
const (
	causeOwn      = iota // a failure of its own
	causeCanceled        // stopped by an interrupt or by another failure
	causeGone            // the engine went away
)

// cause tells why op's error err happened.
func (x *execution) cause(err error) int {
	var unreachable *engine.UnreachableError
	switch {
	case x.parent.Err() != nil || errors.Is(err, context.Canceled):
		return causeCanceled
	case errors.As(err, &unreachable):
		return causeGone
	}
	return causeOwn
}

// fail reports that op failed and returns its error, prefixed with the
// service of a container op: as an Error when the failure is its own or
// is the first sign that the engine went away, else as Canceled.
func (x *execution) fail(op *Op, err error) error {
	if op.Service != "" && op.Resource != KindImage {
		err = fmt.Errorf("service %q: %w", op.Service, err)
	}
	x.reported[op.ID].Store(true)
	err = x.record(op, err)
	ev := Event{Kind: op.Resource, Name: op.Name, Service: op.Service, Status: StatusError, Done: true, Error: err.Error()}
	switch x.cause(err) {
	case causeCanceled:
		ev.Status, ev.Error, ev.Text = StatusCanceled, "", "interrupted"
		if x.parent.Err() == nil {
			ev.Text = "stopped: another operation failed"
		}
	case causeGone:
		x.mu.Lock()
		reported := x.gone != err
		x.mu.Unlock()
		if reported {
			ev.Status, ev.Error, ev.Text = StatusCanceled, "", "the engine went away"
		}
	}
	x.s.emit(ev)
	return err
}

// record notes op's failure err: the first failure of its own, or the
// first sign that the engine went away (returned as an EngineGoneError).
func (x *execution) record(op *Op, err error) error {
	cause := x.cause(err)
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case cause == causeGone && x.gone == nil:
		var u *engine.UnreachableError
		errors.As(err, &u)
		x.gone = &EngineGoneError{Host: u.Host, Err: err}
		return x.gone
	case cause == causeOwn && x.first == nil:
		x.first, x.firstErr = op, err
	}
	return err
}

// engineGone asks the engine whether it still answers, after a failure:
// an engine that shuts down first stops taking connections, then stops
// every container, whose exits a run sees as failures of its own. It
// returns the error to report instead, or nil when the engine answers.
func (x *execution) engineGone() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.parent), goneProbeTimeout)
	defer cancel()
	var err error
	if p, ok := x.s.engine.(engine.Prober); ok {
		err = p.Reachable(ctx)
	} else {
		_, err = x.s.engine.Ping(ctx)
	}
	var u *engine.UnreachableError
	if !errors.As(err, &u) {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.gone = &EngineGoneError{Host: u.Host, Err: err}
	return x.gone
}

// goneProbeTimeout bounds the ping of engineGone.
const goneProbeTimeout = 5 * time.Second

// EngineGoneError is returned when the engine stopped answering in the
// middle of a command: what was done is done, and running the command
// again finishes the rest.
type EngineGoneError struct {
	Host string
	// Err is the first failure that showed it.
	Err error
}

func (e *EngineGoneError) Error() string {
	cause := e.Err
	var u *engine.UnreachableError
	if errors.As(e.Err, &u) && u.Err != nil {
		cause = u.Err
	}
	return fmt.Sprintf("the Docker engine at %s went away during the command (%v): run the command again to finish", e.Host, cause)
}

func (e *EngineGoneError) Unwrap() error { return e.Err }

// reportInterrupted tells, after an interrupt, which containers of an up
// were not started, so the user knows what the next up will do.
func (x *execution) reportInterrupted() {
	if !x.pl.stages {
		return
	}
	for _, op := range x.pl.Ops {
		if op.Resource != KindContainer || !op.Kind.startStage() || op.Kind == OpKeep || x.ran[op.ID].Load() {
			continue
		}
		x.s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusSkipped, Done: true,
			Text: "interrupted before start; run up again to finish"})
	}
}

// reportPlan emits one event per operation and note of a dry run.
func (s *Stack) reportPlan(pl *Plan) {
	for _, op := range pl.Ops {
		s.emit(Event{Kind: op.Resource, Name: op.Name, Service: op.Service, Status: Would(op.Kind), Done: true, Text: pl.explain(op)})
	}
	for _, n := range pl.Notes {
		s.emit(Event{Kind: n.Resource, Name: n.Name, Service: n.Service, Status: StatusWarning, Done: true, Text: n.Text})
	}
}

// explain is an operation's detail for a person reading progress: its
// reasons and what it waits for, by name.
func (pl *Plan) explain(op *Op) string {
	var parts []string
	if len(op.Reasons) > 0 {
		parts = append(parts, strings.Join(op.Reasons, ", "))
	}
	var after []string
	for _, d := range op.Deps {
		dep := pl.Ops[d.Op]
		if dep.Name == op.Name && dep.Resource == op.Resource {
			continue
		}
		a := dep.Name
		switch d.Condition {
		case ConditionHealthy:
			a += " healthy"
		case ConditionCompleted:
			a += " completed"
		}
		if len(after) == 0 || after[len(after)-1] != a {
			after = append(after, a)
		}
	}
	if len(after) > 0 {
		parts = append(parts, "after "+strings.Join(after, ", "))
	}
	return strings.Join(parts, "; ")
}

// ignoreGone treats a container, network or volume that is already gone
// as done: removed meanwhile, there is nothing left to do with it.
func ignoreGone(err error) error {
	if errors.Is(err, engine.ErrNotFound) {
		return nil
	}
	return err
}
