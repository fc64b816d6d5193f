package stack

import (
	"bytes"
	"time"
)

// lineWriter cuts a container's output stream into whole lines for a
// LogSink. A partial line is kept until its end arrives or Flush.
type lineWriter struct {
	sink   LogSink
	tmpl   LogLine
	buf    []byte
	stamps bool // lines start with an RFC 3339 timestamp from the engine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(w.buf) > 0 {
		p = append(w.buf, p...)
		w.buf = w.buf[:0]
	}
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		w.emit(p[:i])
		p = p[i+1:]
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

// Flush emits a trailing partial line.
func (w *lineWriter) Flush() {
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *lineWriter) emit(line []byte) {
	l := w.tmpl
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if w.stamps {
		if i := bytes.IndexByte(line, ' '); i > 0 {
			if t, err := time.Parse(time.RFC3339Nano, string(line[:i])); err == nil {
				l.Time = t
				line = line[i+1:]
			}
		}
	}
	l.Line = string(line)
	w.sink.Log(l)
}
