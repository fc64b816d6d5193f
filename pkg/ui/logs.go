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
// engine, however many tabs are open. The hub keeps the last lines of each
// container it has seen (bounded), so a page that starts following gets
// its first lines from memory; only a selection nobody read yet costs one
// read of the containers' logs, one at a time per project.

const (
	// defaultTail is how many lines a page gets when it starts following.
	defaultTail = 500
	// maxTail bounds what a page may ask for.
	maxTail = 5000
	// ringLines bounds the lines kept per container.
	ringLines = 500
	// ringBytes bounds the lines kept per project: past it the largest
	// container's oldest lines go first.
	ringBytes = 8 << 20
	// maxLine cuts longer lines for the page.
	maxLine = 16 << 10
	// readChunk is how many services a first read reads at once.
	readChunk = 16
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

// clip cuts a line the page would not show whole, and copies it out of
// the chunk it was read in (which would otherwise stay in memory with it).
func clip(l stack.LogLine) stack.LogLine {
	if len(l.Line) > maxLine {
		l.Line = l.Line[:maxLine] + " …[cut]"
	}
	l.Line = string([]byte(l.Line))
	return l
}

// logSub is what one page follows.
type logSub struct {
	services map[string]bool // nil: all
	tail     int
	cancel   context.CancelFunc
	// loading is true until the page has its first lines; the hub's
	// kept lines include whatever arrives meanwhile.
	loading bool
	history []logLine
	sent    bool // history was sent
	batch   []logLine
	dropped int
}

func (l *logSub) wants(service string) bool {
	return l.services == nil || l.services[service]
}

// followLogs starts following the services (all when empty) for the page,
// replacing what it followed before.
func (c *client) followLogs(ctx context.Context, services []string, tail int) {
	c.stopLogs()
	if tail <= 0 {
		tail = defaultTail
	}
	sub := &logSub{tail: min(tail, maxTail), loading: true}
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
	h := c.h
	h.startFeed()
	if h.serveKept(c, sub) {
		return
	}
	ok := h.s.spawn(func(context.Context) {
		defer cancel()
		select {
		case h.firstReads <- struct{}{}:
			defer func() { <-h.firstReads }()
		case <-ctx.Done():
			return
		}
		if h.serveKept(c, sub) { // read meanwhile for another page
			return
		}
		got := &collector{}
		// A few services at a time: each container's read holds its own
		// buffers, and a project may have hundreds.
		for _, chunk := range chunks(h.serviceNames(services), readChunk) {
			err := h.verbs.Logs(ctx, h.name, got, stack.LogsOptions{Services: chunk, Tail: strconv.Itoa(ringLines), Timestamps: true})
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				c.send(message{Type: "logs-error", Error: err.Error()})
				break
			}
		}
		got.mu.Lock()
		defer got.mu.Unlock()
		h.keep(got.lines, services)
		h.serveKept(c, sub)
	})
	if !ok {
		cancel()
	}
}

// serviceNames is services, or when empty every service the page shows.
func (h *hub) serviceNames(services []string) []string {
	if len(services) > 0 {
		return services
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	names := make([]string, 0, len(h.view.Services))
	for _, s := range h.view.Services {
		names = append(names, s.Name)
	}
	return names
}

// chunks cuts names into slices of at most n.
func chunks(names []string, n int) [][]string {
	var out [][]string
	for len(names) > n {
		out = append(out, names[:n])
		names = names[n:]
	}
	if len(names) > 0 {
		out = append(out, names)
	}
	return out
}

// serveKept gives the page its first lines from the kept ones, if they
// cover what it follows. Under the hub's lock, so that no line of the
// follower falls between them and the live ones.
func (h *hub) serveKept(c *client, sub *logSub) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := &h.feed.kept
	if !r.covers(sub.services) {
		return false
	}
	lines := r.snapshot(sub)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logs == sub {
		sub.history, sub.loading = lines, false
	}
	return true
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
	if sub == nil || sub.loading {
		return
	}
	for _, l := range lines {
		switch {
		case !sub.wants(l.Service):
		case len(sub.batch) < logBatchMax:
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
	case !sub.sent:
		m := message{Type: "logs-history", Lines: sub.history}
		sub.history, sub.sent = nil, true
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
	c.lines = append(c.lines, clip(l))
}

// keptLines are the last lines of each container, and which services
// they cover from their start (a one-off read), not only since the
// follower ran.
type keptLines struct {
	byContainer map[string]*ring
	all         bool
	services    map[string]bool
	bytes       int
}

type ring struct {
	lines []stack.LogLine // oldest first
	bytes int
}

func (r *keptLines) covers(services map[string]bool) bool {
	if r.all {
		return true
	}
	if services == nil {
		return false
	}
	for s := range services {
		if !r.services[s] {
			return false
		}
	}
	return true
}

// add keeps a line of the follower.
func (r *keptLines) add(l stack.LogLine) {
	if r.byContainer == nil {
		r.byContainer = map[string]*ring{}
	}
	g := r.byContainer[l.Container]
	if g == nil {
		g = &ring{}
		r.byContainer[l.Container] = g
	}
	g.lines = append(g.lines, l)
	g.bytes += len(l.Line)
	r.bytes += len(l.Line)
	if len(g.lines) > ringLines {
		r.dropOldest(g)
	}
	for r.bytes > ringBytes {
		r.dropOldest(r.largest())
	}
}

func (r *keptLines) dropOldest(g *ring) {
	n := len(g.lines[0].Line)
	g.lines[0] = stack.LogLine{}
	g.lines = g.lines[1:]
	g.bytes -= n
	r.bytes -= n
}

func (r *keptLines) largest() *ring {
	var big *ring
	for _, g := range r.byContainer {
		if len(g.lines) > 0 && (big == nil || g.bytes > big.bytes) {
			big = g
		}
	}
	return big
}

// seed puts the lines of a one-off read of services (all when empty)
// before the lines the follower kept meanwhile, per container.
func (r *keptLines) seed(read []stack.LogLine, services []string) {
	if r.byContainer == nil {
		r.byContainer = map[string]*ring{}
	}
	byContainer := map[string][]stack.LogLine{}
	for _, l := range read {
		byContainer[l.Container] = append(byContainer[l.Container], l)
	}
	for name, lines := range byContainer {
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
		last := lines[len(lines)-1].Time
		old := r.byContainer[name]
		g := &ring{}
		r.byContainer[name] = g
		if old != nil {
			r.bytes -= old.bytes
			for _, l := range old.lines {
				if l.Time.After(last) {
					lines = append(lines, l)
				}
			}
		}
		for _, l := range lines {
			r.add(l)
		}
	}
	if len(services) == 0 {
		r.all = true
		return
	}
	if r.services == nil {
		r.services = map[string]bool{}
	}
	for _, s := range services {
		r.services[s] = true
	}
}

// snapshot is the last sub.tail kept lines of the services sub follows,
// in time order.
func (r *keptLines) snapshot(sub *logSub) []logLine {
	var lines []stack.LogLine
	for _, g := range r.byContainer {
		if len(g.lines) > 0 && sub.wants(g.lines[0].Service) {
			lines = append(lines, g.lines...)
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	if len(lines) > sub.tail {
		lines = lines[len(lines)-sub.tail:]
	}
	out := make([]logLine, len(lines))
	for i, l := range lines {
		out[i] = toLogLine(l)
	}
	return out
}

// keep adds the lines of a one-off read to the kept ones.
func (h *hub) keep(lines []stack.LogLine, services []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.anyFollowerLocked() {
		h.feed.kept.seed(lines, services)
	}
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
	kept keptLines
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
		// A little back in time: the first read of a page and this
		// follower start together; the kept lines join them.
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
	// Nobody follows: the next page reads its first lines anew, and the
	// memory goes back.
	f.since, f.last, f.kept = time.Time{}, nil, keptLines{}
}

func (h *hub) anyFollowerLocked() bool {
	for c := range h.clients {
		if c.following() {
			return true
		}
	}
	return false
}

// feedSink passes the follower's lines to the kept ones and the pages.
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
	fresh := make([]stack.LogLine, 0, len(lines))
	for _, l := range lines {
		if t, ok := f.last[l.Container]; ok && !l.Time.After(t) {
			continue
		}
		f.last[l.Container] = l.Time
		l = clip(l)
		f.kept.add(l)
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
