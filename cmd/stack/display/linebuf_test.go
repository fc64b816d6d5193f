package display

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// chunkRecorder records every Write call it gets.
type chunkRecorder struct {
	mu     sync.Mutex
	chunks []string
}

func (r *chunkRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chunks = append(r.chunks, string(p))
	return len(p), nil
}

func TestLineBufferWritesWholeLinesOnly(t *testing.T) {
	rec := &chunkRecorder{}
	b := NewLineBuffer(rec, 100, time.Hour)
	var want strings.Builder
	for i := range 500 {
		l := fmt.Sprintf("line %d %s\n", i, strings.Repeat("x", i%40))
		want.WriteString(l)
		if _, err := b.Write([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	// A line longer than the buffer goes through whole.
	long := strings.Repeat("y", 300) + "\n"
	want.WriteString(long)
	_, _ = b.Write([]byte(long))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, c := range rec.chunks {
		if !strings.HasSuffix(c, "\n") {
			t.Fatalf("chunk does not end a line: %q", c)
		}
		if len(c) > 100 && c != long {
			t.Fatalf("chunk of %d bytes exceeds the buffer", len(c))
		}
		got.WriteString(c)
	}
	if got.String() != want.String() {
		t.Error("output differs from input")
	}
	if len(rec.chunks) >= 500 {
		t.Errorf("%d writes for 500 lines: not buffered", len(rec.chunks))
	}
}

func TestLineBufferFlushesAfterDelay(t *testing.T) {
	rec := &chunkRecorder{}
	b := NewLineBuffer(rec, 1<<16, time.Millisecond)
	defer b.Close()
	_, _ = b.Write([]byte("hello\n"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.chunks)
		rec.mu.Unlock()
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a quiet line was never flushed")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkLogOutput measures the rendering side of stack logs: three
// containers' lines through a LogPrinter and a LineBuffer to io.Discard.
func BenchmarkLogOutput(b *testing.B) {
	lines := make([]stack.LogLine, 3)
	for i := range lines {
		lines[i] = stack.LogLine{Service: "gen", Number: i + 1, Container: fmt.Sprintf("shop-gen-%d", i+1), Stream: "stdout",
			Line: "2024-05-01 10:00:00 INFO request handled in 3ms path=/api/v1/items status=200"}
	}
	for _, tc := range []struct {
		name string
		mk   func(io.Writer) stack.LogSink
	}{
		{"text", func(w io.Writer) stack.LogSink { return NewLogPrinter(w, LogOptions{Color: true}) }},
		{"json", func(w io.Writer) stack.LogSink { return NewJSONLogPrinter(w) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			out := NewLineBuffer(io.Discard, 64<<10, 10*time.Millisecond)
			p := tc.mk(out)
			b.SetBytes(int64(len(lines[0].Line) + 1))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p.Log(lines[i%3])
			}
			_ = out.Close()
		})
	}
}

func TestJSONLogLine(t *testing.T) {
	var b bytes.Buffer
	p := NewJSONLogPrinter(&b)
	p.Log(stack.LogLine{Time: time.Date(2024, 5, 1, 10, 0, 0, 5, time.UTC), Service: "web", Container: "shop-web-1", Stream: "stderr", Line: "a \"q\" \\ \t\x01 é \xff"})
	want := `{"time":"2024-05-01T10:00:00.000000005Z","service":"web","container":"shop-web-1","stream":"stderr","line":"a \"q\" \\ \t\u0001 é \ufffd"}` + "\n"
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}
