package display

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// frameInterval throttles redraws of the live view to about 10 per second.
const frameInterval = 100 * time.Millisecond

// spinner frames shown for resources in flight.
const spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// TTY is the live view: a header and one line per resource, redrawn in
// place with cursor movement:
//
//	[+] Running 2/3
//	 ✔ Network shop_default   Created   0.1s
//	 ✔ Container shop-db-1    Started   0.4s
//	 ⠋ Container shop-web-1   Starting  0.2s
type TTY struct {
	out   io.Writer
	title string
	color bool
	size  func() (int, int)
	now   func() time.Time
	plain string // prefix of lines printed after Settle

	mu      sync.Mutex
	items   map[string]*ttyItem
	order   []*ttyItem
	drawn   int  // lines of the live region currently on screen
	dirty   bool // state changed since the last draw
	settled bool
	closed  bool
	tick    int
	buf     []byte

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// ttyItem is the state of one resource.
type ttyItem struct {
	ev         stack.Event
	start, end time.Time
}

// NewTTY starts a live view writing to o.Out. Its redraw loop runs until
// Close.
func NewTTY(o ProgressOptions) *TTY {
	t := &TTY{
		out:   o.Out,
		title: o.Title,
		color: o.Color,
		size:  o.Size,
		now:   o.Now,
		items: map[string]*ttyItem{},
		stop:  make(chan struct{}),
	}
	if t.title == "" {
		t.title = "Running"
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.size == nil {
		t.size = func() (int, int) { return 0, 0 }
	}
	if o.DryRun {
		t.title = dryRunPrefix + t.title
		t.plain = dryRunPrefix
	}
	t.wg.Add(1)
	go t.loop()
	return t
}

// loop redraws at most every frameInterval while something changed or is
// in flight (spinners and timers move).
func (t *TTY) loop() {
	defer t.wg.Done()
	ticker := time.NewTicker(frameInterval)
	defer ticker.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-ticker.C:
			t.mu.Lock()
			t.tick++
			if !t.settled && !t.closed && (t.dirty || t.inFlight()) {
				t.draw(false)
			}
			t.mu.Unlock()
		}
	}
}

// Event records e; the next frame shows it. After Settle, e is printed as
// a plain line at once.
func (t *TTY) Event(e stack.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.settled || t.closed {
		t.buf = appendPlain(t.buf[:0], t.plain, e)
		_, _ = t.out.Write(t.buf)
		return
	}
	now := e.Time
	if now.IsZero() {
		now = t.now()
	}
	key := string(e.Kind) + "\x00" + e.Name
	it, ok := t.items[key]
	if !ok {
		it = &ttyItem{start: now}
		t.items[key] = it
		t.order = append(t.order, it)
	} else if it.ev.Done && !e.Done {
		// A new operation on the same resource: restart its timer.
		it.start, it.end = now, time.Time{}
	}
	it.ev = e
	if e.Done {
		it.end = now
	}
	t.dirty = true
}

// inFlight reports whether a resource is still in progress.
func (t *TTY) inFlight() bool {
	for _, it := range t.order {
		if !it.ev.Done {
			return true
		}
	}
	return false
}

// Settle draws the final state of the live region and switches to plain
// lines for later events.
func (t *TTY) Settle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.settled || t.closed {
		return
	}
	t.draw(true)
	t.settled = true
}

// Close stops the redraw loop and draws the final frame, all lines shown.
func (t *TTY) Close() {
	t.stopOnce.Do(func() { close(t.stop) })
	t.wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.settled && !t.closed {
		t.draw(true)
	}
	t.closed = true
}

// draw replaces the live region on screen with the current frame, in one
// Write. A final frame shows every line, even beyond the screen's height.
func (t *TTY) draw(final bool) {
	if len(t.order) == 0 {
		return
	}
	cols, rows := t.size()
	if final {
		rows = 0
	}
	lines := t.frame(t.now(), cols, rows)
	b := t.buf[:0]
	if t.drawn > 0 {
		b = fmt.Appendf(b, cursorUpFmt, t.drawn)
	}
	for _, l := range lines {
		b = append(b, clearLine...)
		b = append(b, l...)
		b = append(b, '\n')
	}
	b = append(b, clearToEnd...)
	t.buf = b
	_, _ = t.out.Write(b)
	t.drawn = len(lines)
	t.dirty = false
}

// frame renders the header and the resource lines for a terminal of cols x
// rows (zero: unknown). When there are more lines than rows, finished
// resources are dropped first, oldest first, so the cursor never has to
// move above the top of the screen.
func (t *TTY) frame(now time.Time, cols, rows int) []string {
	items := t.order
	if rows > 2 && len(items) > rows-2 {
		items = fitRows(items, rows-2)
	}
	done := 0
	for _, it := range t.order {
		if it.ev.Done {
			done++
		}
	}
	idWidth, statusWidth := 0, 0
	for _, it := range items {
		idWidth = max(idWidth, utf8.RuneCountInString(resource(it.ev)))
		statusWidth = max(statusWidth, utf8.RuneCountInString(string(it.ev.Status)))
	}
	lines := make([]string, 0, len(items)+1)
	lines = append(lines, truncate(fmt.Sprintf("[+] %s %d/%d", t.title, done, len(t.order)), cols))
	for _, it := range items {
		lines = append(lines, t.line(it, now, cols, idWidth, statusWidth))
	}
	return lines
}

// fitRows keeps n items: every one in flight that fits, and the most recent
// finished ones, in their original order.
func fitRows(items []*ttyItem, n int) []*ttyItem {
	drop := len(items) - n
	out := make([]*ttyItem, 0, n)
	for _, it := range items {
		if drop > 0 && it.ev.Done {
			drop--
			continue
		}
		out = append(out, it)
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// line renders one resource: symbol, name, status, detail and, aligned to
// the right edge when the width is known, the elapsed time.
func (t *TTY) line(it *ttyItem, now time.Time, cols, idWidth, statusWidth int) string {
	e := it.ev
	symbol, colour := string([]rune(spinner)[t.tick%utf8.RuneCountInString(spinner)]), ""
	switch {
	case e.Status == stack.StatusError:
		symbol, colour = "✘", sgrRed
	case e.Status == stack.StatusWarning:
		symbol, colour = "!", sgrYellow
	case e.Status == stack.StatusCanceled:
		// Not a failure of its own: no cross, no tick.
		symbol, colour = "-", sgrYellow
	case e.Done:
		symbol, colour = "✔", sgrGreen
	}
	end := it.end
	if !e.Done || end.IsZero() {
		end = now
	}
	elapsed := fmt.Sprintf("%.1fs", end.Sub(it.start).Seconds())

	text := pad(resource(e), idWidth) + "  " + pad(string(e.Status), statusWidth)
	d := detail(e)
	if d != "" {
		text += " " + d
	}
	// The visible line is " S text ... elapsed"; fit it into cols-1 so that
	// it never wraps, which would break the cursor arithmetic.
	if cols > 0 {
		room := cols - 1 - 3 - len(elapsed) - 1
		text = truncate(text, max(room, 1))
		gap := room - utf8.RuneCountInString(text)
		text += strings.Repeat(" ", max(gap, 0)+1)
	} else {
		text += "  "
	}
	if t.color && colour != "" {
		symbol = colour + symbol + sgrReset
	}
	if t.color && d != "" && colour != sgrRed {
		// Dim the detail, as Compose does, but keep errors readable.
		if i := strings.LastIndex(text, d); i >= 0 {
			text = text[:i] + sgrDim + d + sgrReset + text[i+len(d):]
		}
	}
	return " " + symbol + " " + text + elapsed
}

// pad right-pads s with spaces to width runes.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// truncate cuts s to at most n runes, marking the cut with "…"; n <= 0
// means no limit.
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
