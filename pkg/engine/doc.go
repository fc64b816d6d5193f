// Package engine is the only part of stack that talks to a container engine.
//
// It defines Engine, the small set of calls the verbs in pkg/stack need, a
// Docker Engine implementation of it, and the conversion of a Compose service
// into the engine's container, network and volume configurations, with the
// names and labels Docker Compose uses.
package engine
