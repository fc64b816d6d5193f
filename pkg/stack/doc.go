// Package stack holds the verbs of stack: up, down, ps and the rest. Each verb
// observes the engine (one list per kind), computes a plan, and executes it
// against an engine.Engine, reporting progress as events to a Sink. It never
// prints.
package stack
