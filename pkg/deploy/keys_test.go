package deploy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// Every key compose-go knows for a service and its deploy section is in
// the table: a key added by an upgrade fails here until it is classified.
func TestEveryKeyClassified(t *testing.T) {
	table := keyTable()
	check := func(prefix string, v reflect.Value) {
		eachKey(v, func(key string, _ reflect.Value) {
			if _, ok := table[prefix+key]; !ok {
				t.Errorf("service key %q is not in serviceKeys: say what a swarm gets of it", prefix+key)
			}
		})
	}
	check("", reflect.ValueOf(types.ServiceConfig{}))
	check("deploy.", reflect.ValueOf(types.DeployConfig{}))
	// And the table names no key compose-go does not have.
	known := map[string]bool{}
	eachKey(reflect.ValueOf(types.ServiceConfig{}), func(k string, _ reflect.Value) { known[k] = true })
	eachKey(reflect.ValueOf(types.DeployConfig{}), func(k string, _ reflect.Value) { known["deploy."+k] = true })
	for _, k := range serviceKeys() {
		if !known[k.Key] && !strings.HasPrefix(k.Key, "x-") {
			t.Errorf("serviceKeys names %q, which is no key of a service", k.Key)
		}
	}
}

func TestSetUnsupported(t *testing.T) {
	p := load(t, `services:
  a:
    image: x
    privileged: true
    devices: ["/dev/null:/dev/null"]
    shm_size: 64m
    x-schedule: {run: "@daily"}
`, map[string]string{})
	got := strings.Join(setUnsupported(p.Services["a"]), " ")
	if got != "devices privileged shm_size x-schedule" {
		t.Fatalf("unsupported keys set: %q", got)
	}
}

// docs/swarm.md holds the table as serviceKeys renders it. Run with
// STACK_UPDATE_DOCS=1 to rewrite it.
func TestSwarmDocTable(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "swarm.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- keys: generated from pkg/deploy/keys.go -->\n", "<!-- end of keys -->"
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q block", path, begin, end)
	}
	want := doc[:i+len(begin)] + markdownTable() + doc[j:]
	if want == doc {
		return
	}
	if os.Getenv("STACK_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("the key table of %s is out of date: run STACK_UPDATE_DOCS=1 go test ./pkg/deploy -run TestSwarmDocTable", path)
}
