package deploy

import (
	"context"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Engine is the part of a swarm manager's engine that deploy and the
// swarm verbs use: engine.Swarm and the network and volume removals of
// engine.Engine. *engine.Docker implements it.
type Engine interface {
	engine.Swarm
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error
}
