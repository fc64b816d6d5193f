package stack

import (
	"slices"
	"testing"
	"time"
)

type lineRecorder struct {
	lines   []LogLine
	batches int
}

func (r *lineRecorder) Log(l LogLine) { r.lines = append(r.lines, l) }

type batchRecorder struct{ lineRecorder }

func (r *batchRecorder) LogBatch(ls []LogLine) {
	r.batches++
	r.lines = append(r.lines, ls...)
}

// Both kinds of sink get the same whole lines, whatever the cuts of the
// stream; a batch sink gets one call per write that ends a line.
func TestLineWriterCutsLines(t *testing.T) {
	writes := []string{"one\r\ntw", "o\n", "three\nfour\nfi", "ve"}
	want := []string{"one", "two", "three", "four", "five"}
	for _, batch := range []bool{false, true} {
		var rec *lineRecorder
		var sink LogSink
		b := &batchRecorder{}
		if batch {
			rec, sink = &b.lineRecorder, b
		} else {
			rec = &lineRecorder{}
			sink = rec
		}
		w := &lineWriter{sink: sink, tmpl: LogLine{Service: "web", Stream: "stdout"}}
		for _, s := range writes {
			if _, err := w.Write([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		var got []string
		for _, l := range rec.lines {
			if l.Service != "web" || l.Stream != "stdout" {
				t.Errorf("line %q lost its container: %+v", l.Line, l)
			}
			got = append(got, l.Line)
		}
		if !slices.Equal(got, want) {
			t.Errorf("batch=%v: lines %q, want %q", batch, got, want)
		}
		if batch && b.batches != 3 {
			t.Errorf("%d batches, want 3 (one per write that ends a line)", b.batches)
		}
	}
}

func TestLineWriterTimestamps(t *testing.T) {
	b := &batchRecorder{}
	w := &lineWriter{sink: b, stamps: true}
	_, _ = w.Write([]byte("2026-11-22T10:00:00.123456789Z hello world\nno-stamp\n"))
	if len(b.lines) != 2 {
		t.Fatalf("lines %+v", b.lines)
	}
	want := time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)
	if !b.lines[0].Time.Equal(want) || b.lines[0].Line != "hello world" {
		t.Errorf("first line %+v, want the time taken off", b.lines[0])
	}
	if !b.lines[1].Time.IsZero() || b.lines[1].Line != "no-stamp" {
		t.Errorf("second line %+v, want it as it is", b.lines[1])
	}
}
