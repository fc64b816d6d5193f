package display

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/graph"
)

// Graph output formats, the values of stack graph --format.
const (
	GraphText    = "text"
	GraphDot     = "dot"
	GraphMermaid = "mermaid"
	GraphJSON    = "json"
)

// GraphFormats lists the valid graph formats.
var GraphFormats = []string{GraphText, GraphDot, GraphMermaid, GraphJSON}

// defaultCondition is the condition of an edge that needs nothing more than
// a started container; text output leaves it out.
const defaultCondition = "service_started"

// kindDependsOn is the edge kind that the text output leaves out.
const kindDependsOn = "depends_on"

// RenderGraph writes g, the graph of the project named name, in format.
func RenderGraph(w io.Writer, format, name string, g *graph.Graph) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "", GraphText:
		writeGraphText(bw, g)
	case GraphDot:
		writeGraphDot(bw, name, g)
	case GraphMermaid:
		writeGraphMermaid(bw, g)
	case GraphJSON:
		if err := writeGraphJSON(bw, name, g); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported graph format %q: use one of %s", format, strings.Join(GraphFormats, ", "))
	}
	return bw.Flush()
}

// writeGraphText writes one line per level: the services without
// dependencies on level 0, then each service with what it depends on:
//
//	level 0: db (priority 10), cache
//	level 1: web -> cache, db (service_healthy)
//	         worker -> db
func writeGraphText(w io.Writer, g *graph.Graph) {
	for i, level := range g.Levels() {
		head := fmt.Sprintf("level %d: ", i)
		if i == 0 {
			names := make([]string, len(level))
			for k, name := range level {
				names[k] = nodeTitle(g, name)
			}
			fmt.Fprintf(w, "%s%s\n", head, strings.Join(names, ", "))
			continue
		}
		for k, name := range level {
			indent := head
			if k > 0 {
				indent = strings.Repeat(" ", len(head))
			}
			fmt.Fprintf(w, "%s%s -> %s\n", indent, nodeTitle(g, name), strings.Join(textDeps(g.Dependencies(name)), ", "))
		}
	}
}

// nodeTitle is the name, with its priority when not zero.
func nodeTitle(g *graph.Graph, name string) string {
	if n, ok := g.Node(name); ok && n.Priority != 0 {
		return fmt.Sprintf("%s (priority %d)", name, n.Priority)
	}
	return name
}

// textDeps renders the edges of one node, one entry per target, annotated
// with what is not the default: the condition and the kind.
func textDeps(edges []graph.Edge) []string {
	var out []string
	for i := 0; i < len(edges); {
		to := edges[i].To
		var notes []string
		for ; i < len(edges) && edges[i].To == to; i++ {
			e := edges[i]
			if e.Condition != "" && e.Condition != defaultCondition {
				notes = appendNew(notes, e.Condition)
			}
			if e.Kind != "" && e.Kind != kindDependsOn {
				notes = appendNew(notes, e.Kind)
			}
		}
		if len(notes) > 0 {
			to += " (" + strings.Join(notes, ", ") + ")"
		}
		out = append(out, to)
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// edgeLabel is the label of an edge in dot and mermaid: its condition, then
// its kind unless it is a plain depends_on.
func edgeLabel(e graph.Edge) string {
	var parts []string
	if e.Condition != "" {
		parts = append(parts, e.Condition)
	}
	if e.Kind != "" && e.Kind != kindDependsOn {
		parts = append(parts, e.Kind)
	}
	return strings.Join(parts, ", ")
}

// writeGraphDot writes a Graphviz digraph; an edge points from a service to
// what it depends on.
func writeGraphDot(w io.Writer, name string, g *graph.Graph) {
	fmt.Fprintf(w, "digraph %s {\n", strconv.Quote(name))
	fmt.Fprintf(w, "  node [shape=box];\n")
	for _, n := range g.Names() {
		node, _ := g.Node(n)
		if node.Priority != 0 {
			fmt.Fprintf(w, "  %s [label=%s];\n", strconv.Quote(n), strconv.Quote(fmt.Sprintf("%s\npriority %d", n, node.Priority)))
		} else {
			fmt.Fprintf(w, "  %s;\n", strconv.Quote(n))
		}
	}
	for _, n := range g.Names() {
		for _, e := range g.Dependencies(n) {
			fmt.Fprintf(w, "  %s -> %s", strconv.Quote(n), strconv.Quote(e.To))
			if l := edgeLabel(e); l != "" {
				fmt.Fprintf(w, " [label=%s]", strconv.Quote(l))
			}
			fmt.Fprintf(w, ";\n")
		}
	}
	fmt.Fprintf(w, "}\n")
}

// writeGraphMermaid writes a Mermaid flowchart. Nodes get generated ids
// since service names may hold characters Mermaid reads as syntax.
func writeGraphMermaid(w io.Writer, g *graph.Graph) {
	fmt.Fprintf(w, "flowchart TD\n")
	ids := map[string]string{}
	for i, n := range g.Names() {
		ids[n] = "s" + strconv.Itoa(i)
		label := n
		if node, _ := g.Node(n); node.Priority != 0 {
			label = fmt.Sprintf("%s (priority %d)", n, node.Priority)
		}
		fmt.Fprintf(w, "  %s[\"%s\"]\n", ids[n], mermaidEscape(label))
	}
	for _, n := range g.Names() {
		for _, e := range g.Dependencies(n) {
			if l := edgeLabel(e); l != "" {
				fmt.Fprintf(w, "  %s -->|%s| %s\n", ids[n], mermaidEscape(l), ids[e.To])
			} else {
				fmt.Fprintf(w, "  %s --> %s\n", ids[n], ids[e.To])
			}
		}
	}
}

// mermaidEscape makes s safe inside a quoted node label or a |edge label|.
func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "|", "#124;").Replace(s)
}

// graphDoc is the JSON form of a graph.
type graphDoc struct {
	Name     string         `json:"name"`
	Levels   [][]string     `json:"levels"`
	Order    []string       `json:"order"`
	Services []graphService `json:"services"`
}

type graphService struct {
	Name      string      `json:"name"`
	Priority  int         `json:"priority"`
	Level     int         `json:"level"`
	DependsOn []graphEdge `json:"depends_on"`
}

type graphEdge struct {
	Service   string `json:"service"`
	Kind      string `json:"kind"`
	Condition string `json:"condition,omitempty"`
}

func writeGraphJSON(w io.Writer, name string, g *graph.Graph) error {
	doc := graphDoc{Name: name, Levels: g.Levels(), Order: g.Order(), Services: []graphService{}}
	if doc.Levels == nil {
		doc.Levels = [][]string{}
	}
	if doc.Order == nil {
		doc.Order = []string{}
	}
	level := map[string]int{}
	for i, l := range doc.Levels {
		for _, n := range l {
			level[n] = i
		}
	}
	for _, n := range g.Names() {
		node, _ := g.Node(n)
		s := graphService{Name: n, Priority: node.Priority, Level: level[n], DependsOn: []graphEdge{}}
		for _, e := range g.Dependencies(n) {
			s.DependsOn = append(s.DependsOn, graphEdge{Service: e.To, Kind: e.Kind, Condition: e.Condition})
		}
		doc.Services = append(doc.Services, s)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
