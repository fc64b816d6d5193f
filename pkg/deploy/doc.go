// Package deploy puts a project on a Docker Swarm: `stack deploy` and the
// swarm verbs (services, tasks, logs, scale, removal).
//
// It translates a loaded project into swarm services, overlay networks,
// secrets and configs (translate*.go), naming every key a swarm cannot
// honour; observes what the swarm has of the project (one list per kind);
// computes a Plan, a pure value with every operation, its reason and what
// it waits for; and executes exactly that plan against the swarm endpoints
// of a manager, in dependency order, reporting progress as events. It
// never prints.
package deploy
