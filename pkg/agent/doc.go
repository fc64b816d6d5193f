// Package agent runs a project's automation: the x-schedule of its
// services (runs of jobs, scheduled starts and stops), their x-on
// triggers, and supervision (depends_on restart: true at run time,
// x-restart-on-unhealthy), and brings the project back in order when the
// agent or the engine starts.
//
// The agent is a controller in the Kubernetes sense: an engine event or a
// clock tick only says which part to look at again. Each piece of work
// observes the engine afresh, asks pkg/stack for a plan and runs it, so
// that it is idempotent and the agent is safe to kill at any point: what
// it did is on the engine (labels of run containers, start times), not in
// its memory. One agent acts for a project at a time (lock.go).
package agent
