package display

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

func line(service string, n int, text string) stack.LogLine {
	return stack.LogLine{Service: service, Number: n, Container: "shop-" + service + "-1", Line: text}
}

func TestLogPrefixWidthGrows(t *testing.T) {
	var b bytes.Buffer
	p := NewLogPrinter(&b, LogOptions{})
	p.Log(line("db", 1, "ready"))
	p.Log(line("web", 1, "listening"))
	p.Log(line("db", 1, "still ready\n"))
	want := "db-1  | ready\n" +
		"web-1  | listening\n" +
		"db-1   | still ready\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestLogNamesSetWidth(t *testing.T) {
	var b bytes.Buffer
	p := NewLogPrinter(&b, LogOptions{Names: []string{"db-1", "worker-12"}})
	p.Log(line("db", 1, "ready"))
	if want := "db-1       | ready\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestLogColoursPerService(t *testing.T) {
	var b bytes.Buffer
	p := NewLogPrinter(&b, LogOptions{Color: true, Names: []string{"web-2"}})
	p.Log(line("db", 1, "a"))
	p.Log(line("web", 1, "b"))
	p.Log(line("web", 2, "c"))
	p.Log(line("db", 1, "d"))
	want := palette[0] + "db-1   |" + sgrReset + " a\n" +
		palette[1] + "web-1  |" + sgrReset + " b\n" +
		palette[1] + "web-2  |" + sgrReset + " c\n" +
		palette[0] + "db-1   |" + sgrReset + " d\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestLogPaletteCycles(t *testing.T) {
	var b bytes.Buffer
	p := NewLogPrinter(&b, LogOptions{Color: true})
	for i := range len(palette) + 1 {
		p.Log(line(string(rune('a'+i)), 1, "x"))
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if first, last := lines[0], lines[len(lines)-1]; !strings.HasPrefix(first, palette[0]) || !strings.HasPrefix(last, palette[0]) {
		t.Errorf("palette does not cycle: first %q, last %q", first, last)
	}
}

func TestLogNoPrefixAndTimestamps(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	tests := []struct {
		name string
		o    LogOptions
		want string
	}{
		{"no prefix", LogOptions{NoPrefix: true, Color: true}, "hello\n"},
		{"timestamps", LogOptions{Timestamps: true}, "db-1  | 2024-01-02T03:04:05.000006000Z hello\n"},
		{"both", LogOptions{NoPrefix: true, Timestamps: true}, "2024-01-02T03:04:05.000006000Z hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			l := line("db", 1, "hello\r\n")
			l.Time = at
			NewLogPrinter(&b, tt.o).Log(l)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestLogOnFirstLine(t *testing.T) {
	calls := 0
	p := NewLogPrinter(&bytes.Buffer{}, LogOptions{OnFirstLine: func() { calls++ }})
	p.Log(line("db", 1, "a"))
	p.Log(line("db", 1, "b"))
	if calls != 1 {
		t.Errorf("OnFirstLine called %d times, want 1", calls)
	}
}

func TestLogNameFallback(t *testing.T) {
	var b bytes.Buffer
	NewLogPrinter(&b, LogOptions{}).Log(stack.LogLine{Container: "shop-run-1234", Service: "run", Line: "x"})
	if want := "shop-run-1234  | x\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// writeCounter checks that every Write holds exactly one whole line.
type writeCounter struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestLogLinesAreNeverTorn(t *testing.T) {
	w := &writeCounter{}
	p := NewLogPrinter(w, LogOptions{Color: true, Timestamps: true})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				p.Log(line(string(rune('a'+i)), 1, strings.Repeat("x", j)))
			}
		}()
	}
	wg.Wait()
	if len(w.writes) != 8*200 {
		t.Fatalf("%d writes, want %d", len(w.writes), 8*200)
	}
	for _, s := range w.writes {
		if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
			t.Fatalf("write is not one line: %q", s)
		}
	}
}

// A batch prints exactly what its lines printed one by one would.
func TestLogBatchSameAsLines(t *testing.T) {
	lines := []stack.LogLine{line("web", 1, "a"), line("web", 1, "b\r"), line("web", 1, "")}
	for _, o := range []LogOptions{{}, {NoPrefix: true}, {Timestamps: true}, {Color: true}} {
		var one, batch bytes.Buffer
		p := NewLogPrinter(&one, o)
		for _, l := range lines {
			p.Log(l)
		}
		NewLogPrinter(&batch, o).LogBatch(lines)
		if one.String() != batch.String() {
			t.Errorf("%+v: batch\n%q\nlines\n%q", o, batch.String(), one.String())
		}
	}
}
