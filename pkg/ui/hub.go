package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// A hub is the live state of one project: it follows the engine's events,
// re-lists the containers after each burst of them (an event only says
// "look again") and sends what changed to the project's pages.

const (
	// settle gathers the events of one burst into one list call.
	settle = 100 * time.Millisecond
	// idleFor is how long a hub without pages lives on (a reload comes
	// back to the same hub, its timeline record kept).
	idleFor = 2 * time.Minute
	// retryMax bounds the wait before following the engine's events again.
	retryMax = 10 * time.Second
)

type hub struct {
	s     *Server
	name  string
	verbs Verbs // reads: no progress to report
	wake  chan struct{}
	// firstReads holds a token while a page's first log lines are read.
	firstReads chan struct{}

	mu        sync.Mutex
	clients   map[*client]struct{}
	lastSeen  time.Time // when the last page left
	proj      *types.Project
	projErr   error
	loaded    bool
	files     []string // config files and directory from the labels
	dir       string
	stamp     string // of the stack files when loaded (fileStamp)
	view      ProjectView
	listed    bool   // view reflects at least one list
	engineErr string // the last failure to reach the engine, "" when fine
	busy      *actionInfo
	rec       map[string]*record // container ID -> what the events said
	feed      logFeed
}

// record is what the hub saw happen to one container while it watched.
type record struct {
	name, service string
	created       time.Time
	started       time.Time
	healthy       time.Time
	died          time.Time
	exitCode      string
}

func newHub(s *Server, name string) *hub {
	return &hub{
		s: s, name: name, verbs: s.o.Verbs(stack.Discard),
		wake: make(chan struct{}, 1), firstReads: make(chan struct{}, 1), clients: map[*client]struct{}{},
		rec: map[string]*record{}, lastSeen: s.o.Now(),
	}
}

// poke asks the hub to look at the engine again.
func (h *hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run follows the project until the server stops or nobody looked at it
// for idleFor (the project stack ui was started for stays).
func (h *hub) run() {
	ctx, cancel := context.WithCancel(h.s.ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		h.stopFeed()
		wg.Wait()
		h.s.dropHub(h)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.follow(ctx)
	}()
	h.reload(ctx)
	idle := time.NewTicker(idleFor / 4)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
			// Let the rest of a burst of events arrive.
			select {
			case <-time.After(settle):
			case <-ctx.Done():
				return
			}
			h.refresh(ctx)
		case <-idle.C:
			if h.idle() {
				return
			}
		}
	}
}

// idle reports whether the hub may stop: no page, no action, not the
// project stack ui was started for.
func (h *hub) idle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.name != h.s.o.Project && len(h.clients) == 0 && h.busy == nil &&
		h.s.o.Now().Sub(h.lastSeen) > idleFor
}

// follow feeds the engine's events to the hub, following again after a
// failure with a growing pause.
func (h *hub) follow(ctx context.Context) {
	wait := time.Second
	for {
		err := h.verbs.Events(ctx, h.name, nil, func(ev stack.ContainerEvent) error {
			h.note(ev)
			h.poke()
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			h.setEngineErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
		h.poke()
	}
}

// note records an event for the timeline and restarts the log feed when a
// container starts and pages follow the logs.
func (h *hub) note(ev stack.ContainerEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.Action == "destroy" {
		delete(h.rec, ev.ID)
		return
	}
	r := h.rec[ev.ID]
	if r == nil {
		r = &record{name: ev.Attributes["name"], service: ev.Service}
		h.rec[ev.ID] = r
	}
	switch ev.Action {
	case "create":
		r.created = ev.Time
	case "start":
		r.started, r.healthy, r.died, r.exitCode = ev.Time, time.Time{}, time.Time{}, ""
		h.startFeedLocked()
	case "health_status: healthy":
		if r.healthy.IsZero() {
			r.healthy = ev.Time
		}
	case "die":
		r.died, r.exitCode = ev.Time, ev.Attributes["exitCode"]
	}
}

func (h *hub) setEngineErr(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	h.mu.Lock()
	changed := h.engineErr != msg
	h.engineErr = msg
	h.mu.Unlock()
	if changed {
		h.broadcast(message{Type: "engine", Error: msg})
	}
}

// reload loads the stack file again, then lists the containers.
func (h *hub) reload(ctx context.Context) {
	h.project(ctx, true)
	h.refresh(ctx)
}

// project returns the loaded stack file, loading it when fresh is set or
// it was never loaded. Another project's file is found from its labels,
// so its containers are listed first.
func (h *hub) project(ctx context.Context, fresh bool) (*types.Project, error) {
	h.mu.Lock()
	if h.loaded && !fresh {
		defer h.mu.Unlock()
		return h.proj, h.projErr
	}
	files, dir, main := h.files, h.dir, h.name == h.s.o.Project
	h.mu.Unlock()
	if !main && len(files) == 0 {
		if cs, err := h.verbs.Ps(ctx, h.name, stack.PsOptions{All: true}); err == nil {
			files, dir = labelFiles(cs)
		}
	}
	p, err := h.s.o.Load(ctx, h.name, files, dir)
	if err == nil && p.Name != h.name {
		p, err = nil, errWrongProject(p.Name, h.name)
	}
	stamp := fileStamp(p)
	h.mu.Lock()
	h.proj, h.projErr, h.loaded = p, err, true
	h.files, h.dir, h.stamp = files, dir, stamp
	h.mu.Unlock()
	return p, err
}

// fileStamp sums up the stack files' sizes and modification times: when it
// is unchanged, a new page needs no new load (compose-go takes a while on
// a large project, and the browser wants the CPU then).
func fileStamp(p *types.Project) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, f := range p.ComposeFiles {
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", f, fi.Size(), fi.ModTime().UnixNano())
		} else {
			fmt.Fprintf(&b, "%s missing\n", f)
		}
	}
	return b.String()
}

// stale reports whether the stack file may have changed since it was
// loaded.
func (h *hub) stale() bool {
	h.mu.Lock()
	p, stamp, loaded, err := h.proj, h.stamp, h.loaded, h.projErr
	h.mu.Unlock()
	return !loaded || err != nil || fileStamp(p) != stamp
}

// labelFiles reads the config files and project directory of a project
// from its containers' labels.
func labelFiles(cs []engine.Container) ([]string, string) {
	for _, c := range cs {
		if f := c.Labels[engine.LabelConfigFiles]; f != "" {
			return strings.Split(f, ","), c.Labels[engine.LabelWorkingDir]
		}
	}
	return nil, ""
}

// refresh lists the containers and sends the pages what changed.
func (h *hub) refresh(ctx context.Context) {
	cs, err := h.verbs.Ps(ctx, h.name, stack.PsOptions{All: true})
	if err != nil {
		if ctx.Err() == nil {
			h.setEngineErr(err)
		}
		return
	}
	h.setEngineErr(nil)
	h.mu.Lock()
	v := buildView(h.name, h.proj, cs)
	h.decorate(&v)
	old, listed := h.view, h.listed
	h.view, h.listed = v, true
	h.mu.Unlock()
	if !listed || !sameShape(old, v) {
		h.broadcast(message{Type: "project", Project: &v})
		return
	}
	var changed []ServiceView
	for i := range v.Services {
		if !reflect.DeepEqual(old.Services[i], v.Services[i]) {
			changed = append(changed, v.Services[i])
		}
	}
	if len(changed) > 0 {
		h.broadcast(message{Type: "services", Services: changed})
	}
}

// decorate adds what the server knows beyond the file and the engine.
// Called with h.mu held.
func (h *hub) decorate(v *ProjectView) {
	v.ReadOnly = h.s.o.ReadOnly
	v.Jobs = h.s.o.Jobs != nil && hasJobs(h.proj)
	if h.projErr != nil {
		v.FileError = h.projErr.Error()
	}
}

// hasJobs reports whether a service of p has a schedule or triggers.
func hasJobs(p *types.Project) bool {
	if p == nil {
		return false
	}
	for _, svc := range p.Services {
		if _, ok := svc.Extensions[project.ScheduleKey]; ok {
			return true
		}
		if _, ok := svc.Extensions[project.TriggersKey]; ok {
			return true
		}
	}
	return false
}

// sameShape reports whether two views have the same services and edges:
// otherwise the page lays the graph out again.
func sameShape(a, b ProjectView) bool {
	if len(a.Services) != len(b.Services) || a.File != b.File || a.FileError != b.FileError {
		return false
	}
	for i := range a.Services {
		x, y := a.Services[i], b.Services[i]
		if x.Name != y.Name || x.Priority != y.Priority || x.Desired != y.Desired || x.Orphan != y.Orphan || !reflect.DeepEqual(x.Deps, y.Deps) {
			return false
		}
	}
	return true
}

// attach adds a page and sends it the whole state.
func (h *hub) attach(c *client) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	hello := message{Type: "hello", Busy: h.busy, Error: h.engineErr}
	if h.listed {
		v := h.view
		hello.Project = &v
	}
	h.mu.Unlock()
	c.send(hello)
	// A new page is the moment to notice an edited stack file.
	if h.stale() {
		h.s.spawn(func(ctx context.Context) { h.reload(ctx) })
	}
}

// detach removes a page and what it followed.
func (h *hub) detach(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.lastSeen = h.s.o.Now()
	h.mu.Unlock()
	h.stopFeedIfUnused()
}

// broadcast sends m to every page of the project.
func (h *hub) broadcast(m message) {
	data, err := json.Marshal(m)
	if err != nil {
		h.s.o.Logf("encode %s message: %v", m.Type, err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.sendRaw(data)
	}
}

// message is what the server sends a page over the WebSocket.
type message struct {
	Type     string         `json:"type"`
	Project  *ProjectView   `json:"project,omitempty"`
	Services []ServiceView  `json:"services,omitempty"`
	Lines    []logLine      `json:"lines,omitempty"`
	Dropped  int            `json:"dropped,omitempty"`
	Action   *actionInfo    `json:"action,omitempty"`
	Event    *stack.Event   `json:"event,omitempty"`
	Busy     *actionInfo    `json:"busy,omitempty"`
	Error    string         `json:"error,omitempty"`
	Extra    map[string]any `json:"extra,omitempty"`
}

// errWrongProject is the load error of a file whose project name is not
// the one the page shows (the labels named another project's file).
func errWrongProject(got, want string) error {
	return fmt.Errorf("the stack file is project %q, not %q", got, want)
}
