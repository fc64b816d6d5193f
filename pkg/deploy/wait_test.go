package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// setTasks puts every current task of service name in state.
func (f *fakeSwarm) setTasks(name, state, err string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state[name] = state
	s, ok := f.services[name]
	if !ok {
		return
	}
	for i := range f.tasks[s.ID] {
		t := &f.tasks[s.ID][i]
		if t.DesiredState == engine.TaskRunning {
			t.State, t.Err = state, err
		}
	}
}

func (f *fakeSwarm) created(name string) bool {
	return slices.Contains(f.called("CreateService"), "CreateService "+name)
}

// waitFor polls cond until it holds, or fails the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A service is created only once what it depends on runs healthy.
func TestDeployWaitsForDependencies(t *testing.T) {
	f := newFakeSwarm()
	f.state["shop_db"] = engine.TaskStarting
	p := load(t, planStack, map[string]string{"pw.txt": "x"})
	done := make(chan error, 1)
	go func() {
		_, err := newTestDeployer(f).Deploy(context.Background(), p, DeployOptions{ResolveImage: ResolveNever, Wait: true})
		done <- err
	}()
	waitFor(t, "db created", func() bool { return f.created("shop_db") })
	// Several rounds of polling see db starting: web must not be created.
	for range 5 {
		time.Sleep(10 * time.Millisecond)
		if f.created("shop_web") {
			t.Fatal("web was created while db was not healthy")
		}
	}
	f.setTasks("shop_db", engine.TaskRunning, "")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !f.created("shop_web") {
		t.Fatal("web was not created")
	}
	// The secret and the network came before the services.
	calls := f.called("CreateSecret", "CreateOverlayNetwork", "CreateService")
	if !strings.HasPrefix(calls[2], "CreateService shop_db") {
		t.Fatalf("calls in order: %v", calls)
	}
}

func TestWaitReportsFailures(t *testing.T) {
	f := newFakeSwarm()
	f.state["shop_broken"] = engine.TaskFailed
	f.taskErr["shop_broken"] = "task: non-zero exit (3)"
	f.state["shop_nowhere"] = engine.TaskPending
	f.taskErr["shop_nowhere"] = "no suitable node"
	p := load(t, `name: shop
services:
  ok:
    image: x
  broken:
    image: x
    restart: "no"
  nowhere:
    image: x
`, map[string]string{})
	_, err := newTestDeployer(f).Deploy(context.Background(), p, DeployOptions{ResolveImage: ResolveNever, Wait: true, WaitTimeout: 300 * time.Millisecond})
	var we *WaitError
	if !errors.As(err, &we) || !we.Timeout {
		t.Fatalf("error %v, want a timeout *WaitError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"service shop_broken: 0/1 running, 1 failed",
		"given up: 1 tasks failed: task: non-zero exit (3)",
		"log of ",
		"service shop_nowhere: 0/1 running, 1 pending",
		"last task error: no suitable node",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "shop_ok") {
		t.Errorf("report names a service that converged:\n%s", msg)
	}
}

func TestAssess(t *testing.T) {
	now := time.Now()
	one, three := uint64(1), uint64(3)
	running := func(id, node string) engine.Task {
		return engine.Task{ID: id, ServiceID: "s", NodeID: node, DesiredState: engine.TaskRunning, State: engine.TaskRunning, CreatedAt: now}
	}
	failed := engine.Task{ID: "f", ServiceID: "s", NodeID: "n1", DesiredState: engine.TaskShutdown, State: engine.TaskFailed, Err: "boom", CreatedAt: now}
	complete := engine.Task{ID: "c", ServiceID: "s", NodeID: "n1", DesiredState: engine.TaskShutdown, State: engine.TaskComplete, CreatedAt: now}
	// A job's finished task is meant to be complete.
	jobDone := complete
	jobDone.DesiredState = engine.TaskComplete
	nodes := map[string]engine.Node{"n1": {ID: "n1", State: "ready"}, "n2": {ID: "n2", State: "down"}}
	for _, tc := range []struct {
		name    string
		svc     engine.Service
		tasks   []engine.Task
		cond    string
		updated bool
		done    bool
		failed  string
	}{
		{"converged", engine.Service{Desired: 3}, []engine.Task{running("a", "n1"), running("b", "n1"), running("c", "n1")}, "", false, true, ""},
		{"one on a node that is down", engine.Service{Desired: 2}, []engine.Task{running("a", "n1"), running("b", "n2")}, "", false, false, ""},
		{"updating", engine.Service{Desired: 1, UpdateState: "updating"}, []engine.Task{running("a", "n1")}, "", true, false, ""},
		{"paused", engine.Service{Desired: 1, UpdateState: "paused", UpdateMessage: "task failed"}, nil, "", true, false, "update is paused"},
		{"rolled back, by this deploy", engine.Service{Desired: 1, UpdateState: "rollback_completed"}, []engine.Task{running("a", "n1")}, "", true, false, "rolled back"},
		{"rolled back, long ago", engine.Service{Desired: 1, UpdateState: "rollback_completed"}, []engine.Task{running("a", "n1")}, "", false, true, ""},
		{"failing", engine.Service{Desired: 1}, []engine.Task{failed, failed, failed}, "", false, false, "3 tasks failed: boom"},
		{"failed once, not restarted", engine.Service{Desired: 1, RestartCondition: "none"}, []engine.Task{failed}, "", false, false, "1 tasks failed"},
		{"ran once", engine.Service{Desired: 1, RestartCondition: "none"}, []engine.Task{complete}, "", false, true, ""},
		{"completed, as a dependency", engine.Service{Desired: 1, RestartCondition: "none"}, []engine.Task{complete}, types.ServiceConditionCompletedSuccessfully, false, true, ""},
		{"job", engine.Service{Mode: engine.ModeReplicatedJob, Replicas: &three}, []engine.Task{jobDone, jobDone}, "", false, false, ""},
		{"job done", engine.Service{Mode: engine.ModeReplicatedJob, Replicas: &one}, []engine.Task{jobDone}, "", false, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWatcher(nil, "p", 0, now.Add(-time.Second))
			tc.svc.ID, tc.svc.Name = "s", "p_s"
			snap := &snapshot{services: map[string]engine.Service{"p_s": tc.svc}, tasks: map[string][]engine.Task{"s": tc.tasks}, nodes: nodes}
			p := w.assess(snap, "p_s", tc.cond, tc.updated)
			if p.done != tc.done {
				t.Errorf("done = %v (%s), want %v", p.done, p.summary, tc.done)
			}
			switch {
			case tc.failed == "" && p.failed != nil:
				t.Errorf("failed: %v", p.failed)
			case tc.failed != "" && (p.failed == nil || !strings.Contains(p.failed.Error(), tc.failed)):
				t.Errorf("failed = %v, want %q", p.failed, tc.failed)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	f := newFakeSwarm()
	if _, err := deployText(t, f, planStack, "x", DeployOptions{ResolveImage: ResolveNever}); err != nil {
		t.Fatal(err)
	}
	d := newTestDeployer(f)
	if _, err := d.Remove(context.Background(), "shop", RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(f.services)+len(f.secrets)+len(f.networks) != 0 {
		t.Fatalf("left: %v %v %v", f.services, f.secrets, f.networks)
	}
	notes, err := d.Remove(context.Background(), "shop", RemoveOptions{})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "nothing on this swarm") {
		t.Fatalf("a second removal: %v %v", notes, err)
	}
}

func TestVerbs(t *testing.T) {
	f := newFakeSwarm()
	if _, err := deployText(t, f, planStack, "x", DeployOptions{ResolveImage: ResolveNever}); err != nil {
		t.Fatal(err)
	}
	d := newTestDeployer(f)
	ctx := context.Background()
	services, err := d.Services(ctx, "shop")
	if err != nil || len(services) != 2 || services[1].Service != "web" || services[1].Running != 2 || services[1].Image != "reg.local/web:1" {
		t.Fatalf("services: %+v %v", services, err)
	}
	tasks, err := d.Tasks(ctx, "shop", TasksOptions{Services: []string{"web"}})
	if err != nil || len(tasks) != 2 || tasks[0].Name != "shop_web.1" || tasks[0].Node != "node1" {
		t.Fatalf("tasks: %+v %v", tasks, err)
	}
	if err := d.Scale(ctx, "shop", map[string]int{"nope": 1}, ScaleOptions{}); err == nil || !strings.Contains(err.Error(), "no such service") {
		t.Fatalf("scale of an unknown service: %v", err)
	}
	if err := d.Scale(ctx, "shop", map[string]int{"web": 4}, ScaleOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if n := *f.services["shop_web"].Replicas; n != 4 {
		t.Fatalf("web has %d replicas", n)
	}
}
