package display

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		name   string
		dryRun bool
		ev     stack.Event
		want   string
	}{
		{"started", false, stack.Event{Kind: stack.KindContainer, Name: "shop-db-1", Status: stack.StatusStarted, Done: true},
			" Container shop-db-1  Started\n"},
		{"network", false, stack.Event{Kind: stack.KindNetwork, Name: "shop_default", Status: stack.StatusCreated},
			" Network shop_default  Created\n"},
		{"text", false, stack.Event{Kind: stack.KindContainer, Name: "shop-web-1", Status: stack.StatusWaiting, Text: "for shop-db-1"},
			" Container shop-web-1  Waiting  for shop-db-1\n"},
		{"error", false, stack.Event{Kind: stack.KindContainer, Name: "shop-web-1", Status: stack.StatusError, Error: "no such image"},
			" Container shop-web-1  Error  no such image\n"},
		{"dry run", true, stack.Event{Kind: stack.KindContainer, Name: "shop-db-1", Status: stack.StatusCreated},
			"DRY-RUN MODE -  Container shop-db-1  Created\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewPlain(&b, tt.dryRun)
			p.Event(tt.ev)
			p.Close()
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestJSONProgress(t *testing.T) {
	var b bytes.Buffer
	j := NewJSON(&b)
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	j.Event(stack.Event{Time: at, Kind: stack.KindContainer, Name: "shop-db-1", Service: "db", Status: stack.StatusStarted, Done: true})
	j.Event(stack.Event{Time: at, Kind: stack.KindNetwork, Name: "shop_default", Status: stack.StatusError, Done: true, Error: "boom"})
	j.Close()
	want := `{"time":"2024-01-02T03:04:05Z","kind":"container","name":"shop-db-1","service":"db","status":"Started","done":true}
{"time":"2024-01-02T03:04:05Z","kind":"network","name":"shop_default","status":"Error","done":true,"error":"boom"}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var e stack.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Errorf("line %q is not an event: %v", line, err)
		}
	}
}

func TestJSONError(t *testing.T) {
	if got, want := JSONError(`bad "x"`), `{"error":true,"message":"bad \"x\""}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestNewProgress(t *testing.T) {
	tests := []struct {
		mode, ansi string
		terminal   bool
		want       string // type name, or "error"
	}{
		{"", "", false, "*display.Plain"},
		{"auto", "auto", true, "*display.TTY"},
		{"auto", "never", true, "*display.Plain"},
		{"auto", "always", false, "*display.TTY"},
		{"tty", "auto", false, "*display.TTY"},
		{"tty", "never", true, "error"},
		{"plain", "always", true, "error"},
		{"plain", "auto", true, "*display.Plain"},
		{"json", "auto", true, "*display.JSON"},
		{"quiet", "auto", true, "display.Quiet"},
		{"none", "auto", true, "display.Quiet"},
		{"fancy", "auto", true, "error"},
	}
	for _, tt := range tests {
		p, err := NewProgress(ProgressOptions{Mode: tt.mode, ANSI: tt.ansi, Terminal: tt.terminal, Out: &bytes.Buffer{}})
		got := "error"
		if err == nil {
			got = strings.TrimPrefix(typeName(p), "")
			p.Close()
		}
		if got != tt.want {
			t.Errorf("mode %q ansi %q terminal %v: got %s, want %s", tt.mode, tt.ansi, tt.terminal, got, tt.want)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *Plain:
		return "*display.Plain"
	case *TTY:
		return "*display.TTY"
	case *JSON:
		return "*display.JSON"
	case Quiet:
		return "display.Quiet"
	}
	return "?"
}

// syncBuffer is a bytes.Buffer safe for the TTY's background redraws.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTTYFrame(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tty := &TTY{title: "Running", items: map[string]*ttyItem{}, now: func() time.Time { return t0 }}
	ev := func(kind stack.ResourceKind, name string, status stack.Status, done bool, after time.Duration, text string) {
		tty.Event(stack.Event{Time: t0.Add(after), Kind: kind, Name: name, Status: status, Done: done, Text: text})
	}
	ev(stack.KindNetwork, "shop_default", stack.StatusCreating, false, 0, "")
	ev(stack.KindNetwork, "shop_default", stack.StatusCreated, true, 100*time.Millisecond, "")
	ev(stack.KindContainer, "shop-db-1", stack.StatusStarted, true, 400*time.Millisecond, "")
	ev(stack.KindContainer, "shop-web-1", stack.StatusWaiting, false, 0, "for shop-db-1")
	ev(stack.KindContainer, "shop-x-1", stack.StatusError, true, 200*time.Millisecond, "exit 1")

	got := strings.Join(tty.frame(t0.Add(time.Second), 0, 0), "\n")
	want := strings.Join([]string{
		"[+] Running 3/4",
		" ✔ Network shop_default  Created  0.1s",
		" ✔ Container shop-db-1   Started  0.0s",
		" ⠋ Container shop-web-1  Waiting for shop-db-1  1.0s",
		" ✘ Container shop-x-1    Error   exit 1  0.0s",
	}, "\n")
	if got != want {
		t.Errorf("frame:\n%s\nwant:\n%s", got, want)
	}

	// With a width, the elapsed time is aligned on the right and long lines
	// are cut so that they never wrap.
	lines := tty.frame(t0.Add(time.Second), 40, 0)
	for _, l := range lines[1:] {
		if n := len([]rune(l)); n != 39 {
			t.Errorf("line %q has %d columns, want 39", l, n)
		}
	}
	if !strings.HasSuffix(lines[3], "Waiting … 1.0s") {
		t.Errorf("long line not truncated: %q", lines[3])
	}

	// With few rows, finished resources make room first.
	lines = tty.frame(t0.Add(time.Second), 0, 4)
	if len(lines) != 3 || !strings.Contains(lines[1], "shop-web-1") || !strings.Contains(lines[2], "shop-x-1") {
		t.Errorf("height-limited frame:\n%s", strings.Join(lines, "\n"))
	}
}

func TestTTYCloseAndSettle(t *testing.T) {
	var out syncBuffer
	tty := NewTTY(ProgressOptions{Out: &out})
	tty.Event(stack.Event{Kind: stack.KindContainer, Name: "shop-db-1", Status: stack.StatusStarted, Done: true})
	tty.Settle()
	settled := out.String()
	if !strings.Contains(settled, "[+] Running 1/1") || !strings.Contains(settled, "✔ Container shop-db-1  Started") {
		t.Errorf("settle did not draw the final frame: %q", settled)
	}
	tty.Event(stack.Event{Kind: stack.KindContainer, Name: "shop-db-1", Status: stack.StatusStopping})
	tty.Close()
	tty.Close() // idempotent
	if rest := strings.TrimPrefix(out.String(), settled); rest != " Container shop-db-1  Stopping\n" {
		t.Errorf("after settle got %q, want a plain line", rest)
	}
}

func TestTTYRedrawsInPlace(t *testing.T) {
	var out syncBuffer
	tty := NewTTY(ProgressOptions{Out: &out})
	tty.Event(stack.Event{Kind: stack.KindContainer, Name: "a-1", Status: stack.StatusStarting})
	time.Sleep(3 * frameInterval)
	tty.Event(stack.Event{Kind: stack.KindContainer, Name: "a-1", Status: stack.StatusStarted, Done: true})
	tty.Close()
	s := out.String()
	if !strings.Contains(s, "\x1b[2F") {
		t.Errorf("no cursor movement in %q", s)
	}
	if last := s[strings.LastIndex(s, "[+]"):]; !strings.HasPrefix(last, "[+] Running 1/1\n") || !strings.Contains(last, "✔ Container a-1  Started") {
		t.Errorf("final frame missing: %q", s)
	}
}

func TestConcurrentEvents(t *testing.T) {
	var out syncBuffer
	for _, mode := range []string{ModePlain, ModeJSON, ModeTTY, ModeQuiet} {
		p, err := NewProgress(ProgressOptions{Mode: mode, Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 50 {
					p.Event(stack.Event{Kind: stack.KindContainer, Name: string(rune('a'+i)) + "-1", Status: stack.StatusStarting, Done: j%2 == 0})
				}
			}()
		}
		wg.Wait()
		p.Close()
	}
}
