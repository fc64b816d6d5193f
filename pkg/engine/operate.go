package engine

// Operator is the part of Engine for the everyday container operations:
// restart, top and the like.
type Operator interface {
}
