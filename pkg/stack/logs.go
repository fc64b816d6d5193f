package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// LogsOptions tune Logs.
type LogsOptions struct {
	// Services selects whose logs to show; empty means all.
	Services []string
	// Index, when > 0, selects the replica with that number only.
	Index int
	// Follow keeps streaming, picking up containers that start later, until
	// no container of the selection runs or ctx ends.
	Follow bool
	// Tail is the number of lines to show from the end of each log, or
	// "all" ("" is all).
	Tail string
	// Since and Until bound the lines by time: RFC 3339, a Unix timestamp
	// or a duration relative to now (e.g. "10m"), as the engine reads them.
	Since, Until string
	// Timestamps asks the engine for the time of each line (LogLine.Time).
	Timestamps bool
}

// Logs streams the output of the containers of project to sink, one whole
// line at a time; lines of one container arrive in order. Without
// o.Follow it returns once every log has been copied. With o.Follow it
// also follows the containers that start later (scale-up, restart,
// recreate), each by at most one stream at a time, and returns when none
// of the followed containers is running any more, or when ctx ends
// (ctx.Err()).
func (s *Stack) Logs(ctx context.Context, project string, sink LogSink, o LogsOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One-off containers are left out, but for the runs of jobs: a job's
	// log is its runs'.
	filter := engine.Filter{Project: project, Services: o.Services}
	var events <-chan engine.Event
	var eventErrs <-chan error
	if o.Follow {
		// Subscribe before listing, so that no start falls in between.
		events, eventErrs = s.engine.Events(ctx, filter)
	}
	all := filter
	all.All = true
	cs, err := s.engine.ListContainers(ctx, all)
	if err != nil {
		return err
	}
	f := &logFollower{s: s, sink: sink, o: o, ended: make(chan logEnd), active: map[string]bool{}, seen: map[string]bool{}, neverRan: map[string]bool{}}
	defer f.wg.Wait()
	defer cancel()
	for _, c := range cs {
		if o.Index > 0 && c.Number != o.Index || !logged(c.OneOff, c.Labels) {
			continue
		}
		// Its first run, when it comes, is shown whole: it may print
		// before the engine records its start.
		f.neverRan[c.ID] = c.State == engine.StateCreated
		f.start(ctx, c, o.Since, o.Tail)
	}
	if !o.Follow {
		var errs []error
		for len(f.active) > 0 {
			var end logEnd
			select {
			case end = <-f.ended:
			case <-ctx.Done():
				// The streams give up without reporting: waiting for them
				// here would never end.
				return ctx.Err()
			}
			delete(f.active, end.c.ID)
			if end.err != nil && !errors.Is(end.err, engine.ErrNotFound) {
				errs = append(errs, end.err)
			}
		}
		return errors.Join(errs...)
	}
	// Once nothing followed runs, the log ends when the containers are
	// gone, or have stayed stopped for followGrace: a restart leaves a gap
	// with nothing running that can last seconds on a busy engine.
	var grace <-chan time.Time
	var idle time.Time
	settle := func() (bool, error) {
		running, exist, err := f.survey(ctx, filter)
		switch {
		case err != nil:
			return true, err
		case running:
			grace = nil
			return false, nil
		case !exist || time.Since(idle) >= followGrace:
			return true, nil
		}
		if grace == nil {
			grace = time.After(followGrace - time.Since(idle))
		}
		return false, nil
	}
	if len(f.active) == 0 {
		idle = time.Now()
		if done, err := settle(); done {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-grace:
			grace = nil
			if len(f.active) > 0 {
				continue
			}
			if done, err := settle(); done {
				return err
			}
		case ev, ok := <-events:
			if !ok {
				if err := <-eventErrs; err != nil && ctx.Err() == nil {
					return err
				}
				return ctx.Err()
			}
			if ev.Action == "destroy" && len(f.active) == 0 {
				if done, err := settle(); done {
					return err
				}
				continue
			}
			if ev.Action != "start" || f.active[ev.ID] || (o.Index > 0 && eventNumber(ev) != o.Index) ||
				!logged(ev.Attribute[engine.LabelOneOff] == "True", ev.Attribute) {
				continue
			}
			c := engine.Container{ID: ev.ID, Name: ev.Name, Service: ev.Service, Project: ev.Project, Number: eventNumber(ev)}
			since, tail := o.Since, o.Tail
			switch {
			case f.neverRan[ev.ID]:
				since, tail = o.Since, "all"
				f.neverRan[ev.ID] = false
			case f.seen[ev.ID]:
				// Restarted: what it printed before was shown already.
				since, tail = unixTime(f.lastStart(ctx, ev)), "all"
			case o.Since == "":
				tail = "all"
			}
			f.start(ctx, c, since, tail)
		case end := <-f.ended:
			delete(f.active, end.c.ID)
			if end.err != nil && !errors.Is(end.err, engine.ErrNotFound) && ctx.Err() == nil {
				s.emit(Event{Kind: KindContainer, Name: end.c.Name, Service: end.c.Service, Status: StatusWarning, Done: true, Text: end.err.Error()})
			}
			// The stream of a container ends when it stops; if it runs
			// again (a restart raced with the end), follow its new run.
			d, err := s.engine.InspectContainer(ctx, end.c.ID)
			if err == nil && d.Running {
				since := unixTime(resumeTime(d))
				if f.neverRan[end.c.ID] {
					// Created when the follow began, started since: the
					// whole of its first run.
					since, f.neverRan[end.c.ID] = o.Since, false
				}
				f.start(ctx, end.c, since, "all")
				continue
			}
			if len(f.active) == 0 {
				idle = time.Now()
				if done, err := settle(); done {
					return err
				}
			}
		}
	}
}

// logged reports whether logs shows a container: not a one-off one, but
// for a job's run.
func logged(oneOff bool, labels map[string]string) bool {
	return !oneOff || labels[LabelJob] != ""
}

// followGrace is how long a followed log waits, once nothing it follows
// runs but containers remain, for one to start again before it ends.
const followGrace = 5 * time.Second

// logFollower runs one log stream per container; only the loop of Logs
// touches its maps.
type logFollower struct {
	s      *Stack
	sink   LogSink
	o      LogsOptions
	wg     sync.WaitGroup
	ended  chan logEnd
	active map[string]bool // container IDs being streamed
	seen   map[string]bool // container IDs streamed at least once
	// neverRan are the containers that had not started when the follow
	// began and have not since.
	neverRan map[string]bool
}

// logEnd tells that the stream of c ended, and why.
type logEnd struct {
	c   engine.Container
	err error
}

// start streams the log of c in a goroutine that reports its end on
// f.ended.
func (f *logFollower) start(ctx context.Context, c engine.Container, since, tail string) {
	f.active[c.ID] = true
	f.seen[c.ID] = true
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		err := f.stream(ctx, c, since, tail)
		select {
		case f.ended <- logEnd{c: c, err: err}:
		case <-ctx.Done():
		}
	}()
}

// stream copies one container's log, cut into lines, to the sink.
func (f *logFollower) stream(ctx context.Context, c engine.Container, since, tail string) error {
	tmpl := LogLine{Service: c.Service, Container: c.Name, Number: c.Number}
	out := &lineWriter{sink: f.sink, tmpl: tmpl, stamps: f.o.Timestamps}
	out.tmpl.Stream = "stdout"
	errw := &lineWriter{sink: f.sink, tmpl: tmpl, stamps: f.o.Timestamps}
	errw.tmpl.Stream = "stderr"
	err := f.s.engine.Logs(ctx, c.ID, engine.LogOptions{
		Follow:     f.o.Follow,
		Tail:       tail,
		Since:      since,
		Until:      f.o.Until,
		Timestamps: f.o.Timestamps,
	}, out, errw)
	out.Flush()
	errw.Flush()
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// survey reports whether a container of the selection runs, and whether
// any exists at all.
func (f *logFollower) survey(ctx context.Context, filter engine.Filter) (running, exist bool, err error) {
	filter.All = true
	cs, err := f.s.engine.ListContainers(ctx, filter)
	if err != nil {
		if ctx.Err() != nil {
			return false, false, ctx.Err()
		}
		return false, false, err
	}
	for _, c := range cs {
		if f.o.Index > 0 && c.Number != f.o.Index || !logged(c.OneOff, c.Labels) {
			continue
		}
		exist = true
		running = running || c.State.Up()
	}
	return running, exist, nil
}

// lastStart is when the container of a start event started, from the
// engine (the event is sent after the process began, so its own time can
// be later than the first lines).
func (f *logFollower) lastStart(ctx context.Context, ev engine.Event) time.Time {
	if d, err := f.s.engine.InspectContainer(ctx, ev.ID); err == nil {
		if t := resumeTime(d); !t.IsZero() {
			return t
		}
	}
	return ev.Time
}

// eventNumber is the replica number an event's labels carry.
func eventNumber(ev engine.Event) int {
	var n int
	_, _ = fmt.Sscan(ev.Attribute[engine.LabelNumber], &n)
	return n
}

// unixTime formats t as the engine's "since" parameter wants it, to the
// nanosecond.
func unixTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// resumeTime is where to pick up the logs of a container that started again:
// the end of its previous run. Its start time would be too late: the
// process writes before the engine records StartedAt.
func resumeTime(d engine.ContainerDetails) time.Time {
	if !d.FinishedAt.IsZero() && d.FinishedAt.Before(d.StartedAt) {
		return d.FinishedAt
	}
	return d.StartedAt
}
