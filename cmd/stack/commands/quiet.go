package commands

import (
	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// quietImages is a progress renderer that leaves out the step-by-step
// lines of image pulls (--quiet-pull) and builds (--quiet-build); the
// start and the end of each are still shown.
type quietImages struct {
	display.Progress
	pull, build bool
}

// Event drops the in-flight lines of the quieted image operations.
func (q quietImages) Event(e stack.Event) {
	if e.Kind == stack.KindImage && !e.Done && e.Text != "" &&
		(q.pull && e.Status == stack.StatusPulling || q.build && e.Status == stack.StatusBuilding) {
		return
	}
	q.Progress.Event(e)
}

// quiet wraps prog when pull or build lines are to be left out.
func quiet(prog display.Progress, pull, build bool) display.Progress {
	if !pull && !build {
		return prog
	}
	return quietImages{Progress: prog, pull: pull, build: build}
}
