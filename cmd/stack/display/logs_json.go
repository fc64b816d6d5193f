package display

import (
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// JSONLogPrinter writes log lines as JSON objects, one per line (NDJSON):
//
//	{"time":"2024-05-01T10:00:00.123456789Z","service":"web","container":"shop-web-1","stream":"stdout","line":"ready"}
//
// Each object is written with one Write call under a lock.
type JSONLogPrinter struct {
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

// NewJSONLogPrinter returns a JSONLogPrinter writing to w.
func NewJSONLogPrinter(w io.Writer) *JSONLogPrinter {
	return &JSONLogPrinter{w: w}
}

// Log writes l as one JSON object.
func (p *JSONLogPrinter) Log(l stack.LogLine) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = appendJSONLine(p.buf[:0], l)
	_, _ = p.w.Write(p.buf)
}

// LogBatch writes lines with one Write call.
func (p *JSONLogPrinter) LogBatch(lines []stack.LogLine) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buf[:0]
	for _, l := range lines {
		b = appendJSONLine(b, l)
	}
	p.buf = b
	_, _ = p.w.Write(b)
}

func appendJSONLine(b []byte, l stack.LogLine) []byte {
	b = append(b, `{"time":"`...)
	if !l.Time.IsZero() {
		b = l.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	b = append(b, `","service":`...)
	b = appendJSONString(b, l.Service)
	b = append(b, `,"container":`...)
	b = appendJSONString(b, l.Container)
	b = append(b, `,"stream":`...)
	b = appendJSONString(b, l.Stream)
	b = append(b, `,"line":`...)
	b = appendJSONString(b, l.Line)
	return append(b, "}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
