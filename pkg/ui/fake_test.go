package ui

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// fakeVerbs is a hand-written stand-in for *stack.Stack: containers in
// memory, an event stream, the calls recorded, and a dry run that reports
// what plan says.
type fakeVerbs struct {
	sink stack.Sink
	st   *fakeState
}

type fakeState struct {
	mu         sync.Mutex
	containers []engine.Container
	calls      []string
	plan       []*stack.Op // what PlanUp plans
	subs       []chan stack.ContainerEvent
	logs       []stack.LogLine
}

func (f *fakeState) verbs(sink stack.Sink) Verbs { return &fakeVerbs{sink: sink, st: f} }

func (f *fakeState) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeState) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// setState changes the state of service's containers and tells the
// followers.
func (f *fakeState) setState(service, state, status string) {
	f.mu.Lock()
	var ev stack.ContainerEvent
	for i := range f.containers {
		if f.containers[i].Service == service {
			f.containers[i].State, f.containers[i].Status = engine.State(state), status
			ev = stack.ContainerEvent{Time: time.Now(), Action: "die", ID: f.containers[i].ID, Service: service, Attributes: map[string]string{"name": f.containers[i].Name}}
		}
	}
	subs := append([]chan stack.ContainerEvent(nil), f.subs...)
	f.mu.Unlock()
	for _, s := range subs {
		s <- ev
	}
}

func (v *fakeVerbs) Up(ctx context.Context, p *types.Project, o stack.UpOptions) error {
	v.st.record("up")
	return nil
}

func (v *fakeVerbs) PlanUp(ctx context.Context, p *types.Project, o stack.UpOptions) (*stack.Plan, error) {
	v.st.mu.Lock()
	defer v.st.mu.Unlock()
	return &stack.Plan{Project: p.Name, Ops: append([]*stack.Op(nil), v.st.plan...)}, nil
}

func (v *fakeVerbs) PlanDown(ctx context.Context, name string, p *types.Project, o stack.DownOptions) (*stack.Plan, error) {
	return &stack.Plan{Project: name, Ops: []*stack.Op{{Kind: stack.OpRemove, Resource: stack.KindContainer, Name: name + "-web-1", Service: "web"}}}, nil
}

func (v *fakeVerbs) Down(ctx context.Context, name string, p *types.Project, o stack.DownOptions) error {
	v.st.record("down")
	return nil
}

func (v *fakeVerbs) Start(ctx context.Context, name string, p *types.Project, o stack.StartOptions) error {
	v.st.record("start " + o.Services[0])
	return nil
}

func (v *fakeVerbs) Stop(ctx context.Context, name string, p *types.Project, o stack.StopOptions) error {
	v.st.record("stop " + o.Services[0])
	v.sink.Event(stack.Event{Kind: stack.KindContainer, Name: name + "-" + o.Services[0] + "-1", Status: stack.StatusStopped, Done: true})
	v.st.setState(o.Services[0], "exited", "Exited (0) 1 second ago")
	return nil
}

func (v *fakeVerbs) Restart(ctx context.Context, name string, p *types.Project, o stack.RestartOptions) error {
	v.st.record("restart " + o.Services[0])
	return nil
}

func (v *fakeVerbs) Pause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error {
	v.st.record("pause " + o.Services[0])
	return nil
}

func (v *fakeVerbs) Unpause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error {
	v.st.record("unpause " + o.Services[0])
	return nil
}

func (v *fakeVerbs) Scale(ctx context.Context, p *types.Project, scale map[string]int, o stack.ScaleOptions) error {
	v.st.record("scale")
	return nil
}

func (v *fakeVerbs) Ps(ctx context.Context, name string, o stack.PsOptions) ([]engine.Container, error) {
	v.st.mu.Lock()
	defer v.st.mu.Unlock()
	return append([]engine.Container(nil), v.st.containers...), nil
}

func (v *fakeVerbs) Logs(ctx context.Context, project string, sink stack.LogSink, o stack.LogsOptions) error {
	v.st.mu.Lock()
	lines := append([]stack.LogLine(nil), v.st.logs...)
	v.st.mu.Unlock()
	for _, l := range lines {
		if len(o.Services) == 0 || slices.Contains(o.Services, l.Service) {
			sink.Log(l)
		}
	}
	if o.Follow {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (v *fakeVerbs) Events(ctx context.Context, project string, services []string, fn func(stack.ContainerEvent) error) error {
	ch := make(chan stack.ContainerEvent, 16)
	v.st.mu.Lock()
	v.st.subs = append(v.st.subs, ch)
	v.st.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-ch:
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
}

func (v *fakeVerbs) List(ctx context.Context, o stack.LsOptions) ([]stack.ProjectSummary, error) {
	return []stack.ProjectSummary{{Name: "shop", Status: "running(2)", Running: 2}}, nil
}

func (v *fakeVerbs) Timeline(ctx context.Context, project string) ([]stack.ContainerTimes, error) {
	return nil, nil
}
