package deploy

import (
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Labels stack puts on what it deploys, besides docker stack's
// engine.LabelStackNamespace and engine.LabelStackImage.
const (
	// LabelService is the stack file's name of a service.
	LabelService = "io.stack.service"
	// LabelHash is a hash of everything stack sends for a service: equal
	// hashes mean nothing to update.
	LabelHash = "io.stack.deploy-hash"
	// LabelFields holds a short hash per group of settings, so that an
	// update says which settings changed.
	LabelFields = "io.stack.deploy-fields"
	// LabelObject is the stack file's key of a network, secret or config.
	LabelObject = "io.stack.object"
	// LabelContentHash is the hash of a secret's or config's content.
	LabelContentHash = "io.stack.content-hash"
)

// scoped is the name docker stack gives an object of the project: the
// project name, an underscore, the name.
func scoped(project, name string) string {
	return project + "_" + name
}

// serviceName is the swarm name of the service key of p.
func serviceName(p *types.Project, key string) string {
	return scoped(p.Name, key)
}

// namespaceLabels returns labels with the project's namespace label added
// (a new map; labels is not changed).
func namespaceLabels(project string, labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[engine.LabelStackNamespace] = project
	return out
}
