package ui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Logs reach the pages from one follower per project, shared by every page
// that follows, whatever it selected: one stream per container to the
// engine, however many tabs are open. A page that subscribes first gets
// the last lines of its selection from a one-off read, then the shared
// follower's lines that came after them.

const (
	// defaultTail is how many lines a page gets when it starts following.
	defaultTail = 500
	// maxTail bounds what a page may ask for.
	maxTail = 5000
)

// logLine is a log line as the page reads it.
type logLine struct {
	T float64 `json:"t"` // milliseconds since the epoch
	S string  `json:"s"` // service
	C string  `json:"c"` // container
	E bool    `json:"e,omitempty"`
	L string  `json:"l"`
}

func toLogLine(l stack.LogLine) logLine {
	return logLine{T: float64(l.Time.UnixNano()) / 1e6, S: l.Service, C: l.Container, E: l.Stream == "stderr", L: l.Line}
}

// logSub is what one page follows.
type logSub struct {
	services map[string]bool // nil: all
	cancel   context.CancelFunc
	// loading is true until the page's first lines are read; the shared
	// follower's lines wait in pending meanwhile.
	loading bool
	pending []stack.LogLine
	// seam is the time of the newest line of each container in the first
	// read: the shared follower's lines up to it were read already.
	seam    map[string]time.Time
	history []logLine
	batch   []logLine
	dropped int
}

func (l *logSub) wants(service string) bool {
	return l.services == nil || l.services[service]
}

// seen reports whether the page's first read had line l already.
func (l *logSub) seen(line stack.LogLine) bool {
	t, ok := l.seam[line.Container]
	return ok && !line.Time.After(t)
}

// followLogs starts following the services (all when empty) for the page,
// replacing what it followed before.
func (c *client) followLogs(ctx context.Context, services []string, tail int) {
	c.stopLogs()
	if tail <= 0 {
		tail = defaultTail
	}
	tail = min(tail, maxTail)
	sub := &logSub{loading: true}
	if len(services) > 0 {
		sub.services = map[string]bool{}
		for _, s := range services {
			sub.services[s] = true
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	sub.cancel = cancel
	c.mu.Lock()
	c.logs = sub
	c.mu.Unlock()
	c.h.startFeed()
	ok := c.h.s.spawn(func(context.Context) {
		defer cancel()
		got := &collector{}
		err := c.h.verbs.Logs(ctx, c.h.name, got, stack.LogsOptions{Services: services, Tail: strconv.Itoa(tail), Timestamps: true})
		if err != nil && ctx.Err() == nil {
			c.send(message{Type: "logs-error", Error: err.Error()})
		}
		got.mu.Lock()
		defer got.mu.Unlock()
		c.historyRead(sub, got.lines, tail)
	})
	if !ok {
		cancel()
	}
}

// historyRead hands the page its first lines, then the shared follower's
// lines that are newer than those, per container.
func (c *client) historyRead(sub *logSub, got []stack.LogLine, tail int) {
	sort.SliceStable(got, func(i, j int) bool { return got[i].Time.Before(got[j].Time) })
	if len(got) > tail {
		got = got[len(got)-tail:]
	}
	last := map[string]time.Time{}
	hist := make([]logLine, len(got))
	for i, l := range got {
		hist[i] = toLogLine(l)
		last[l.Container] = l.Time
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logs != sub {
		return // replaced meanwhile
	}
	sub.history = hist
	sub.loading = false
	sub.seam = last
	for _, l := range sub.pending {
		if !sub.seen(l) {
			sub.batch = append(sub.batch, toLogLine(l))
		}
	}
	sub.pending = nil
}

// stopLogs ends what the page followed.
func (c *client) stopLogs() {
	c.mu.Lock()
	sub := c.logs
	c.logs = nil
	c.mu.Unlock()
	if sub != nil {
		sub.cancel()
		c.h.stopFeedIfUnused()
	}
}

// addLogs takes lines of the shared follower for the page.
func (c *client) addLogs(lines []stack.LogLine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sub := c.logs
	if sub == nil {
		return
	}
	for _, l := range lines {
		if !sub.wants(l.Service) {
			continue
		}
		switch {
		case sub.loading && len(sub.pending) < logBatchMax:
			sub.pending = append(sub.pending, l)
		case !sub.loading && sub.seen(l):
		case !sub.loading && len(sub.batch) < logBatchMax:
			sub.batch = append(sub.batch, toLogLine(l))
		default:
			sub.dropped++
		}
	}
}

// following reports whether the page follows logs.
func (c *client) following() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logs != nil
}

// takeLogs returns the next log message for the page: its first lines,
// then the batches.
func (c *client) takeLogs() (message, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sub := c.logs
	switch {
	case sub == nil || sub.loading:
		return message{}, false
	case sub.history != nil:
		m := message{Type: "logs-history", Lines: sub.history}
		sub.history = nil
		return m, true
	case len(sub.batch) > 0 || sub.dropped > 0:
		m := message{Type: "logs", Lines: sub.batch, Dropped: sub.dropped}
		sub.batch, sub.dropped = nil, 0
		return m, true
	}
	return message{}, false
}

// collector gathers the lines of a one-off read; the containers' streams
// call it at once.
type collector struct {
	mu    sync.Mutex
	lines []stack.LogLine
}

func (c *collector) Log(l stack.LogLine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, l)
}

// logFeed is the project's shared follower.
type logFeed struct {
	cancel  context.CancelFunc
	gen     int       // which run of the follower is current
	since   time.Time // where the next run resumes
	running bool
	// last is the time of the newest line passed on per container: a
	// follower that resumes may read a line again.
	last map[string]time.Time
}

// startFeed starts the shared follower if a page follows logs and it is
// not running.
func (h *hub) startFeed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.startFeedLocked()
}

func (h *hub) startFeedLocked() {
	f := &h.feed
	if f.running || !h.anyFollowerLocked() {
		return
	}
	since := f.since
	if since.IsZero() {
		// A little back in time: a page's first read and this follower
		// start together, and the page drops what it has twice.
		since = h.s.o.Now().Add(-2 * time.Second)
	}
	if f.last == nil {
		f.last = map[string]time.Time{}
	}
	f.gen++
	gen := f.gen
	ctx, cancel := context.WithCancel(h.s.ctx)
	f.cancel, f.running = cancel, true
	ok := h.s.spawn(func(context.Context) {
		defer cancel()
		err := h.verbs.Logs(ctx, h.name, feedSink{h: h, gen: gen}, stack.LogsOptions{
			Follow: true, Timestamps: true, Tail: "all", Since: unixTime(since),
		})
		h.feedEnded(gen, err, ctx.Err() != nil)
	})
	if !ok {
		cancel()
		f.running = false
	}
}

// feedEnded notes that run gen of the follower returned: nothing it
// followed runs any more (the next start restarts it), or it failed (it
// is restarted after a pause).
func (h *hub) feedEnded(gen int, err error, cancelled bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := &h.feed
	if f.gen != gen {
		return
	}
	f.running = false
	f.since = h.s.o.Now().Add(-time.Second)
	if err == nil || cancelled {
		return
	}
	h.s.o.Logf("logs of project %q: %v", h.name, err)
	h.s.spawn(func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
			h.startFeed()
		}
	})
}

// stopFeedIfUnused stops the follower when no page follows logs.
func (h *hub) stopFeedIfUnused() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.anyFollowerLocked() {
		h.stopFeedLocked()
	}
}

func (h *hub) stopFeed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopFeedLocked()
}

func (h *hub) stopFeedLocked() {
	f := &h.feed
	if f.running {
		f.cancel()
		f.running = false
		f.gen++
	}
	// Pages that follow again read their first lines anew.
	f.since, f.last = time.Time{}, nil
}

func (h *hub) anyFollowerLocked() bool {
	for c := range h.clients {
		if c.following() {
			return true
		}
	}
	return false
}

// feedSink passes the follower's lines to the pages that want them.
type feedSink struct {
	h   *hub
	gen int
}

func (s feedSink) Log(l stack.LogLine) { s.LogBatch([]stack.LogLine{l}) }

func (s feedSink) LogBatch(lines []stack.LogLine) {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	f := &h.feed
	if f.gen != s.gen {
		return
	}
	fresh := lines[:0:0]
	for _, l := range lines {
		if t, ok := f.last[l.Container]; ok && !l.Time.After(t) {
			continue
		}
		f.last[l.Container] = l.Time
		fresh = append(fresh, l)
	}
	for c := range h.clients {
		c.addLogs(fresh)
	}
}

// unixTime formats t as the engine's "since" parameter reads it.
func unixTime(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}
