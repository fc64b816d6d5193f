package stack

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Plan is every operation a verb will run, with why and after what: the
// difference between what is wanted and what the engine holds, as a
// value. Computing it changes nothing; the executor runs exactly it and
// decides nothing; --dry-run prints it.
type Plan struct {
	Project string
	// Ops are the operations in a stable order; Op.ID is the index.
	Ops []*Op
	// Notes are things the plan leaves alone on purpose and the user
	// should know about (orphan containers kept).
	Notes []Note
	// project is the stack file the plan was made from (nil for a project
	// known by its labels only); builds read it.
	project *types.Project
	// stages tells the executor that the plan has a create and a start
	// stage (up), whose operations it schedules in that order.
	stages bool
}

// Op is one operation of a plan.
type Op struct {
	ID       int
	Kind     OpKind
	Resource ResourceKind
	// Name is the container, network, volume or image acted on.
	Name    string
	Service string
	Number  int
	// Reasons say why, in the user's words: the settings that changed,
	// "dependency recreated", "missing"...
	Reasons []string
	// Deps are the operations that must finish first, each with the
	// condition its container must meet too.
	Deps []Dep
	// Priority orders operations that are ready at once: higher first.
	Priority int

	// Container is the existing container acted on: the one started,
	// stopped, kept, replaced, connected or removed.
	Container *engine.Container
	// From is the operation that made the container acted on (a create
	// for its start, a recreate for its swap), nil when Container is it.
	From *Op
	// Spec is the container a create or recreate makes (for a recreate,
	// under its temporary name).
	Spec *engine.ContainerSpec
	// Network is the network a network op creates, NetworkID the existing
	// one it removes, or a container is disconnected from or connected to.
	Network   *engine.NetworkRequest
	NetworkID string
	// Volume is the volume a volume op creates.
	Volume *engine.VolumeRequest
	// Endpoint is how a container joins a network (connect).
	Endpoint *engine.Endpoint
	// Timeout is the grace period of a stop (nil: the container's own);
	// Signal what a kill sends; Volumes removes anonymous volumes too.
	Timeout *time.Duration
	Signal  string
	Volumes bool
	// Retire marks the stop of a container that is removed next.
	Retire bool
	// PreStop hooks run in the container before a stop, replace or
	// restart stops it; PostStart hooks after a start or restart.
	PreStop, PostStart []engine.Hook
	// Restart is the service's restart policy, which decides whether an
	// exited container may still become ready.
	Restart string
}

// Dep is an edge of the plan: the operation Op must finish, and its
// container meet Condition.
type Dep struct {
	Op        int
	Condition Condition
}

// Note is a remark of a plan about a resource it does not act on.
type Note struct {
	Resource ResourceKind
	Name     string
	Service  string
	Text     string
}

// Changes reports whether running the plan would change anything.
func (p *Plan) Changes() bool {
	for _, op := range p.Ops {
		if op.Kind.changes() {
			return true
		}
	}
	return false
}

// String prints the plan, one line per operation and one per note:
//
//  1. network shop_default: create
//  2. container shop-db-1: create after 1
//  3. container shop-web-1: recreate (environment) as 0123456789ab_shop-web-1 after 1
//  4. container shop-web-1: start after 3, 2 healthy
//     -  container shop-old-1: orphan, kept (use --remove-orphans)
func (p *Plan) String() string {
	var b strings.Builder
	for _, op := range p.Ops {
		fmt.Fprintf(&b, "%d. %s\n", op.ID+1, op.line())
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "-  %s %s: %s\n", n.Resource, n.Name, n.Text)
	}
	return b.String()
}

// line is an operation as String prints it, without its number.
func (op *Op) line() string {
	return string(op.Resource) + " " + op.Name + ": " + string(op.Kind) + op.Detail()
}

// Detail is what String prints after the operation's kind: its reasons,
// a temporary name, its edges.
func (op *Op) Detail() string {
	var b strings.Builder
	if len(op.Reasons) > 0 {
		b.WriteString(" (" + strings.Join(op.Reasons, ", ") + ")")
	}
	if op.Kind == OpRecreate && op.Spec != nil {
		b.WriteString(" as " + op.Spec.Name)
	}
	for _, h := range append(op.PreStop, op.PostStart...) {
		b.WriteString(" with " + h.Key())
	}
	if op.Priority != 0 {
		b.WriteString(" priority " + strconv.Itoa(op.Priority))
	}
	for i, d := range op.Deps {
		if i == 0 {
			b.WriteString(" after ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d.Op + 1))
		switch d.Condition {
		case ConditionHealthy:
			b.WriteString(" healthy")
		case ConditionCompleted:
			b.WriteString(" completed")
		}
	}
	return b.String()
}

// add appends op with the next ID and returns it.
func (p *Plan) add(op *Op) *Op {
	op.ID = len(p.Ops)
	p.Ops = append(p.Ops, op)
	return op
}

// after adds dependencies, once each.
func (op *Op) after(deps ...Dep) {
	for _, d := range deps {
		dup := false
		for i, e := range op.Deps {
			if e.Op == d.Op {
				// The stronger condition wins.
				if e.Condition == ConditionDone || e.Condition == ConditionStarted {
					op.Deps[i].Condition = d.Condition
				}
				dup = true
				break
			}
		}
		if !dup {
			op.Deps = append(op.Deps, d)
		}
	}
}

// done is a dependency on op finishing.
func done(op *Op) Dep { return Dep{Op: op.ID} }
