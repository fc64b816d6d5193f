package stack

import (
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stack-orchestrator/stack/pkg/graph"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// Edge kinds of the service graph. A "depends_on" edge orders starts only;
// the others also need the target container to exist before creation.
const (
	EdgeDependsOn   = "depends_on"
	EdgeLinks       = "links"
	EdgeVolumesFrom = "volumes_from"
	EdgeNetworkMode = "network_mode"
	EdgeIPC         = "ipc"
	EdgePID         = "pid"
)

// Graph builds the dependency graph of p's services. A dependency on a
// service that is not in p (disabled by a profile) is dropped when it is
// not required, as Compose does.
func Graph(p *types.Project) (*graph.Graph, error) {
	nodes := make([]graph.Node, 0, len(p.Services))
	for _, s := range p.Services {
		n := graph.Node{Name: s.Name, Priority: project.Priority(s)}
		kinds := edgeKinds(s)
		for dep, d := range s.DependsOn {
			if _, ok := p.Services[dep]; !ok && !d.Required {
				continue
			}
			cond := d.Condition
			if cond == "" {
				cond = types.ServiceConditionStarted
			}
			kind := kinds[dep]
			if kind == "" {
				kind = EdgeDependsOn
			}
			n.Deps = append(n.Deps, graph.Edge{To: dep, Kind: kind, Condition: cond})
		}
		sort.Slice(n.Deps, func(i, j int) bool { return n.Deps[i].To < n.Deps[j].To })
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return graph.New(nodes)
}

// edgeKinds tells, per dependency, the strongest reason for the edge: the
// ones that need the target to exist at creation win over depends_on.
func edgeKinds(s types.ServiceConfig) map[string]string {
	kinds := map[string]string{}
	for _, l := range s.Links {
		name, _, _ := strings.Cut(l, ":")
		kinds[name] = EdgeLinks
	}
	for _, v := range s.VolumesFrom {
		if strings.HasPrefix(v, types.ContainerPrefix) {
			continue
		}
		name, _, _ := strings.Cut(v, ":")
		kinds[name] = EdgeVolumesFrom
	}
	for kind, mode := range map[string]string{EdgeNetworkMode: s.NetworkMode, EdgeIPC: s.Ipc, EdgePID: s.Pid} {
		if name, ok := strings.CutPrefix(mode, types.ServicePrefix); ok {
			kinds[name] = kind
		}
	}
	return kinds
}

// needsTarget reports whether an edge of this kind needs its target
// container to exist before the source container can be created.
func needsTarget(kind string) bool {
	return kind != EdgeDependsOn
}
