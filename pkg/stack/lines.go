package stack

import (
	"bytes"
	"strings"
	"time"
)

// lineWriter cuts a container's output stream into whole lines for a
// LogSink. A partial line is kept until its end arrives or Flush.
type lineWriter struct {
	sink   LogSink
	tmpl   LogLine
	buf    []byte
	batch  []LogLine // reused by emitBatch
	stamps bool      // lines start with an RFC 3339 timestamp from the engine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(w.buf) > 0 {
		p = append(w.buf, p...)
		w.buf = w.buf[:0]
	}
	if end := bytes.LastIndexByte(p, '\n') + 1; end > 0 {
		if bs, ok := w.sink.(LogBatchSink); ok {
			w.emitBatch(bs, string(p[:end]))
		} else {
			for rest := p[:end]; len(rest) > 0; {
				i := bytes.IndexByte(rest, '\n')
				w.sink.Log(w.line(string(rest[:i])))
				rest = rest[i+1:]
			}
		}
		p = p[end:]
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

// emitBatch hands the whole lines in s to the sink in one call; the lines
// share s's memory, one allocation for the chunk rather than one a line.
func (w *lineWriter) emitBatch(sink LogBatchSink, s string) {
	batch := w.batch[:0]
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		batch = append(batch, w.line(s[:i]))
		s = s[i+1:]
	}
	w.batch = batch
	sink.LogBatch(batch)
}

// Flush emits a trailing partial line.
func (w *lineWriter) Flush() {
	if len(w.buf) > 0 {
		w.sink.Log(w.line(string(w.buf)))
		w.buf = w.buf[:0]
	}
}

// line makes the LogLine of one line of output, without its newline.
func (w *lineWriter) line(s string) LogLine {
	l := w.tmpl
	s = strings.TrimSuffix(s, "\r")
	if w.stamps {
		if i := strings.IndexByte(s, ' '); i > 0 {
			if t, err := time.Parse(time.RFC3339Nano, s[:i]); err == nil {
				l.Time = t
				s = s[i+1:]
			}
		}
	}
	l.Line = s
	return l
}
