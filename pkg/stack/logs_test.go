package stack

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// chattyEngine is the fake engine with a Logs that prints n numbered lines
// per container, in chunks that cut lines anywhere, then, when following,
// blocks until the container stops.
type chattyEngine struct {
	*fakeEngine
	lines int
	chunk int
}

func (e *chattyEngine) Logs(ctx context.Context, id string, o engine.LogOptions, stdout, stderr io.Writer) error {
	e.mu.Lock()
	c, err := e.byID(id)
	var started time.Time
	if err == nil {
		started = c.started
	}
	e.mu.Unlock()
	if err != nil {
		return err
	}
	var b strings.Builder
	for i := 1; i <= e.lines; i++ {
		fmt.Fprintf(&b, "%s %d\n", c.c.Name, i)
	}
	b.WriteString("no newline at the end")
	out := b.String()
	for len(out) > 0 {
		n := min(e.chunk, len(out))
		if _, err := stdout.Write([]byte(out[:n])); err != nil {
			return err
		}
		out = out[n:]
	}
	fmt.Fprintf(stderr, "err of %s\n", c.c.Name)
	if !o.Follow {
		return nil
	}
	for {
		e.mu.Lock()
		// A restart ends the stream too, as the engine's does.
		running := c.running && c.started.Equal(started)
		_, exists := e.containers[id]
		e.mu.Unlock()
		if !running || !exists {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Millisecond):
		}
	}
}

// lineSink collects lines per container.
type lineSink struct {
	mu    sync.Mutex
	lines map[string][]LogLine
	got   chan string // container of every line, when set
}

func (s *lineSink) Log(l LogLine) {
	s.mu.Lock()
	if s.lines == nil {
		s.lines = map[string][]LogLine{}
	}
	s.lines[l.Container] = append(s.lines[l.Container], l)
	s.mu.Unlock()
	if s.got != nil {
		select {
		case s.got <- l.Container:
		default:
		}
	}
}

func (s *lineSink) count(container string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines[container])
}

func TestLogsWholeLinesInOrderPerContainer(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"gen": nil, "web": {"gen"}})
	scale := map[string]int{"gen": 3}
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{Scale: scale}); err != nil {
		t.Fatal(err)
	}
	e := &chattyEngine{fakeEngine: f, lines: 2000, chunk: 7}
	sink := &lineSink{}
	if err := New(Options{Engine: e}).Logs(ctx, "shop", sink, LogsOptions{Services: []string{"gen"}}); err != nil {
		t.Fatal(err)
	}
	if len(sink.lines) != 3 {
		t.Fatalf("logs of %d containers, want the 3 of gen", len(sink.lines))
	}
	for name, lines := range sink.lines {
		var n, errs int
		for _, l := range lines {
			switch {
			case l.Stream == "stderr":
				errs++
				if l.Line != "err of "+name {
					t.Errorf("%s: stderr line %q", name, l.Line)
				}
			case l.Line == "no newline at the end":
				if n != 2000 {
					t.Errorf("%s: the partial last line came after %d lines", name, n)
				}
			default:
				n++
				if want := name + " " + strconv.Itoa(n); l.Line != want {
					t.Fatalf("%s: line %d is %q, want %q", name, n, l.Line, want)
				}
			}
			if l.Service != "gen" || l.Number == 0 {
				t.Errorf("%s: line without service or number: %+v", name, l)
			}
		}
		if n != 2000 || errs != 1 {
			t.Errorf("%s: %d stdout and %d stderr lines, want 2000 and 1", name, n, errs)
		}
	}
}

func TestLogsIndexSelectsOneReplica(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"gen": nil})
	if err := New(Options{Engine: f}).Up(ctx, p, UpOptions{Scale: map[string]int{"gen": 3}}); err != nil {
		t.Fatal(err)
	}
	sink := &lineSink{}
	if err := New(Options{Engine: f}).Logs(ctx, "shop", sink, LogsOptions{Index: 2}); err != nil {
		t.Fatal(err)
	}
	if len(sink.lines) != 1 || sink.count("shop-gen-2") != 1 {
		t.Errorf("got logs of %v, want shop-gen-2 only", sink.lines)
	}
}

// waitLine waits until container has logged, or fails.
func waitLine(t *testing.T, sink *lineSink, container string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for sink.count(container) == 0 {
		select {
		case <-sink.got:
		case <-deadline:
			t.Fatalf("no line from %s", container)
		}
	}
}

func TestLogsFollowPicksUpNewAndRestartedContainers(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	e := &chattyEngine{fakeEngine: f, lines: 3, chunk: 5}
	sink := &lineSink{got: make(chan string, 100)}
	done := make(chan error, 1)
	go func() {
		done <- New(Options{Engine: e}).Logs(ctx, "shop", sink, LogsOptions{Follow: true})
	}()
	waitLine(t, sink, "shop-web-1")
	if err := s.Scale(ctx, p, map[string]int{"web": 2}, ScaleOptions{}); err != nil {
		t.Fatal(err)
	}
	waitLine(t, sink, "shop-web-2")

	// A restarted container is followed again.
	before := sink.count("shop-web-1")
	if err := s.Restart(ctx, "shop", p, RestartOptions{Services: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for sink.count("shop-web-1") == before {
		select {
		case <-sink.got:
		case <-deadline:
			t.Fatal("the restarted container was not followed again")
		}
	}
	select {
	case err := <-done:
		t.Fatalf("logs ended while containers run: %v", err)
	default:
	}
	if err := s.Stop(ctx, "shop", p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("logs -f ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("logs -f did not end once the stack stopped")
	}
}

func TestLogsFollowEndsOnCancel(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	if err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	e := &chattyEngine{fakeEngine: f, lines: 1, chunk: 100}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &lineSink{got: make(chan string, 10)}
	done := make(chan error, 1)
	go func() { done <- New(Options{Engine: e}).Logs(ctx, "shop", sink, LogsOptions{Follow: true}) }()
	waitLine(t, sink, "shop-web-1")
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("logs -f did not end on cancel")
	}
}

// bulkEngine's Logs writes the same prepared output for every container,
// in 32 KiB chunks as the engine's demultiplexer does.
type bulkEngine struct {
	*fakeEngine
	data []byte
}

func (e *bulkEngine) Logs(_ context.Context, _ string, _ engine.LogOptions, stdout, _ io.Writer) error {
	for p := e.data; len(p) > 0; {
		n := min(32<<10, len(p))
		if _, err := stdout.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

type nopSink struct{}

func (nopSink) Log(LogLine) {}

// BenchmarkLogs measures the core of stack logs: three containers' output
// cut into lines for a sink that does nothing.
func BenchmarkLogs(b *testing.B) {
	f := newFake()
	p := testProject("shop", map[string][]string{"gen": nil})
	if err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{Scale: map[string]int{"gen": 3}}); err != nil {
		b.Fatal(err)
	}
	var data []byte
	for i := range 20000 {
		data = fmt.Appendf(data, "2024-05-01 10:00:00 INFO request %d handled in 3ms path=/api/v1/items\n", i)
	}
	s := New(Options{Engine: &bulkEngine{fakeEngine: f, data: data}})
	b.SetBytes(int64(3 * len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Logs(context.Background(), "shop", nopSink{}, LogsOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A restarted container's first lines come before the engine records its
// start: following resumes from the end of the previous run.
func TestResumeTimeIsPreviousFinish(t *testing.T) {
	start := time.Date(2026, 11, 22, 16, 0, 10, 0, time.UTC)
	finish := start.Add(-2 * time.Second)
	if got := resumeTime(engine.ContainerDetails{StartedAt: start, FinishedAt: finish}); !got.Equal(finish) {
		t.Errorf("restarted: %v, want %v", got, finish)
	}
	if got := resumeTime(engine.ContainerDetails{StartedAt: start}); !got.Equal(start) {
		t.Errorf("first run: %v, want %v", got, start)
	}
}

// earlyEngine is the fake engine whose containers print their first line
// before the engine records their start: a "since" of the start time
// misses it, as it does on a busy dockerd.
type earlyEngine struct{ *fakeEngine }

func (e *earlyEngine) Logs(ctx context.Context, id string, o engine.LogOptions, stdout, stderr io.Writer) error {
	d, err := e.InspectContainer(ctx, id)
	if err != nil || !d.Running {
		return err
	}
	if o.Since == "" {
		fmt.Fprintf(stdout, "first line of %s\n", d.Name)
	}
	return nil
}

func TestLogsFollowShowsTheFirstLinesOfAContainerStartedLater(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{NoStart: true}); err != nil {
		t.Fatal(err)
	}
	sink := &lineSink{got: make(chan string, 100)}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = New(Options{Engine: &earlyEngine{f}}).Logs(lctx, "shop", sink, LogsOptions{Follow: true}) }()
	// Followed from its creation on, started since.
	time.Sleep(100 * time.Millisecond)
	if err := s.Start(ctx, "shop", p, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitLine(t, sink, "shop-web-1")
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if got := sink.lines["shop-web-1"][0].Line; got != "first line of shop-web-1" {
		t.Errorf("first line %q", got)
	}
}
