package display

import (
	"io"
	"strconv"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// timestampLayout is Docker's --timestamps format: RFC 3339 with a fixed
// nanosecond fraction.
const timestampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// LogOptions tune a LogPrinter.
type LogOptions struct {
	// Color gives every service a colour from a fixed palette, in order of
	// appearance.
	Color bool
	// NoPrefix prints lines without the "web-1  | " prefix.
	NoPrefix bool
	// Timestamps prints the time of each line before it.
	Timestamps bool
	// OnFirstLine, when set, is called once, before the first line is
	// written (used to settle a live progress view).
	OnFirstLine func()
	// Names are the container names (without project) expected to log,
	// e.g. "web-1"; they set the initial prefix width so that the first
	// lines line up with the later ones.
	Names []string
}

// LogPrinter writes container logs as Compose does:
//
//	db-1   | ready
//	web-1  | listening on :80
//
// Prefixes are padded to one width across containers; the width grows when
// a container with a longer name appears. Each line is written with one
// Write call under a lock, so lines are never torn, and at once, so output
// is never held back.
type LogPrinter struct {
	w io.Writer
	o LogOptions

	mu      sync.Mutex
	started bool
	width   int
	seen    map[string]bool
	colours map[string]string // service -> SGR
	buf     []byte
	// prefixes caches the rendered prefix per container, valid while
	// width is unchanged: a flood of lines
	// then costs no allocation.
	prefixes map[prefixKey]*logPrefix
}

// prefixKey identifies the container of a line.
type prefixKey struct {
	container, service string
	number             int
}

// logPrefix is a rendered prefix and the width it was rendered for.
type logPrefix struct {
	width int
	text  []byte
}

// NewLogPrinter returns a LogPrinter writing to w.
func NewLogPrinter(w io.Writer, o LogOptions) *LogPrinter {
	p := &LogPrinter{w: w, o: o, seen: map[string]bool{}, colours: map[string]string{}, prefixes: map[prefixKey]*logPrefix{}}
	for _, n := range o.Names {
		p.width = max(p.width, len(n)+1)
	}
	return p
}

// Log writes l as one line.
func (p *LogPrinter) Log(l stack.LogLine) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start()
	var prefix []byte
	if !p.o.NoPrefix {
		prefix = p.prefix(l)
	}
	p.buf = p.appendLine(p.buf[:0], prefix, l)
	_, _ = p.w.Write(p.buf)
}

// LogBatch writes lines, all of one container, with one Write call.
func (p *LogPrinter) LogBatch(lines []stack.LogLine) {
	if len(lines) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start()
	var prefix []byte
	if !p.o.NoPrefix {
		prefix = p.prefix(lines[0])
	}
	b := p.buf[:0]
	for _, l := range lines {
		b = p.appendLine(b, prefix, l)
	}
	p.buf = b
	_, _ = p.w.Write(b)
}

func (p *LogPrinter) start() {
	if !p.started {
		p.started = true
		if p.o.OnFirstLine != nil {
			p.o.OnFirstLine()
		}
	}
}

// appendLine appends one output line: prefix, time when asked, the text
// without trailing line ends, a newline.
func (p *LogPrinter) appendLine(b, prefix []byte, l stack.LogLine) []byte {
	b = append(b, prefix...)
	if p.o.Timestamps {
		b = l.Time.AppendFormat(b, timestampLayout)
		b = append(b, ' ')
	}
	text := l.Line
	for len(text) > 0 && (text[len(text)-1] == '\n' || text[len(text)-1] == '\r') {
		text = text[:len(text)-1]
	}
	b = append(b, text...)
	return append(b, '\n')
}

// prefix returns "name<pad> | " for l's container, coloured per service
// when enabled, rendered again only when the column width has changed.
func (p *LogPrinter) prefix(l stack.LogLine) []byte {
	key := prefixKey{l.Container, l.Service, l.Number}
	if c, ok := p.prefixes[key]; ok && c.width == p.width {
		return c.text
	}
	text := p.renderPrefix(nil, l)
	p.prefixes[key] = &logPrefix{width: p.width, text: text}
	return text
}

// renderPrefix appends the prefix of l, widening the column for a new name.
func (p *LogPrinter) renderPrefix(b []byte, l stack.LogLine) []byte {
	name := logName(l)
	if !p.seen[name] {
		p.seen[name] = true
		// One column of air after the longest name, as Compose does.
		p.width = max(p.width, len(name)+1)
	}
	colour := ""
	if p.o.Color {
		var ok bool
		if colour, ok = p.colours[l.Service]; !ok {
			colour = palette[len(p.colours)%len(palette)]
			p.colours[l.Service] = colour
		}
		b = append(b, colour...)
	}
	b = append(b, name...)
	for i := len(name); i < p.width; i++ {
		b = append(b, ' ')
	}
	b = append(b, " |"...)
	if colour != "" {
		b = append(b, sgrReset...)
	}
	return append(b, ' ')
}

// logName is the container's name without the project: "web-1".
func logName(l stack.LogLine) string {
	if l.Service != "" && l.Number > 0 {
		return l.Service + "-" + strconv.Itoa(l.Number)
	}
	if l.Container != "" {
		return l.Container
	}
	return l.Service
}
