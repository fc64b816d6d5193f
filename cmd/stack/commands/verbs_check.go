package commands

import "github.com/stack-orchestrator/stack/pkg/stack"

// Every command reaches its verbs through a small interface of its own;
// *stack.Stack must have them all, or the build fails here rather than a
// command failing at run time with errUnsupported.
var (
	_ attachVerbs  = (*stack.Stack)(nil)
	_ buildVerbs   = (*stack.Stack)(nil)
	_ commitVerbs  = (*stack.Stack)(nil)
	_ cpVerbs      = (*stack.Stack)(nil)
	_ createVerbs  = (*stack.Stack)(nil)
	_ diffVerbs    = (*stack.Stack)(nil)
	_ eventsVerbs  = (*stack.Stack)(nil)
	_ execVerbs    = (*stack.Stack)(nil)
	_ exportVerbs  = (*stack.Stack)(nil)
	_ imagesVerbs  = (*stack.Stack)(nil)
	_ killVerbs    = (*stack.Stack)(nil)
	_ logsVerbs    = (*stack.Stack)(nil)
	_ lsVerbs      = (*stack.Stack)(nil)
	_ pauseVerbs   = (*stack.Stack)(nil)
	_ portVerbs    = (*stack.Stack)(nil)
	_ pullVerbs    = (*stack.Stack)(nil)
	_ pushVerbs    = (*stack.Stack)(nil)
	_ restartVerbs = (*stack.Stack)(nil)
	_ rmVerbs      = (*stack.Stack)(nil)
	_ rmiVerbs     = (*stack.Stack)(nil)
	_ runVerbs     = (*stack.Stack)(nil)
	_ scaleVerbs   = (*stack.Stack)(nil)
	_ startVerbs   = (*stack.Stack)(nil)
	_ statsVerbs   = (*stack.Stack)(nil)
	_ stopVerbs    = (*stack.Stack)(nil)
	_ topVerbs     = (*stack.Stack)(nil)
	_ unpauseVerbs = (*stack.Stack)(nil)
	_ volumesVerbs = (*stack.Stack)(nil)
	_ waitVerbs    = (*stack.Stack)(nil)
	_ watchVerbs   = (*stack.Stack)(nil)
)
