package display

import (
	"io"
	"sync"
	"time"
)

// LineBuffer batches the writes to w of a writer that writes one or more
// whole lines per call (such as LogPrinter), so that a flood of short
// lines costs few system calls. It only ever writes whole calls, so whole
// lines, never torn: it flushes when the next call would not fit, after
// delay once something is buffered (so that a quiet stream still shows
// promptly), and on Flush and Close. It is safe for concurrent use.
type LineBuffer struct {
	w     io.Writer
	delay time.Duration

	mu    sync.Mutex
	buf   []byte
	timer *time.Timer
	armed bool
	err   error
}

// NewLineBuffer returns a LineBuffer of size bytes in front of w.
func NewLineBuffer(w io.Writer, size int, delay time.Duration) *LineBuffer {
	return &LineBuffer{w: w, delay: delay, buf: make([]byte, 0, size)}
}

// Write buffers p, which must end at a line boundary.
func (b *LineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flushLocked()
		if len(p) >= cap(b.buf) {
			_, b.err = b.w.Write(p)
			if b.err != nil {
				return 0, b.err
			}
			return len(p), nil
		}
	}
	b.buf = append(b.buf, p...)
	if !b.armed {
		b.armed = true
		if b.timer == nil {
			b.timer = time.AfterFunc(b.delay, func() { _ = b.Flush() })
		} else {
			b.timer.Reset(b.delay)
		}
	}
	return len(p), b.err
}

// Flush writes what is buffered.
func (b *LineBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *LineBuffer) flushLocked() {
	b.armed = false
	if len(b.buf) == 0 || b.err != nil {
		b.buf = b.buf[:0]
		return
	}
	_, b.err = b.w.Write(b.buf)
	b.buf = b.buf[:0]
}

// Close flushes and stops the timer; later writes go straight through a
// new flush timer, so Close is best called once the writers are done.
func (b *LineBuffer) Close() error {
	b.mu.Lock()
	if b.timer != nil {
		b.timer.Stop()
	}
	b.mu.Unlock()
	return b.Flush()
}
