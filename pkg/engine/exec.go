package engine

// Executor is the part of Engine that runs processes in containers and
// attaches to their streams.
type Executor interface {
}
