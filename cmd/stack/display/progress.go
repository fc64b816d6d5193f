package display

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Progress modes, the values of --progress.
const (
	ModeAuto  = "auto"
	ModeTTY   = "tty"
	ModePlain = "plain"
	ModeJSON  = "json"
	ModeQuiet = "quiet"
)

// Modes lists the valid --progress values.
var Modes = []string{ModeAuto, ModeTTY, ModePlain, ModeJSON, ModeQuiet}

// ANSI modes, the values of --ansi.
const (
	ANSINever  = "never"
	ANSIAlways = "always"
	ANSIAuto   = "auto"
)

// Progress is a stack.Sink that renders events. Event may be called from
// many goroutines; Close is called once, after the last Event.
type Progress interface {
	stack.Sink
	// Settle ends live redrawing, when the renderer has any: the current
	// state stays on screen and later events are printed one line each, so
	// that they interleave cleanly with other output such as logs.
	Settle()
	// Close renders what is left to render and stops background work.
	Close()
}

// ProgressOptions choose and tune a Progress renderer.
type ProgressOptions struct {
	// Mode is one of Modes; "" means auto.
	Mode string
	// ANSI is one of never, always, auto; "" means auto.
	ANSI string
	// Out receives the rendering (standard error).
	Out io.Writer
	// Terminal tells whether Out is a terminal; auto mode then draws a live
	// view, otherwise plain lines.
	Terminal bool
	// Color enables colours in the live view.
	Color bool
	// DryRun prefixes every line, as Compose does.
	DryRun bool
	// Title heads the live view, e.g. "Running".
	Title string
	// Size returns the terminal's columns and rows; nil or zeros mean
	// unknown (no truncation, no height limit).
	Size func() (cols, rows int)
	// Now is the clock of the live view's timers; nil means time.Now.
	Now func() time.Time
}

// NewProgress returns the renderer o asks for, following Compose's rules: in
// auto mode a live view on a terminal and plain lines elsewhere; tty is
// refused with --ansi never and plain with --ansi always.
func NewProgress(o ProgressOptions) (Progress, error) {
	ansi := o.ANSI
	if ansi == "" {
		ansi = ANSIAuto
	}
	switch o.Mode {
	case "", ModeAuto:
		switch {
		case ansi == ANSINever:
			return NewPlain(o.Out, o.DryRun), nil
		case ansi == ANSIAlways || o.Terminal:
			return NewTTY(o), nil
		default:
			return NewPlain(o.Out, o.DryRun), nil
		}
	case ModeTTY:
		if ansi == ANSINever {
			return nil, fmt.Errorf("can't use --progress tty while ANSI support is disabled")
		}
		return NewTTY(o), nil
	case ModePlain:
		if ansi == ANSIAlways {
			return nil, fmt.Errorf("can't use --progress plain while ANSI support is forced")
		}
		return NewPlain(o.Out, o.DryRun), nil
	case ModeJSON:
		return NewJSON(o.Out), nil
	case ModeQuiet, "none":
		return Quiet{}, nil
	}
	return nil, fmt.Errorf("unsupported --progress value %q: use one of %s", o.Mode, strings.Join(Modes, ", "))
}

// Quiet drops every event.
type Quiet struct{}

// Event does nothing.
func (Quiet) Event(stack.Event) {}

// Settle does nothing.
func (Quiet) Settle() {}

// Close does nothing.
func (Quiet) Close() {}

// dryRunPrefix starts every line in dry-run mode, as in Compose.
const dryRunPrefix = "DRY-RUN MODE - "

// resource names an event's resource the way Compose does:
// "Container shop-db-1", "Network shop_default".
func resource(e stack.Event) string {
	kind := string(e.Kind)
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	if e.Name == "" {
		return kind
	}
	if kind == "" {
		return e.Name
	}
	return kind + " " + e.Name
}

// detail is the text shown after an event's status.
func detail(e stack.Event) string {
	switch {
	case e.Error != "" && e.Text != "":
		return e.Text + ": " + e.Error
	case e.Error != "":
		return e.Error
	}
	return e.Text
}
