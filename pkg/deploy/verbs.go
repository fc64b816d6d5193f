package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// The swarm verbs: services, tasks (ps), logs, scale and removal of a
// deployed project.

// ServiceInfo is one service of a deployed project, as `stack services`
// shows it.
type ServiceInfo struct {
	ID      string
	Name    string // on the swarm, e.g. shop_web
	Service string // in the stack file, e.g. web
	Mode    string
	// Running and Desired count tasks; for a job, Running is the
	// completed tasks and Desired the completions asked for.
	Running, Desired uint64
	Image            string // as the stack file names it
	Ports            []engine.PortConfig
	UpdateState      string
}

// Services lists the services of project, by name.
func (d *Deployer) Services(ctx context.Context, project string) ([]ServiceInfo, error) {
	if _, err := checkManager(ctx, d.eng); err != nil {
		return nil, err
	}
	list, err := d.eng.ListServices(ctx, project)
	if err != nil {
		return nil, err
	}
	out := make([]ServiceInfo, 0, len(list))
	for _, s := range list {
		info := ServiceInfo{ID: s.ID, Name: s.Name, Service: serviceKey(project, s), Mode: s.Mode,
			Running: s.Running, Desired: s.Desired, Image: s.Labels[engine.LabelStackImage], Ports: s.Ports, UpdateState: s.UpdateState}
		if info.Image == "" {
			info.Image, _, _ = strings.Cut(s.Image, "@")
		}
		switch s.Mode {
		case engine.ModeReplicatedJob:
			info.Running, info.Desired = s.Completed, 1
			if s.Replicas != nil {
				info.Desired = *s.Replicas
			}
		case engine.ModeGlobalJob:
			info.Running, info.Desired = s.Completed, s.Completed+s.Desired
		}
		out = append(out, info)
	}
	return out, nil
}

// serviceKey is the stack file's name of s: its label, or its swarm name
// without the project's prefix (a service docker stack deployed).
func serviceKey(project string, s engine.Service) string {
	if k := s.Labels[LabelService]; k != "" {
		return k
	}
	return strings.TrimPrefix(s.Name, project+"_")
}

// TaskInfo is one task of a deployed project, as `stack ps --swarm`
// shows it.
type TaskInfo struct {
	ID           string
	Name         string // e.g. shop_web.2, or shop_web.<node> for a global service
	Service      string // key in the stack file
	Slot         int
	Image        string
	Node         string // host name
	NodeAddr     string
	DesiredState string
	State        string
	Since        time.Time
	Error        string
	// Ports are the host ports of a host-mode port, on NodeAddr.
	Ports []engine.PortConfig
}

// TasksOptions tune Tasks.
type TasksOptions struct {
	// All includes the tasks of the past (shut down, failed, replaced);
	// otherwise only those meant to run.
	All      bool
	Services []string
}

// Tasks lists the tasks of project: by service, slot, newest first.
func (d *Deployer) Tasks(ctx context.Context, project string, o TasksOptions) ([]TaskInfo, error) {
	if _, err := checkManager(ctx, d.eng); err != nil {
		return nil, err
	}
	var services []engine.Service
	var tasks []engine.Task
	var nodes []engine.Node
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { services, err = d.eng.ListServices(gctx, project); return })
	g.Go(func() (err error) {
		f := engine.TaskFilter{Namespace: project}
		if !o.All {
			f.DesiredState = engine.TaskRunning
		}
		tasks, err = d.eng.ListTasks(gctx, f)
		if err == nil && !o.All {
			// Jobs are meant to complete.
			var done []engine.Task
			done, err = d.eng.ListTasks(gctx, engine.TaskFilter{Namespace: project, DesiredState: engine.TaskComplete})
			tasks = append(tasks, done...)
		}
		return
	})
	g.Go(func() (err error) { nodes, err = d.eng.ListNodes(gctx); return })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byID := map[string]engine.Service{}
	for _, s := range services {
		byID[s.ID] = s
	}
	nodeByID := map[string]engine.Node{}
	for _, n := range nodes {
		nodeByID[n.ID] = n
	}
	out := make([]TaskInfo, 0, len(tasks))
	for _, t := range tasks {
		svc, ok := byID[t.ServiceID]
		if !ok {
			continue
		}
		key := serviceKey(project, svc)
		if len(o.Services) > 0 && !slices.Contains(o.Services, key) {
			continue
		}
		out = append(out, taskInfo(t, svc, key, nodeByID[t.NodeID]))
	}
	slices.SortStableFunc(out, func(a, b TaskInfo) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Name, b.Name), b.Since.Compare(a.Since))
	})
	return out, nil
}

func taskInfo(t engine.Task, svc engine.Service, key string, node engine.Node) TaskInfo {
	name := fmt.Sprintf("%s.%d", svc.Name, t.Slot)
	if t.Slot == 0 {
		name = svc.Name + "." + t.NodeID
	}
	image, _, _ := strings.Cut(t.Image, "@")
	info := TaskInfo{
		ID: t.ID, Name: name, Service: key, Slot: t.Slot, Image: image,
		Node: node.Hostname, NodeAddr: node.Addr, DesiredState: t.DesiredState, State: t.State,
		Since: t.UpdatedAt, Error: taskError(t), Ports: t.Ports,
	}
	if info.Node == "" {
		info.Node = t.NodeID
	}
	return info
}

// LogsOptions tune Logs.
type LogsOptions struct {
	Services []string
	engine.LogOptions
}

// Logs copies the logs of the project's services (of o.Services, if set)
// to sink, a line at a time, each named after its task: "web.2@node1".
func (d *Deployer) Logs(ctx context.Context, project string, o LogsOptions, sink stack.LogSink) error {
	tasks, err := d.Tasks(ctx, project, TasksOptions{All: true, Services: o.Services})
	if err != nil {
		return err
	}
	services, err := d.eng.ListServices(ctx, project)
	if err != nil {
		return err
	}
	names := map[string]TaskInfo{}
	for _, t := range tasks {
		names[t.ID] = t
	}
	g, gctx := errgroup.WithContext(ctx)
	found := false
	for _, s := range services {
		key := serviceKey(project, s)
		if len(o.Services) > 0 && !slices.Contains(o.Services, key) {
			continue
		}
		found = true
		g.Go(func() error {
			return d.eng.ServiceLogs(gctx, s.ID, o.LogOptions, func(l engine.ServiceLogLine) {
				name := key
				if t, ok := names[l.TaskID]; ok {
					name = fmt.Sprintf("%s.%d@%s", key, t.Slot, t.Node)
					if t.Slot == 0 {
						name = key + "@" + t.Node
					}
				}
				// No Number: the printer then shows the task's name.
				sink.Log(stack.LogLine{Time: l.Time, Service: key, Container: name, Stream: l.Stream, Line: l.Text})
			})
		})
	}
	if !found {
		return fmt.Errorf("project %q has no services on this swarm", project)
	}
	return g.Wait()
}

// ScaleOptions tune Scale.
type ScaleOptions struct {
	// Wait returns once the scaled services have converged.
	Wait        bool
	WaitTimeout time.Duration
}

// Scale sets the replicas of services of project (keys of the stack file).
func (d *Deployer) Scale(ctx context.Context, project string, replicas map[string]int, o ScaleOptions) error {
	if _, err := checkManager(ctx, d.eng); err != nil {
		return err
	}
	start := d.now()
	services, err := d.eng.ListServices(ctx, project)
	if err != nil {
		return err
	}
	byKey := map[string]engine.Service{}
	for _, s := range services {
		byKey[serviceKey(project, s)] = s
	}
	var names []string
	for _, key := range sortedKeys(replicas) {
		s, ok := byKey[key]
		if !ok {
			return fmt.Errorf("no such service on the swarm: %s (project %q)", key, project)
		}
		if s.Mode != engine.ModeReplicated {
			return fmt.Errorf("service %s is %s: only a replicated service can be scaled", key, s.Mode)
		}
		names = append(names, s.Name)
	}
	if o.WaitTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.WaitTimeout)
		defer cancel()
	}
	for _, key := range sortedKeys(replicas) {
		s := byKey[key]
		ev := stack.Event{Kind: KindService, Name: s.Name, Service: key}
		ev.Status, ev.Text = StatusScaling, fmt.Sprintf("%s -> %d", replicasText(s.Replicas), replicas[key])
		d.emit(ev)
		if err := d.eng.ScaleService(ctx, s.ID, uint64(replicas[key])); err != nil {
			ev.Status, ev.Done, ev.Error, ev.Text = stack.StatusError, true, err.Error(), ""
			d.emit(ev)
			return err
		}
		ev.Status, ev.Done = StatusScaled, true
		d.emit(ev)
	}
	if !o.Wait {
		return nil
	}
	w := newWatcher(d.eng, project, d.poll, start)
	stop := w.start(ctx)
	defer stop()
	return d.waitAll(ctx, w, names)
}

func replicasText(n *uint64) string {
	if n == nil {
		return "?"
	}
	return fmt.Sprint(*n)
}

// RemoveOptions tune Remove.
type RemoveOptions struct {
	// Volumes also removes the project's volumes on the manager's node.
	Volumes bool
	// Timeout bounds the wait for the tasks to end (0: a minute).
	Timeout time.Duration
}

// Remove takes project off the swarm: its services, then, once their
// tasks have ended, its secrets, configs and networks, and with
// o.Volumes its volumes on the manager's node. Volumes on other nodes
// cannot be reached through a manager: they are named in the returned
// notes.
func (d *Deployer) Remove(ctx context.Context, project string, o RemoveOptions) (notes []string, err error) {
	info, err := checkManager(ctx, d.eng)
	if err != nil {
		return nil, err
	}
	state, err := Observe(ctx, d.eng, project, nil)
	if err != nil {
		return nil, err
	}
	tasks, err := d.eng.ListTasks(ctx, engine.TaskFilter{Namespace: project})
	if err != nil {
		return nil, err
	}
	nodes, err := d.eng.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	if len(state.Services)+len(state.Networks)+len(state.Secrets)+len(state.Configs) == 0 && !o.Volumes {
		return []string{fmt.Sprintf("project %q has nothing on this swarm", project)}, nil
	}
	each := func(kind stack.ResourceKind, items []string, ids []string, remove func(context.Context, string) error) error {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(d.parallel)
		for i := range items {
			g.Go(func() error {
				ev := stack.Event{Kind: kind, Name: items[i], Status: stack.StatusRemoving}
				d.emit(ev)
				err := remove(gctx, ids[i])
				if errors.Is(err, engine.ErrNotFound) {
					err = nil
				}
				ev.Done = true
				if err != nil {
					ev.Status, ev.Error = stack.StatusError, err.Error()
				} else {
					ev.Status = stack.StatusRemoved
				}
				d.emit(ev)
				return err
			})
		}
		return g.Wait()
	}
	var names, ids []string
	for _, s := range state.Services {
		names, ids = append(names, s.Name), append(ids, s.ID)
	}
	if err := each(KindService, names, ids, d.eng.RemoveService); err != nil {
		return nil, err
	}
	if err := d.waitTasksGone(ctx, project, o.Timeout); err != nil {
		return nil, err
	}
	objects := func(list []engine.SwarmObject) ([]string, []string) {
		var n, i []string
		for _, o := range list {
			n, i = append(n, o.Name), append(i, o.ID)
		}
		return n, i
	}
	names, ids = objects(state.Secrets)
	if err := each(KindSecret, names, ids, d.eng.RemoveSecret); err != nil {
		return nil, err
	}
	names, ids = objects(state.Configs)
	if err := each(KindConfig, names, ids, d.eng.RemoveConfig); err != nil {
		return nil, err
	}
	names, ids = nil, nil
	for _, n := range state.Networks {
		names, ids = append(names, n.Name), append(ids, n.ID)
	}
	if err := each(KindNetwork, names, ids, func(ctx context.Context, id string) error {
		return retryInUse(ctx, func() error { return d.eng.RemoveNetwork(ctx, id) })
	}); err != nil {
		return nil, err
	}
	if o.Volumes {
		vols, err := d.eng.ListStackVolumes(ctx, project)
		if err != nil {
			return nil, err
		}
		names = nil
		for _, v := range vols {
			names = append(names, v.Name)
		}
		if err := each(stack.KindVolume, names, names, func(ctx context.Context, name string) error {
			return retryInUse(ctx, func() error { return d.eng.RemoveVolume(ctx, name) })
		}); err != nil {
			return nil, err
		}
	}
	notes = volumeNotes(project, info.NodeID, tasks, nodes, o.Volumes)
	if slices.ContainsFunc(tasks, func(t engine.Task) bool { return t.DesiredState == engine.TaskComplete }) {
		notes = append(notes, "the swarm keeps the finished tasks of removed jobs, and their containers on their nodes (moby#44312): on each node, docker container prune removes them")
	}
	return notes, nil
}

// waitTasksGone waits until the swarm lists no task of project on a node
// that is up: a task stays listed until its node has removed its
// container.
func (d *Deployer) waitTasksGone(ctx context.Context, project string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	interval := d.poll
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	for {
		tasks, err := d.eng.ListTasks(ctx, engine.TaskFilter{Namespace: project})
		if err != nil {
			return err
		}
		live := 0
		if len(tasks) > 0 {
			nodes, err := d.eng.ListNodes(ctx)
			if err != nil {
				return err
			}
			down := map[string]bool{}
			for _, n := range nodes {
				down[n.ID] = n.State == "down"
			}
			for _, t := range tasks {
				// The tasks of a job stay listed, and their containers on
				// their nodes, after the job is removed (moby#44312):
				// waiting for them would be in vain.
				if t.NodeID != "" && !down[t.NodeID] && t.DesiredState != engine.TaskComplete {
					live++
				}
			}
		}
		if live == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("the containers of %d tasks of project %q are still on their nodes %s after their services were removed", live, project, timeout)
			}
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// retryInUse retries a removal the engine refuses because the object is
// still in use (a node has not yet removed a task's container), for up to
// half a minute.
func retryInUse(ctx context.Context, remove func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := remove()
		if err == nil || !errors.Is(err, engine.ErrConflict) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// volumeNotes names the nodes other than the manager whose tasks mounted
// the project's named volumes: those volumes stay there.
func volumeNotes(project, manager string, tasks []engine.Task, nodes []engine.Node, removed bool) []string {
	names := map[string]string{}
	for _, n := range nodes {
		names[n.ID] = n.Hostname + " (" + n.Addr + ")"
	}
	seen := map[string]bool{}
	var on []string
	for _, t := range tasks {
		if len(t.Volumes) == 0 || t.NodeID == manager || seen[t.NodeID] {
			continue
		}
		seen[t.NodeID] = true
		on = append(on, names[t.NodeID])
	}
	if len(on) == 0 {
		return nil
	}
	sort.Strings(on)
	what := "the project's volumes"
	if removed {
		what = "the project's volumes on other nodes than the manager"
	}
	return []string{fmt.Sprintf("%s stay on %s: a manager cannot remove a node's volumes (on each: docker volume rm $(docker volume ls -q --filter label=%s=%s))",
		what, strings.Join(on, ", "), engine.LabelStackNamespace, project)}
}
