package commands

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"

	"github.com/moby/term"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
)

// stdinTerminal returns standard input when it is a terminal.
func (c *cli) stdinTerminal() (*os.File, bool) {
	f, ok := c.stdin.(*os.File)
	if !ok || !display.IsTerminal(f) {
		return nil, false
	}
	return f, true
}

// terminalSession is the caller's terminal lent to a process with a TTY
// (exec, run): standard input in raw mode, and the terminal's size and its
// changes. end gives the terminal back; it is safe to call more than once.
type terminalSession struct {
	size   *engine.TermSize
	resize <-chan engine.TermSize
	end    func()
}

// lendTerminal puts in into raw mode and follows the size of out, until
// ctx ends or end is called. Without a terminal it does nothing.
func lendTerminal(ctx context.Context, in *os.File, out *os.File) (*terminalSession, error) {
	ts := &terminalSession{end: func() {}}
	if in == nil {
		return ts, nil
	}
	state, err := term.SetRawTerminal(in.Fd())
	if err != nil {
		return nil, err
	}
	sizeOf := func() *engine.TermSize {
		f := out
		if f == nil || !display.IsTerminal(f) {
			f = in
		}
		cols, rows := display.TerminalSize(f)
		if cols <= 0 || rows <= 0 {
			return nil
		}
		return &engine.TermSize{Width: uint(cols), Height: uint(rows)}
	}
	ts.size = sizeOf()

	ctx, cancel := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 1)
	notifyResize(sigs)
	resize := make(chan engine.TermSize, 1)
	ts.resize = resize
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(resize)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sigs:
				if s := sizeOf(); s != nil {
					select {
					case resize <- *s:
					default: // a newer size follows
					}
				}
			}
		}
	}()
	var once sync.Once
	ts.end = func() {
		once.Do(func() {
			signal.Stop(sigs)
			cancel()
			wg.Wait()
			_ = term.RestoreTerminal(in.Fd(), state)
		})
	}
	return ts, nil
}

// stdoutFile returns standard output as a file, when it is one.
func (c *cli) stdoutFile() *os.File {
	f, _ := c.stdout.(*os.File)
	return f
}

// lazyTerminal lends the terminal on standard input to a container once
// it is known to have one (run, attach), and gives it back with end.
type lazyTerminal struct {
	c  *cli
	in *os.File
	ts *terminalSession
}

// lend puts the terminal in raw mode and returns its size and changes;
// without a terminal, or when that fails (said as a warning: the
// container runs on without raw mode), it returns nothing.
func (l *lazyTerminal) lend(ctx context.Context) (*engine.TermSize, <-chan engine.TermSize) {
	if l.in == nil {
		return nil, nil
	}
	ts, err := lendTerminal(ctx, l.in, l.c.stdoutFile())
	if err != nil {
		fmt.Fprintf(l.c.stderr, "stack: warning: terminal: %v\n", err)
		return nil, nil
	}
	l.ts = ts
	return ts.size, ts.resize
}

// end gives the terminal back, if it was lent.
func (l *lazyTerminal) end() {
	if l.ts != nil {
		l.ts.end()
	}
}
