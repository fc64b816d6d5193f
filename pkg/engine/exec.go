package engine

import (
	"context"
	"errors"
	"io"
)

// Executor is the part of Engine that runs processes in containers and
// attaches to their streams.
type Executor interface {
	// Exec runs r.Cmd in the running container id and returns the
	// process's exit code once it has ended and its output is copied. With
	// r.Detach it returns 0 as soon as the process has started.
	Exec(ctx context.Context, id string, r ExecRequest) (exitCode int, err error)
	// AttachContainer connects s to the streams of container id, which may
	// not be started yet (attach first, then start, to miss no output).
	// The returned wait blocks until the container's output ends (it
	// exits) or ctx ends, and must be called once.
	AttachContainer(ctx context.Context, id string, s Streams) (wait func() error, err error)
	// ResizeContainer sets the size of the terminal of a running container.
	ResizeContainer(ctx context.Context, id string, size TermSize) error
}

// TermSize is the size of a terminal, in characters.
type TermSize struct {
	Width, Height uint
}

// Streams connect a process to the caller's standard streams.
type Streams struct {
	// Stdin, when not nil, is copied to the process's standard input,
	// which is closed at its end of file. The copy may outlive the call
	// while it waits on a read that cannot be interrupted (a terminal).
	Stdin io.Reader
	// Stdout and Stderr receive the process's output; with a TTY all of it
	// goes to Stdout. Nil discards.
	Stdout, Stderr io.Writer
	// TTY tells that the process has a terminal: its output is then one
	// raw stream.
	TTY bool
	// DetachKeys, with Stdin, is a key sequence in docker's notation
	// ("ctrl-p,ctrl-q") that ends an attachment without stopping the
	// container: its wait then returns ErrDetached. Only AttachContainer
	// reads it.
	DetachKeys string
}

// ErrDetached ends an attachment that the user left with the detach keys;
// its text is the docker CLI's.
var ErrDetached = errors.New("read escape sequence")

// ExecRequest is one process to run in a container (docker exec).
type ExecRequest struct {
	Cmd        []string
	Env        []string // KEY=VALUE
	User       string
	WorkDir    string
	Privileged bool
	// TTY gives the process a terminal; Detach starts it in the background
	// without attaching.
	TTY    bool
	Detach bool
	Streams
	// Size is the initial size of the terminal; Resize, when not nil,
	// delivers later sizes until it closes or the process ends.
	Size   *TermSize
	Resize <-chan TermSize
}
