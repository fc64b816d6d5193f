// Package graph is a dependency DAG over named nodes with a concurrent,
// priority-aware walker.
//
// It knows nodes, edges and priorities, nothing about Compose or Docker: an
// Edge carries an opaque Kind and Condition that callers interpret. A Graph is
// built once with New, which validates it (unknown dependencies, cycles) and
// copies its input, and is immutable afterwards, so it is safe for concurrent
// use. Select and Filter derive new graphs instead of changing one.
//
// Orders are deterministic: among nodes whose dependencies are satisfied the
// one with the highest Priority comes first, ties broken by name. Teardown
// orders (ReverseOrder, Walk with Reverse) put dependents first and prefer
// the lowest priority.
//
// Walk runs a Visitor over the graph with bounded parallelism. A node waits
// for its predecessors without holding a worker slot, and free slots go to
// ready nodes in priority order, so with a limit of 1 the walk follows Order
// exactly.
package graph
