package agent

// The project lock: one agent acts for a project at a time. This is a
// small stand-in, replaceable by the engine-side project lock when there
// is one: the lock is the container named <project>-agent-1, which the
// engine lets exist once. An installed agent is that container; a
// foreground agent makes a tiny one that runs "stack agent hold" with its
// standard input attached to the agent, so that it ends when the agent's
// connection does, however the agent ended (kill -9 included).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Lock makes sure one agent acts for a project at a time.
type Lock interface {
	// Acquire takes the lock, or fails with a *LockedError when another
	// agent holds it.
	Acquire(ctx context.Context) error
	// Check makes sure the lock is still held, taking it again when the
	// engine lost it (it restarted); a *LockLostError when another agent
	// took it meanwhile.
	Check(ctx context.Context) error
	// Owns reports whether container id is the lock's, so that the agent
	// stops when it is removed (stack down).
	Owns(id string) bool
	// Release gives the lock up, even after ctx ended.
	Release(ctx context.Context)
}

// Values of stack.LabelAgent.
const (
	AgentInstalled = "installed"
	AgentHold      = "hold"
)

// AgentService is the service label of the agent's container.
const AgentService = "agent"

// LabelHolder describes who holds a foreground lock: host and process.
const LabelHolder = "io.stack.agent.holder"

// AgentName is the name of the agent's container of a project.
func AgentName(project string) string { return project + "-agent-1" }

// LockedError says which agent acts for the project.
type LockedError struct {
	Project   string
	Container string
	// Kind is AgentInstalled or AgentHold; Holder describes a foreground
	// agent; Stopped tells an installed agent that is not running.
	Kind    string
	Holder  string
	Stopped bool
}

func (e *LockedError) Error() string {
	switch {
	case e.Kind == AgentInstalled && e.Stopped:
		return fmt.Sprintf("the installed agent %s of project %q is stopped: start it (docker start %s) or remove it (stack agent remove)", e.Container, e.Project, e.Container)
	case e.Kind == AgentInstalled:
		return fmt.Sprintf("the installed agent %s acts for project %q: only one agent acts for a project; remove it (stack agent remove) to run one in the foreground", e.Container, e.Project)
	}
	holder := ""
	if e.Holder != "" {
		holder = " (" + e.Holder + ")"
	}
	return fmt.Sprintf("another agent acts for project %q%s, holding %s: only one agent acts for a project; stop it, or wait for it with --wait", e.Project, holder, e.Container)
}

// LockLostError says that another agent took the lock while this one had
// lost the engine.
type LockLostError struct{ Err error }

func (e *LockLostError) Error() string { return "lost the project lock: " + e.Err.Error() }
func (e *LockLostError) Unwrap() error { return e.Err }

// ContainerLock is the lock as the container AgentName(project).
type ContainerLock struct {
	Engine  engine.Engine
	Project *types.Project
	// Self is the name of the agent's own container, when the agent runs
	// installed: it holds the lock by being that container.
	Self string
	// Image is the image of a foreground agent's hold container: the
	// agent image, whose entrypoint is stack.
	Image string
	// Wait makes Acquire wait for the holder to go instead of failing.
	Wait bool

	id     string
	detach context.CancelFunc
	stdin  *io.PipeWriter
}

// Acquire takes the lock (see Lock).
func (l *ContainerLock) Acquire(ctx context.Context) error {
	if l.Self != "" {
		return nil
	}
	name := AgentName(l.Project.Name)
	for {
		err := l.hold(ctx, name)
		if !errors.Is(err, engine.ErrConflict) {
			return err
		}
		held, err := l.holder(ctx, name)
		if err != nil {
			return err
		}
		if held == nil {
			continue // gone meanwhile: try again
		}
		if !held.State.Up() && held.Labels[stack.LabelAgent] != AgentInstalled {
			// A hold whose agent is gone, left by an engine that stopped
			// under it.
			if err := l.Engine.RemoveContainer(ctx, held.ID, engine.RemoveOptions{Force: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			continue
		}
		locked := &LockedError{Project: l.Project.Name, Container: name, Kind: held.Labels[stack.LabelAgent], Holder: held.Labels[LabelHolder], Stopped: !held.State.Up()}
		if !l.Wait || locked.Stopped {
			return locked
		}
		if err := l.awaitGone(ctx, held.ID); err != nil {
			return err
		}
	}
}

// holder returns the container that holds the lock, nil when none does.
func (l *ContainerLock) holder(ctx context.Context, name string) (*engine.Container, error) {
	cs, err := l.Engine.ListContainers(ctx, engine.Filter{Project: l.Project.Name, All: true})
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i], nil
		}
	}
	return nil, nil
}

// awaitGone waits, on the engine's events, until container id dies or is
// removed.
func (l *ContainerLock) awaitGone(ctx context.Context, id string) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errs := l.Engine.Events(wctx, engine.Filter{Project: l.Project.Name})
	// Looked at after subscribing, so that its end is not missed.
	if d, err := l.Engine.InspectContainer(ctx, id); errors.Is(err, engine.ErrNotFound) || err == nil && !d.Running {
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return <-errs
			}
			if ev.ID == id && (ev.Action == "die" || ev.Action == "destroy") {
				return nil
			}
		case err := <-errs:
			return err
		}
	}
}

// hold creates and starts the hold container, attached to a pipe that
// only Release closes.
func (l *ContainerLock) hold(ctx context.Context, name string) error {
	host, _ := os.Hostname()
	svc := types.ServiceConfig{Name: AgentService}
	svc.Image, svc.Command, svc.StdinOpen, svc.NetworkMode = l.Image, types.ShellCommand{"agent", "hold"}, true, "none"
	svc.Labels = types.Labels{stack.LabelAgent: AgentHold,
		LabelHolder: fmt.Sprintf("foreground agent, pid %d on %s, since %s", os.Getpid(), host, time.Now().Format(time.RFC3339))}
	api, err := l.Engine.APIVersion(ctx)
	if err != nil {
		return err
	}
	cc, err := engine.ContainerConfig(engine.CreateRequest{Project: l.Project, Service: svc, Name: name, Number: 1, OneOff: true, StdinOnce: true}, api)
	if err != nil {
		return err
	}
	c, err := l.Engine.CreateContainer(ctx, engine.ContainerSpec{Name: name, Config: cc, Service: svc})
	if err != nil {
		return err
	}
	l.id = c.ID
	r, w := io.Pipe()
	actx, detach := context.WithCancel(context.WithoutCancel(ctx))
	if _, err := l.Engine.AttachContainer(actx, c.ID, engine.Streams{Stdin: r}); err != nil {
		detach()
		l.Release(ctx)
		return err
	}
	l.detach, l.stdin = detach, w
	if err := l.Engine.StartContainer(ctx, c.ID); err != nil {
		l.Release(ctx)
		return err
	}
	return nil
}

// Check makes sure the lock is still held (see Lock).
func (l *ContainerLock) Check(ctx context.Context) error {
	if l.Self != "" || l.id == "" {
		return nil
	}
	d, err := l.Engine.InspectContainer(ctx, l.id)
	if err == nil && d.Running {
		return nil
	}
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	l.Release(ctx)
	wait := l.Wait
	l.Wait = false
	defer func() { l.Wait = wait }()
	if err := l.Acquire(ctx); err != nil {
		var locked *LockedError
		if errors.As(err, &locked) {
			return &LockLostError{Err: err}
		}
		return err
	}
	return nil
}

// Owns reports whether id is the hold container.
func (l *ContainerLock) Owns(id string) bool { return id != "" && id == l.id }

// Release removes the hold container; its process ends with the
// attachment.
func (l *ContainerLock) Release(ctx context.Context) {
	if l.detach != nil {
		_ = l.stdin.Close()
		l.detach()
		l.detach = nil
	}
	if l.id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	_ = l.Engine.RemoveContainer(ctx, l.id, engine.RemoveOptions{Force: true})
	l.id = ""
}
