package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Options configure a Deployer.
type Options struct {
	Engine Engine
	// Sink receives progress events; nil discards them.
	Sink stack.Sink
	// Parallel bounds concurrent engine calls; <= 0 uses
	// stack.DefaultParallel.
	Parallel int
	// Now is the clock of event times; nil uses time.Now.
	Now func() time.Time
	// Poll is the time between two looks at the swarm while waiting;
	// <= 0 uses DefaultPollInterval.
	Poll time.Duration
}

// Deployer runs deploy and the swarm verbs against one manager.
type Deployer struct {
	eng      Engine
	sink     stack.Sink
	parallel int
	now      func() time.Time
	poll     time.Duration
}

// New returns a Deployer for o.
func New(o Options) *Deployer {
	d := &Deployer{eng: o.Engine, sink: o.Sink, parallel: o.Parallel, now: o.Now, poll: o.Poll}
	if d.sink == nil {
		d.sink = stack.Discard
	}
	if d.parallel <= 0 {
		d.parallel = stack.DefaultParallel
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}

// emit sends an event stamped with the clock.
func (d *Deployer) emit(e stack.Event) {
	e.Time = d.now()
	d.sink.Event(e)
}

// Resolve modes of DeployOptions.ResolveImage, as docker stack deploy's.
const (
	ResolveAlways  = "always"
	ResolveChanged = "changed"
	ResolveNever   = "never"
)

// DeployOptions tune Deploy.
type DeployOptions struct {
	// Prune removes services the file no longer has (and what only they
	// used).
	Prune bool
	// Force updates every service, also unchanged ones.
	Force bool
	// Wait returns only once every service runs (healthy where it has a
	// health check) or, for a job, has completed; WaitTimeout bounds the
	// whole deploy (0: no bound).
	Wait        bool
	WaitTimeout time.Duration
	// Strict turns the warning about keys a swarm cannot honour into an
	// error, raised before the engine is contacted.
	Strict bool
	// Push pushes the images of services with a build section (built
	// before) to their registry, and pins the services to the digests;
	// Build says they were built (on the manager) without a push.
	Push  bool
	Build bool
	// ResolveImage is ResolveAlways (default), ResolveChanged or
	// ResolveNever: when to ask the registry for an image's digest.
	ResolveImage string
	// Auth returns the encoded registry credential for an image, "" for
	// none; nil means none. It is used to push and to resolve digests.
	Auth func(ctx context.Context, ref string) (string, error)
	// SendAuth passes the credential of each service's image to the swarm,
	// so that every node can pull it (docker's --with-registry-auth).
	SendAuth bool
	// DryRun computes the plan and changes nothing.
	DryRun bool
	// Warn receives, once, the keys the swarm cannot honour.
	Warn func(msg string)
}

// ErrStrict is wrapped by the error of a --strict deploy of a file with
// keys a swarm cannot honour.
var ErrStrict = errors.New("keys a swarm cannot honour")

// Deploy creates or updates project p on the swarm: networks, secrets,
// configs, then the services in dependency order, each once what it
// depends on meets its condition. It returns the plan it carried out (with
// DryRun, the plan it would).
func (d *Deployer) Deploy(ctx context.Context, p *types.Project, o DeployOptions) (*Plan, error) {
	switch o.ResolveImage {
	case "":
		o.ResolveImage = ResolveAlways
	case ResolveAlways, ResolveChanged, ResolveNever:
	default:
		return nil, fmt.Errorf("unknown resolve-image mode %q: use always, changed or never", o.ResolveImage)
	}
	desired, err := Translate(p, TranslateOptions{Push: o.Push, Build: o.Build})
	if err != nil {
		return nil, err
	}
	if len(desired.Warnings) > 0 {
		msg := WarningText(desired.Warnings)
		if o.Strict {
			return nil, fmt.Errorf("%w: %s", ErrStrict, msg)
		}
		if o.Warn != nil {
			o.Warn(msg + " (--strict makes this an error)")
		}
	}
	if _, err := checkManager(ctx, d.eng); err != nil {
		return nil, err
	}
	start := d.now()
	if o.WaitTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.WaitTimeout)
		defer cancel()
	}
	state, err := Observe(ctx, d.eng, p.Name, desired)
	if err != nil {
		return nil, err
	}
	if err := d.images(ctx, desired, state, o); err != nil {
		return nil, err
	}
	for i := range desired.Services {
		desired.Services[i].Spec = withHashes(desired.Services[i].Spec)
	}
	plan, err := MakePlan(desired, state, PlanOptions{Prune: o.Prune, Force: o.Force})
	if err != nil || o.DryRun {
		return plan, err
	}
	w := newWatcher(d.eng, p.Name, d.poll, start)
	stop := w.start(ctx)
	defer stop()
	if err := d.execute(ctx, plan, state, w, o); err != nil {
		return plan, err
	}
	if !o.Wait {
		return plan, nil
	}
	var names []string
	for _, op := range plan.Ops {
		if op.Kind == KindService && op.Action != Remove {
			names = append(names, op.Name)
		}
	}
	return plan, d.waitAll(ctx, w, names)
}

// WarningText renders the warnings as one message.
func WarningText(ws []Warning) string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		parts = append(parts, w.String())
	}
	return "a swarm cannot honour these keys, they are left out: " + strings.Join(parts, "; ")
}
