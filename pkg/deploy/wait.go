package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Waiting for services to converge. The Engine API reports no task
// events, so the watcher polls: one list of services (with their task
// counts), one of up-to-date tasks and one of nodes per round, shared by
// every waiter. Service and node events only make it look again at once.

// DefaultPollInterval is the time between two looks at the swarm while
// something waits and the swarm changes; while it does not, the time
// doubles up to maxPollInterval, to leave a busy manager alone.
const (
	DefaultPollInterval = 250 * time.Millisecond
	maxPollInterval     = 2 * time.Second
)

// failLimit is how many tasks of a service may fail, with none running,
// before a wait gives up on it rather than on its timeout; one is enough
// for a service that is not restarted.
const failLimit = 3

// snapshot is one look at the swarm.
type snapshot struct {
	// gen is the watcher's generation when the look began: a service
	// updated at a later generation is not seen updated in it yet.
	gen      int
	services map[string]engine.Service // by name
	tasks    map[string][]engine.Task  // up-to-date tasks by service ID
	nodes    map[string]engine.Node    // by ID
}

// watcher keeps the latest snapshot of a project and wakes waiters when a
// new one arrives. Its run loop is owned by the caller of start.
type watcher struct {
	eng      Engine
	project  string
	interval time.Duration
	// since is when the deploy began: task failures before it are old.
	since time.Time

	mu   sync.Mutex
	snap *snapshot
	err  error
	next chan struct{} // closed when snap or err changes
	// gen counts the creates and updates of this run; updated maps a
	// service to the generation of its last one.
	gen     int
	updated map[string]int
	// kicks asks the poll loop for a look now; nil when it is not running.
	kicks chan struct{}
}

func newWatcher(eng Engine, project string, interval time.Duration, since time.Time) *watcher {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	return &watcher{eng: eng, project: project, interval: interval, since: since,
		next: make(chan struct{}), updated: map[string]int{}}
}

// markUpdated records that this run created or updated the service name,
// so that its update state counts.
func (w *watcher) markUpdated(name string) {
	w.mu.Lock()
	w.gen++
	w.updated[name] = w.gen
	w.mu.Unlock()
	w.kick()
}

// kick asks for a new look soon; it never blocks.
func (w *watcher) kick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kicks != nil {
		select {
		case w.kicks <- struct{}{}:
		default:
		}
	}
}

// start runs the poll loop until ctx ends; the returned function stops it
// and waits for it.
func (w *watcher) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	kicks := make(chan struct{}, 1)
	w.mu.Lock()
	w.kicks = kicks
	w.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		evs, errs := w.eng.SwarmEvents(ctx)
		for {
			select {
			case _, ok := <-evs:
				if !ok {
					return
				}
				w.kick()
			case <-errs:
				// Polling goes on without events.
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		timer := time.NewTimer(0)
		defer timer.Stop()
		interval, last := w.interval, ""
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			case <-kicks:
				timer.Stop()
				last = "" // an event: look closely again
			}
			switch fp := w.poll(ctx); {
			case fp == last:
				interval = min(2*interval, max(maxPollInterval, w.interval))
			default:
				interval, last = w.interval, fp
			}
			timer.Reset(interval)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		w.mu.Lock()
		w.kicks = nil
		w.mu.Unlock()
	}
}

// poll takes one snapshot, publishes it and returns its fingerprint
// (what the states of services, tasks and nodes are).
func (w *watcher) poll(ctx context.Context) string {
	snap, err := w.look(ctx)
	if ctx.Err() != nil {
		return ""
	}
	w.mu.Lock()
	if err == nil {
		w.snap = snap
	}
	w.err = err
	close(w.next)
	w.next = make(chan struct{})
	w.mu.Unlock()
	if err != nil {
		return ""
	}
	return snap.fingerprint()
}

// fingerprint sums up the states of the snapshot: equal fingerprints mean
// nothing a waiter looks at changed.
func (s *snapshot) fingerprint() string {
	var b strings.Builder
	for _, name := range sortedKeys(s.services) {
		svc := s.services[name]
		fmt.Fprintf(&b, "%s %d %s %d %d;", svc.ID, svc.Version, svc.UpdateState, svc.Running, svc.Desired)
		for _, t := range s.tasks[svc.ID] {
			fmt.Fprintf(&b, "%s %s %s,", t.ID, t.State, t.DesiredState)
		}
	}
	for _, id := range sortedKeys(s.nodes) {
		b.WriteString(id + " " + s.nodes[id].State + ";")
	}
	return b.String()
}

func (w *watcher) look(ctx context.Context) (*snapshot, error) {
	w.mu.Lock()
	gen := w.gen
	w.mu.Unlock()
	services, err := w.eng.ListServices(ctx, w.project)
	if err != nil {
		return nil, err
	}
	tasks, err := w.eng.ListTasks(ctx, engine.TaskFilter{Namespace: w.project, UpToDate: true})
	if err != nil {
		return nil, err
	}
	nodes, err := w.eng.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	s := &snapshot{gen: gen, services: map[string]engine.Service{}, tasks: map[string][]engine.Task{}, nodes: map[string]engine.Node{}}
	for _, svc := range services {
		s.services[svc.Name] = svc
	}
	for _, t := range tasks {
		s.tasks[t.ServiceID] = append(s.tasks[t.ServiceID], t)
	}
	for _, n := range nodes {
		s.nodes[n.ID] = n
	}
	return s, nil
}

// until calls check with each new snapshot taken after the last create
// or update of service name, telling whether this run created or updated
// it, until check says done or fails, or ctx ends. A failing look at the
// swarm is returned only when it lasts: the engine may be busy a moment.
func (w *watcher) until(ctx context.Context, name string, check func(snap *snapshot, updated bool) (bool, error)) error {
	failures := 0
	for {
		w.mu.Lock()
		snap, err, next := w.snap, w.err, w.next
		gen, updated := w.updated[name]
		w.mu.Unlock()
		switch {
		case err != nil:
			failures++
			if failures > 10 {
				return err
			}
		case snap != nil && snap.gen >= gen:
			failures = 0
			done, err := check(snap, updated)
			if done || err != nil {
				return err
			}
		}
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// progress is how far a service has come.
type progress struct {
	done    bool
	failed  error
	summary string // e.g. "2/3 running"
}

// assess tells whether svc meets cond (a depends_on condition, or "" for
// --wait: running, or completed for a job) in snap.
func (w *watcher) assess(snap *snapshot, name, cond string, updated bool) progress {
	svc, ok := snap.services[name]
	if !ok {
		return progress{summary: "created"}
	}
	c := count(svc, snap.tasks[svc.ID], snap.nodes, w.since)
	switch svc.UpdateState {
	case "paused":
		return progress{failed: fmt.Errorf("its update is paused: %s", svc.UpdateMessage), summary: c.summary(svc)}
	case "rollback_paused", "rollback_completed":
		if updated {
			return progress{failed: fmt.Errorf("its update was rolled back: %s", svc.UpdateMessage), summary: c.summary(svc)}
		}
	}
	updating := svc.UpdateState == "updating" || svc.UpdateState == "rollback_started"
	job := svc.Mode == engine.ModeReplicatedJob || svc.Mode == engine.ModeGlobalJob
	var done bool
	switch {
	case job:
		want := uint64(1)
		if svc.Replicas != nil {
			want = *svc.Replicas
		}
		if svc.Mode == engine.ModeGlobalJob {
			want = max(uint64(c.total), 1)
		}
		done = uint64(c.complete) >= want && c.active == 0
	case cond == types.ServiceConditionCompletedSuccessfully:
		done = c.complete > 0 && c.active == 0
	default:
		// A task of a service that is not restarted may have completed:
		// it ran once, as it should.
		done = !updating && uint64(c.running+c.complete) >= svc.Desired
	}
	p := progress{done: done, summary: c.summary(svc)}
	if updating {
		p.summary += ", " + strings.ReplaceAll(svc.UpdateState, "_", " ")
	}
	limit := failLimit
	if svc.RestartCondition == "none" {
		limit = 1
	}
	if !done && c.running == 0 && c.failed >= limit {
		p.failed = fmt.Errorf("%d tasks failed: %s", c.failed, c.lastErr)
	}
	return p
}

// taskCount sums up the up-to-date tasks of a service.
type taskCount struct {
	total, running, active, complete, failed int
	states                                   map[string]int
	lastErr                                  string
	lastErrAt                                time.Time
}

func count(svc engine.Service, tasks []engine.Task, nodes map[string]engine.Node, since time.Time) taskCount {
	c := taskCount{states: map[string]int{}}
	// A task that completed is shut down; when its service does not
	// restart such tasks, it has done its work.
	once := svc.RestartCondition == "none" || svc.RestartCondition == "on-failure"
	noteErr := func(t engine.Task) {
		if msg := taskError(t); msg != "" && !t.UpdatedAt.Before(c.lastErrAt) {
			c.lastErr, c.lastErrAt = msg, t.UpdatedAt
		}
	}
	for _, t := range tasks {
		if t.DesiredState == engine.TaskShutdown || t.DesiredState == engine.TaskRemove {
			switch {
			case once && t.State == engine.TaskComplete:
			case (t.State == engine.TaskFailed || t.State == engine.TaskRejected) && !t.CreatedAt.Before(since):
				// An attempt of this deploy that failed, replaced or not.
				c.failed++
				c.states[t.State]++
				noteErr(t)
				continue
			default:
				continue
			}
		}
		c.total++
		state := t.State
		if n, ok := nodes[t.NodeID]; ok && n.State == "down" && (state == engine.TaskRunning || state == engine.TaskStarting) {
			state = "node down"
		}
		c.states[state]++
		switch state {
		case engine.TaskRunning:
			c.running++
			c.active++
		case engine.TaskComplete:
			c.complete++
		case engine.TaskFailed, engine.TaskRejected, engine.TaskShutdown, engine.TaskOrphaned, "node down":
			if (state == engine.TaskFailed || state == engine.TaskRejected) && !t.CreatedAt.Before(since) {
				c.failed++
			}
			noteErr(t)
		default:
			c.active++
		}
	}
	// A pending task says why in its message.
	if c.lastErr == "" {
		for _, t := range tasks {
			if t.State == engine.TaskPending && t.Err != "" {
				c.lastErr = t.Err
			}
		}
	}
	return c
}

// taskError is what a task says went wrong.
func taskError(t engine.Task) string {
	switch {
	case t.Err != "":
		return t.Err
	case t.State == engine.TaskFailed && t.ExitCode != 0:
		return fmt.Sprintf("exit code %d", t.ExitCode)
	}
	return ""
}

func (c taskCount) summary(svc engine.Service) string {
	var parts []string
	switch svc.Mode {
	case engine.ModeReplicatedJob, engine.ModeGlobalJob:
		parts = append(parts, fmt.Sprintf("%d completed", c.complete))
	default:
		parts = append(parts, fmt.Sprintf("%d/%d running", c.running, svc.Desired))
		if c.complete > 0 {
			parts = append(parts, fmt.Sprintf("%d completed", c.complete))
		}
	}
	for _, st := range sortedKeys(c.states) {
		if st != engine.TaskRunning && st != engine.TaskComplete {
			parts = append(parts, fmt.Sprintf("%d %s", c.states[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// WaitError says which services did not converge, and why.
type WaitError struct {
	// Timeout is set when the wait ran out of time.
	Timeout  bool
	Services []ServiceReport
}

// ServiceReport describes a service that did not converge.
type ServiceReport struct {
	Name    string
	Summary string // task states, e.g. "1/3 running, 2 pending"
	Reason  string // why it was given up on, when it was
	LastErr string
	// Logs are the last lines the service's tasks wrote.
	Logs []string
}

func (e *WaitError) Error() string {
	var b strings.Builder
	if e.Timeout {
		b.WriteString("timed out waiting for the services to converge")
	} else {
		b.WriteString("services did not converge")
	}
	for _, r := range e.Services {
		fmt.Fprintf(&b, "\n  service %s: %s", r.Name, r.Summary)
		if r.Reason != "" {
			fmt.Fprintf(&b, "\n    %s", r.Reason)
		}
		if r.LastErr != "" && !strings.Contains(r.Reason, r.LastErr) {
			fmt.Fprintf(&b, "\n    last task error: %s", r.LastErr)
		}
		if len(r.Logs) > 0 {
			b.WriteString("\n    last log lines:")
			for _, l := range r.Logs {
				fmt.Fprintf(&b, "\n      %s", l)
			}
		}
	}
	return b.String()
}

// report describes the services of names that have not converged, each
// with its last task error and last log lines (read within a few
// seconds: a node that is down never answers).
func (w *watcher) report(ctx context.Context, names []string, reasons map[string]string, timeout bool) *WaitError {
	e := &WaitError{Timeout: timeout}
	// The wait's own context may be over: the report gets its own time.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	snap, err := w.look(ctx)
	if err != nil {
		w.mu.Lock()
		snap = w.snap
		w.mu.Unlock()
	}
	if snap == nil {
		return e
	}
	for _, name := range names {
		svc, ok := snap.services[name]
		if !ok {
			e.Services = append(e.Services, ServiceReport{Name: name, Summary: "not created", Reason: reasons[name]})
			continue
		}
		c := count(svc, snap.tasks[svc.ID], snap.nodes, w.since)
		r := ServiceReport{Name: name, Summary: c.summary(svc), Reason: reasons[name], LastErr: c.lastErr}
		r.Logs = w.lastLogs(ctx, svc, snap.nodes)
		e.Services = append(e.Services, r)
	}
	sort.Slice(e.Services, func(i, j int) bool { return e.Services[i].Name < e.Services[j].Name })
	return e
}

// lastLogs returns the last lines of a service's log, "task@node | text".
func (w *watcher) lastLogs(ctx context.Context, svc engine.Service, nodes map[string]engine.Node) []string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var lines []string
	err := w.eng.ServiceLogs(ctx, svc.ID, engine.LogOptions{Tail: "5"}, func(l engine.ServiceLogLine) {
		node := l.NodeID
		if n, ok := nodes[l.NodeID]; ok {
			node = n.Hostname
		}
		lines = append(lines, fmt.Sprintf("%s@%s | %s", shortID(l.TaskID), node, l.Text))
	})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && len(lines) == 0 {
		return []string{"(logs unavailable: " + err.Error() + ")"}
	}
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return lines
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
