package display

import (
	"io"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Plain prints one line per event, in Compose's plain format:
//
//	Container shop-db-1  Started
type Plain struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

// NewPlain returns a Plain renderer writing to w.
func NewPlain(w io.Writer, dryRun bool) *Plain {
	p := &Plain{w: w}
	if dryRun {
		p.prefix = dryRunPrefix
	}
	return p
}

// Event writes e as one line, with one Write call.
func (p *Plain) Event(e stack.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = appendPlain(p.buf[:0], p.prefix, e)
	_, _ = p.w.Write(p.buf)
}

// appendPlain appends e's plain line, newline included, to b.
func appendPlain(b []byte, prefix string, e stack.Event) []byte {
	b = append(b, prefix...)
	b = append(b, ' ')
	b = append(b, resource(e)...)
	b = append(b, "  "...)
	b = append(b, e.Status...)
	if d := detail(e); d != "" {
		b = append(b, "  "...)
		b = append(b, d...)
	}
	return append(b, '\n')
}

// Settle does nothing: plain output is never redrawn.
func (p *Plain) Settle() {}

// Close does nothing.
func (p *Plain) Close() {}
