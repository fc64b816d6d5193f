package display

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/graph"
)

// shop is db (priority 10) and cache at the bottom, web on both, worker
// linked to db, and a job running after worker completes.
func shop(t *testing.T) *graph.Graph {
	t.Helper()
	g, err := graph.New([]graph.Node{
		{Name: "db", Priority: 10},
		{Name: "cache"},
		{Name: "web", Deps: []graph.Edge{
			{To: "db", Kind: "depends_on", Condition: "service_healthy"},
			{To: "cache", Kind: "depends_on", Condition: "service_started"},
		}},
		{Name: "worker", Priority: -1, Deps: []graph.Edge{{To: "db", Kind: "links", Condition: "service_started"}}},
		{Name: "job", Deps: []graph.Edge{{To: "worker", Kind: "depends_on", Condition: "service_completed_successfully"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func render(t *testing.T, format string, g *graph.Graph) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderGraph(&b, format, "shop", g); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGraphText(t *testing.T) {
	want := `level 0: db (priority 10), cache
level 1: web -> cache, db (service_healthy)
         worker (priority -1) -> db (links)
level 2: job -> worker (service_completed_successfully)
`
	if got := render(t, GraphText, shop(t)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := render(t, "", shop(t)); got != want {
		t.Errorf("default format is not text:\n%s", got)
	}
}

func TestGraphDot(t *testing.T) {
	want := `digraph "shop" {
  node [shape=box];
  "cache";
  "db" [label="db\npriority 10"];
  "job";
  "web";
  "worker" [label="worker\npriority -1"];
  "job" -> "worker" [label="service_completed_successfully"];
  "web" -> "cache" [label="service_started"];
  "web" -> "db" [label="service_healthy"];
  "worker" -> "db" [label="service_started, links"];
}
`
	if got := render(t, GraphDot, shop(t)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestGraphMermaid(t *testing.T) {
	want := `flowchart TD
  s0["cache"]
  s1["db (priority 10)"]
  s2["job"]
  s3["web"]
  s4["worker (priority -1)"]
  s2 -->|service_completed_successfully| s4
  s3 -->|service_started| s0
  s3 -->|service_healthy| s1
  s4 -->|service_started, links| s1
`
	if got := render(t, GraphMermaid, shop(t)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestGraphJSON(t *testing.T) {
	var doc graphDoc
	if err := json.Unmarshal([]byte(render(t, GraphJSON, shop(t))), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "shop" || len(doc.Levels) != 3 || len(doc.Services) != 5 {
		t.Fatalf("unexpected document %+v", doc)
	}
	if got := strings.Join(doc.Order, " "); got != "db cache web worker job" {
		t.Errorf("order %q", got)
	}
	web := doc.Services[3]
	if web.Name != "web" || web.Level != 1 || len(web.DependsOn) != 2 ||
		web.DependsOn[1] != (graphEdge{Service: "db", Kind: "depends_on", Condition: "service_healthy"}) {
		t.Errorf("web: %+v", web)
	}
	if doc.Services[0].DependsOn == nil {
		t.Error("depends_on of a root must be [], not null")
	}
}

func TestGraphEmptyAndBadFormat(t *testing.T) {
	g, _ := graph.New(nil)
	if got := render(t, GraphText, g); got != "" {
		t.Errorf("empty text graph: %q", got)
	}
	if got := render(t, GraphJSON, g); !strings.Contains(got, `"levels": []`) {
		t.Errorf("empty json graph: %s", got)
	}
	if err := RenderGraph(&bytes.Buffer{}, "svg", "x", g); err == nil || !strings.Contains(err.Error(), `"svg"`) {
		t.Errorf("bad format: %v", err)
	}
}
