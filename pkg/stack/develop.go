package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/filewatch"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// The develop.watch rules of the Compose Specification: files changed
// under a rule's path are synced into the service's containers, or make
// it rebuild, restart or run a command. See Watch.

// Status values of watch actions.
const (
	StatusWatching   Status = "Watching"
	StatusSyncing    Status = "Syncing"
	StatusSynced     Status = "Synced"
	StatusRebuilding Status = "Rebuilding"
	StatusRebuilt    Status = "Rebuilt"
	StatusExecuting  Status = "Executing"
	StatusExecuted   Status = "Executed"
)

// ErrNoWatch is returned when none of the selected services has
// develop.watch rules.
var ErrNoWatch = errors.New("none of the selected services is configured for watch: add a develop.watch section")

// WatchOptions tune Watch.
type WatchOptions struct {
	// Services selects whose rules apply; empty means all.
	Services []string
	// Build tunes the builds of rebuild rules (Quiet).
	Build BuildOptions
	// Prune removes the image a rebuild replaced.
	Prune bool
	// Logs receives the output of sync+exec commands; nil discards it.
	Logs LogSink
	// Ready, when set, is called once every path is watched.
	Ready func()
	// Quiet is how long a burst of changes must pause to end (0: a
	// quarter second); the burst is then acted on once.
	Quiet time.Duration
}

// watchRule is one develop.watch entry of a service, ready to match.
type watchRule struct {
	service string
	index   int
	types.Trigger
	// include, when set, keeps only the paths it matches; ignore drops
	// those it matches (both relative to Path).
	include, ignore *patternmatcher.PatternMatcher
	// dockerignore, when set, drops what the build context's
	// .dockerignore excludes (relative to context).
	dockerignore *patternmatcher.PatternMatcher
	context      string
}

// ephemeral are editors' and tools' temporary files, never acted on.
var ephemeral = []string{"*.swp", "*.swx", "*.swo", "*~", ".#*", "#*#", "4913", "*___jb_tmp___", "*___jb_old___", ".*.kate-swp", ".DS_Store"}

// match returns the container path that host path p maps to under the
// rule (the target joined with p's path below the rule's path; "" without
// a target), and whether the rule applies to p at all.
func (r watchRule) match(p string) (string, bool) {
	rel, err := filepath.Rel(r.Path, p)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", false
	}
	slash := filepath.ToSlash(rel)
	for _, part := range strings.Split(slash, "/") {
		if part == ".git" {
			return "", false
		}
	}
	base := filepath.Base(p)
	for _, pat := range ephemeral {
		if ok, _ := path.Match(pat, base); ok {
			return "", false
		}
	}
	if slash != "." {
		if r.include != nil {
			if ok, _ := r.include.MatchesOrParentMatches(slash); !ok {
				return "", false
			}
		}
		if r.ignore != nil {
			if ok, _ := r.ignore.MatchesOrParentMatches(slash); ok {
				return "", false
			}
		}
	}
	if r.dockerignore != nil {
		if crel, err := filepath.Rel(r.context, p); err == nil && filepath.IsLocal(crel) {
			if ok, _ := r.dockerignore.MatchesOrParentMatches(filepath.ToSlash(crel)); ok {
				return "", false
			}
		}
	}
	if r.Target == "" {
		return "", true
	}
	return path.Join(r.Target, slash), true
}

// syncs reports whether the rule's action copies files.
func (r watchRule) syncs() bool {
	switch r.Action {
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		return true
	}
	return false
}

// CheckWatch checks the develop.watch rules of the selected services (all
// when none is named) without touching the engine: ErrNoWatch when there
// are none, else the first mistake, naming the file, service and rule.
func CheckWatch(p *types.Project, services []string) error {
	_, _, err := watchRules(p, services)
	return err
}

// watchRules reads the rules of the selected services; warnings are the
// rules left out (a sync path a bind mount already shares).
func watchRules(p *types.Project, services []string) (rules []watchRule, warnings []Event, err error) {
	names := services
	if len(names) == 0 {
		names = sortedKeys(p.Services)
	}
	file := ""
	if len(p.ComposeFiles) > 0 {
		file = p.ComposeFiles[0]
		if rel, err := filepath.Rel(p.WorkingDir, file); err == nil && filepath.IsLocal(rel) {
			file = rel
		}
	}
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return nil, nil, fmt.Errorf("no such service: %s", name)
		}
		if svc.Develop == nil {
			continue
		}
		var dockerignore *patternmatcher.PatternMatcher
		ctxDir := ""
		if svc.Build != nil && svc.Build.Context != "" && !isRemote(svc.Build.Context) {
			ctxDir = absIn(p.WorkingDir, svc.Build.Context)
			if dockerignore, err = readDockerignore(ctxDir); err != nil {
				return nil, nil, &project.Error{File: file, Service: name, Key: "build.context", Err: err}
			}
		}
		for i, t := range svc.Develop.Watch {
			bad := func(format string, args ...any) error {
				return &project.Error{File: file, Service: name, Key: fmt.Sprintf("develop.watch[%d]", i), Msg: fmt.Sprintf(format, args...)}
			}
			switch {
			case t.Path == "":
				return nil, nil, bad("path is required")
			case !slices.Contains([]types.WatchAction{types.WatchActionSync, types.WatchActionRebuild, types.WatchActionRestart, types.WatchActionSyncRestart, types.WatchActionSyncExec}, t.Action):
				return nil, nil, bad("unknown action %q: use sync, rebuild, restart, sync+restart or sync+exec", t.Action)
			case t.Action == types.WatchActionRebuild && svc.Build == nil:
				return nil, nil, bad("action rebuild needs a build section")
			case t.Action == types.WatchActionSyncExec && len(t.Exec.Command) == 0:
				return nil, nil, bad("action sync+exec needs exec.command")
			}
			r := watchRule{service: name, index: i, Trigger: t, dockerignore: dockerignore, context: ctxDir}
			r.Path = absIn(p.WorkingDir, t.Path)
			if r.syncs() && t.Target == "" {
				return nil, nil, bad("action %s needs a target", t.Action)
			}
			if len(t.Include) > 0 {
				if r.include, err = patternmatcher.New(t.Include); err != nil {
					return nil, nil, bad("include: %v", err)
				}
			}
			if len(t.Ignore) > 0 {
				if r.ignore, err = patternmatcher.New(t.Ignore); err != nil {
					return nil, nil, bad("ignore: %v", err)
				}
			}
			if r.syncs() && boundTo(svc, r.Path) {
				warnings = append(warnings, Event{Kind: KindService, Name: name, Status: StatusWarning, Done: true,
					Text: fmt.Sprintf("develop.watch[%d]: %s is also a bind mount of the service: not watched", i, t.Path)})
				continue
			}
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 && len(warnings) == 0 {
		return nil, nil, ErrNoWatch
	}
	return rules, warnings, nil
}

// absIn makes p absolute relative to dir, cleaned.
func absIn(dir, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// isRemote tells a Git or HTTP build context from a directory.
func isRemote(c string) bool {
	return strings.Contains(c, "://") || strings.HasPrefix(c, "git@")
}

// readDockerignore reads the patterns of dir/.dockerignore (none when it
// does not exist).
func readDockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	b, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pats, err := ignorefile.ReadAll(bytes.NewReader(b))
	if err != nil || len(pats) == 0 {
		return nil, err
	}
	return patternmatcher.New(pats)
}

// boundTo tells whether host path p is inside a bind mount of svc: the
// container sees changes there without a sync.
func boundTo(svc types.ServiceConfig, p string) bool {
	for _, v := range svc.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if rel, err := filepath.Rel(v.Source, p); err == nil && (rel == "." || filepath.IsLocal(rel)) {
			return true
		}
	}
	return false
}

// Watch watches the paths of the develop.watch rules of the selected
// services and acts on their changes until ctx ends (it then returns
// nil), as docker compose watch does:
//
//   - sync copies the changed files into the service's running containers
//     (as one tar stream each) and removes the deleted ones;
//   - rebuild builds the service's image and recreates its containers,
//     and only its;
//   - restart restarts them; sync+restart and sync+exec sync, then restart
//     or run exec.command in each;
//   - include and ignore (patterns relative to the rule's path), the build
//     context's .dockerignore, .git and editors' temporary files decide
//     what counts;
//   - initial_sync copies the rule's whole path into every container of
//     the service when the watch starts, and into those started later.
//
// A burst of changes is one batch, acted on once per service: a hundred
// files written at once are one copy, one restart, one command. Failed
// actions are reported as events and the watch goes on.
func (s *Stack) Watch(ctx context.Context, p *types.Project, o WatchOptions) error {
	rules, warnings, err := watchRules(p, o.Services)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		s.emit(w)
	}
	if len(rules) == 0 {
		return ErrNoWatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribed before the first sync, so that no container start is
	// missed for initial_sync.
	events, eventErrs := s.engine.Events(ctx, engine.Filter{Project: p.Name, Services: watchedServices(rules)})
	roots := make([]string, 0, len(rules))
	for _, r := range rules {
		if !slices.Contains(roots, r.Path) {
			roots = append(roots, r.Path)
		}
	}
	fw, err := filewatch.New(roots, filewatch.Options{Quiet: o.Quiet, Skip: func(dir string) bool { return filepath.Base(dir) == ".git" }})
	if err != nil {
		return err
	}
	defer fw.Close()

	w := &watchRun{s: s, p: p, o: o, rules: rules, synced: map[string]bool{}}
	if err := w.initialSync(ctx); err != nil {
		return err
	}
	for _, svc := range watchedServices(rules) {
		s.emit(Event{Kind: KindService, Name: svc, Status: StatusWatching, Done: true, Text: strings.Join(w.paths(svc), ", ")})
	}
	if o.Ready != nil {
		o.Ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case batch, ok := <-fw.Batches():
			if !ok {
				return nil
			}
			w.act(ctx, batch)
		case err := <-fw.Errors():
			return err
		case ev, ok := <-events:
			if !ok {
				if err := <-eventErrs; err != nil && ctx.Err() == nil {
					return err
				}
				return nil
			}
			if ev.Action == "start" {
				w.syncStarted(ctx, ev)
			}
		}
	}
}

// watchedServices are the services of rules, sorted, each once.
func watchedServices(rules []watchRule) []string {
	var out []string
	for _, r := range rules {
		if !slices.Contains(out, r.service) {
			out = append(out, r.service)
		}
	}
	slices.Sort(out)
	return out
}

// watchRun is the state of one Watch.
type watchRun struct {
	s     *Stack
	p     *types.Project
	o     WatchOptions
	rules []watchRule
	// synced are the containers that had their initial sync.
	synced map[string]bool
}

// paths lists the watched paths of service, for the user.
func (w *watchRun) paths(service string) []string {
	var out []string
	for _, r := range w.rules {
		if r.service == service {
			out = append(out, fmt.Sprintf("%s (%s)", r.Path, r.Action))
		}
	}
	return out
}

// serviceChanges are the actions a batch asks of one service.
type serviceChanges struct {
	rebuild, restart bool
	sync             []syncFile
	exec             []int // rule indexes, each once
}

// act runs the actions a batch of changed paths asks for: rebuilds first
// (one build and one recreate for all), then per service the sync, the
// restart and the commands.
func (w *watchRun) act(ctx context.Context, batch []string) {
	changes := map[string]*serviceChanges{}
	for _, p := range batch {
		for i, r := range w.rules {
			target, ok := r.match(p)
			if !ok {
				continue
			}
			c := changes[r.service]
			if c == nil {
				c = &serviceChanges{}
				changes[r.service] = c
			}
			switch r.Action {
			case types.WatchActionRebuild:
				c.rebuild = true
			case types.WatchActionRestart:
				c.restart = true
			default:
				c.sync = append(c.sync, syncFile{host: p, container: target})
				if r.Action == types.WatchActionSyncRestart {
					c.restart = true
				}
				if r.Action == types.WatchActionSyncExec && !slices.Contains(c.exec, i) {
					c.exec = append(c.exec, i)
				}
			}
		}
	}
	var rebuild []string
	for _, svc := range sortedKeys(changes) {
		if changes[svc].rebuild {
			rebuild = append(rebuild, svc)
		}
	}
	if len(rebuild) > 0 {
		w.rebuild(ctx, rebuild)
	}
	for _, svc := range sortedKeys(changes) {
		c := changes[svc]
		if c.rebuild {
			// The new containers start from the new image; a sync or
			// restart on top would only repeat it.
			continue
		}
		if len(c.sync) > 0 && !w.sync(ctx, svc, c.sync) {
			continue
		}
		if c.restart {
			if err := w.s.Restart(ctx, w.p.Name, w.p, RestartOptions{Services: []string{svc}}); err != nil {
				w.fail(svc, StatusRestarting, err)
				continue
			}
		}
		for _, i := range c.exec {
			w.exec(ctx, svc, w.rules[i].Exec)
		}
	}
}

// fail reports a failed action of service; the watch goes on.
func (w *watchRun) fail(service string, status Status, err error) {
	w.s.emit(Event{Kind: KindService, Name: service, Status: StatusError, Done: true, Text: string(status) + " failed", Error: err.Error()})
}

// rebuild builds the images of services and recreates their containers,
// and theirs only.
func (w *watchRun) rebuild(ctx context.Context, services []string) {
	for _, svc := range services {
		w.s.emit(Event{Kind: KindService, Name: svc, Status: StatusRebuilding})
	}
	// The images the services ran until now, for Prune.
	var refs []string
	for _, svc := range services {
		refs = append(refs, ImageName(w.p, w.p.Services[svc]))
	}
	before, _ := w.s.engine.ImageIDs(ctx, refs)
	bo := w.o.Build
	bo.Services = services
	if err := w.s.Build(ctx, w.p, bo); err != nil {
		for _, svc := range services {
			w.fail(svc, StatusRebuilding, err)
		}
		return
	}
	err := w.s.Up(ctx, w.p, UpOptions{Services: services, NoDeps: true, ForceRecreate: true})
	if err != nil {
		for _, svc := range services {
			w.fail(svc, StatusRebuilding, err)
		}
		return
	}
	if w.o.Prune {
		w.prune(ctx, before)
	}
	for _, svc := range services {
		w.s.emit(Event{Kind: KindService, Name: svc, Status: StatusRebuilt, Done: true})
	}
}

// prune removes the images the rebuilt services ran before (by reference:
// ID), now that nothing uses them. An image still tagged or used
// elsewhere is kept by the engine, which is fine.
func (w *watchRun) prune(ctx context.Context, before map[string]string) {
	after, err := w.s.engine.ImageIDs(ctx, slices.Collect(maps.Keys(before)))
	if err != nil {
		return
	}
	for ref, id := range before {
		if after[ref] != id {
			_ = w.s.engine.RemoveImage(ctx, id)
		}
	}
}

// exec runs a sync+exec command in every running container of service.
func (w *watchRun) exec(ctx context.Context, service string, hook types.ServiceHook) {
	cs, err := w.s.serviceContainers(ctx, w.p.Name, service, false, false)
	if err != nil {
		w.fail(service, StatusExecuting, err)
		return
	}
	env := make([]string, 0, len(hook.Environment))
	for _, k := range sortedKeys(hook.Environment) {
		if v := hook.Environment[k]; v != nil {
			env = append(env, k+"="+*v)
		}
	}
	text := strings.Join(hook.Command, " ")
	for _, c := range cs {
		w.s.emit(Event{Kind: KindContainer, Name: c.Name, Service: service, Status: StatusExecuting, Text: text})
		sink := w.o.Logs
		if sink == nil {
			sink = discardLogs{}
		}
		tmpl := LogLine{Service: service, Container: c.Name, Number: c.Number}
		out := &lineWriter{sink: sink, tmpl: tmpl}
		out.tmpl.Stream = "stdout"
		errw := &lineWriter{sink: sink, tmpl: tmpl}
		errw.tmpl.Stream = "stderr"
		code, err := w.s.engine.Exec(ctx, c.ID, engine.ExecRequest{
			Cmd: hook.Command, Env: env, User: hook.User, WorkDir: hook.WorkingDir, Privileged: hook.Privileged,
			Streams: engine.Streams{Stdout: out, Stderr: errw},
		})
		out.Flush()
		errw.Flush()
		if err == nil && code != 0 {
			err = fmt.Errorf("%s exited with code %d", text, code)
		}
		if err != nil {
			w.s.emit(Event{Kind: KindContainer, Name: c.Name, Service: service, Status: StatusError, Done: true, Error: err.Error()})
			continue
		}
		w.s.emit(Event{Kind: KindContainer, Name: c.Name, Service: service, Status: StatusExecuted, Done: true, Text: text})
	}
}

// discardLogs is a LogSink that drops every line.
type discardLogs struct{}

func (discardLogs) Log(LogLine) {}
