package project

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

var update = flag.Bool("update", false, "rewrite docs/compose-keys.md from ServiceKeys")

// keyPaths lists every key below a service, as ServiceKeys writes them, by
// walking compose-go's types: "[]" after a list of structs, ".*" for a map
// of structs.
func keyPaths(t reflect.Type, prefix string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || tag == "-" || strings.HasPrefix(tag, "#") {
			continue
		}
		if f.Anonymous && strings.Contains(opts, "inline") {
			out = append(out, keyPaths(f.Type, prefix, seen)...)
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		p := prefix + tag
		out = append(out, p)
		ft, suffix := f.Type, ""
	unwrap:
		for {
			mark := map[reflect.Kind]string{reflect.Slice: "[]", reflect.Map: ".*"}[ft.Kind()]
			switch {
			case ft.Kind() == reflect.Pointer:
				ft = ft.Elem()
			case mark != "":
				e := ft.Elem()
				for e.Kind() == reflect.Pointer {
					e = e.Elem()
				}
				if e.Kind() != reflect.Struct {
					break unwrap
				}
				suffix, ft = suffix+mark, e
			default:
				break unwrap
			}
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == reflect.TypeOf(types.ServiceConfig{}).PkgPath() && !seen[ft] {
			seen[ft] = true
			out = append(out, keyPaths(ft, p+suffix+".", seen)...)
			delete(seen, ft)
		}
	}
	return out
}

// TestServiceKeysCoverCompose fails when compose-go has a service key that
// the key table lacks (decide what stack does with it, and add it), or when
// the table has a row for a key compose-go no longer has.
func TestServiceKeysCoverCompose(t *testing.T) {
	var rows, subtrees []string
	for _, k := range ServiceKeys() {
		if slices.Contains(rows, k.Path) {
			t.Errorf("key %q has two rows", k.Path)
		}
		rows = append(rows, k.Path)
		if p, ok := strings.CutSuffix(k.Path, ".**"); ok {
			subtrees = append(subtrees, p)
		}
	}
	walked := keyPaths(reflect.TypeOf(types.ServiceConfig{}), "", map[reflect.Type]bool{})
	for _, p := range walked {
		covered := slices.ContainsFunc(subtrees, func(s string) bool {
			return strings.HasPrefix(p, s+".") || strings.HasPrefix(p, s+"[]")
		})
		if !covered && !slices.Contains(rows, p) {
			t.Errorf("service key %q of compose-go is not in ServiceKeys: say whether stack honours it", p)
		}
	}
	for _, r := range rows {
		if !strings.HasSuffix(r, ".**") && !slices.Contains(walked, r) {
			t.Errorf("ServiceKeys has %q, which compose-go's ServiceConfig does not", r)
		}
	}
}

// keyTable renders ServiceKeys as the table of docs/compose-keys.md.
func keyTable() string {
	var b strings.Builder
	b.WriteString("| key | stack | maps to |\n|---|---|---|\n")
	for _, k := range ServiceKeys() {
		path := strings.ReplaceAll(k.Path, "*", "\\*")
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", strings.ReplaceAll(path, "\\*\\*", "**"), k.Status, k.Maps)
	}
	return b.String()
}

const keyTableStart, keyTableEnd = "<!-- key table: start -->\n", "<!-- key table: end -->\n"

// TestKeyTableDoc checks that docs/compose-keys.md holds the table of
// ServiceKeys; go test -run TestKeyTableDoc -update rewrites it.
func TestKeyTableDoc(t *testing.T) {
	file := filepath.Join("..", "..", "docs", "compose-keys.md")
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, keyTableStart), strings.Index(s, keyTableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", file, keyTableStart, keyTableEnd)
	}
	want := s[:i+len(keyTableStart)] + keyTable() + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with ServiceKeys: run go test ./pkg/project -run TestKeyTableDoc -update", file)
}

func TestCheckKeys(t *testing.T) {
	load := func(t *testing.T, yaml string, strict bool) ([]string, error) {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		var warnings []string
		_, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{}, Strict: strict,
			Warn: func(m string) { warnings = append(warnings, m) }})
		return warnings, err
	}
	const hooks = `services:
  web:
    image: busybox
    post_start:
      - command: ["touch", "/x"]
    deploy:
      restart_policy: {condition: on-failure, delay: 5s}
`
	w, err := load(t, hooks, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`service "web": deploy.restart_policy.delay is ignored`} {
		if !slices.ContainsFunc(w, func(m string) bool { return strings.HasPrefix(m, want) }) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
	// Hooks are run: no warning.
	if slices.ContainsFunc(w, func(m string) bool { return strings.Contains(m, "post_start") }) {
		t.Errorf("warnings %q name post_start, which stack runs", w)
	}
	if _, err := load(t, hooks, true); err == nil || !strings.Contains(err.Error(), `service "web"`) || !strings.Contains(err.Error(), "deploy.restart_policy.delay") {
		t.Errorf("strict: %v", err)
	}
	_, err = load(t, "services:\n  web:\n    image: busybox\n    umask: 077\n", false)
	if err == nil || !strings.Contains(err.Error(), "umask") || !strings.Contains(err.Error(), "compose.yaml") {
		t.Errorf("umask: %v", err)
	}
	w, err = load(t, "services:\n  web:\n    image: busybox\n    networks: {a: {}, b: {gw_priority: 1}}\nnetworks: {a: {}, b: {}}\n", true)
	if err != nil || len(w) != 0 {
		t.Errorf("an honoured key: %v %q", err, w)
	}
}

func TestKeySetNamesThePlace(t *testing.T) {
	s := types.ServiceConfig{}
	s.Volumes = []types.ServiceVolumeConfig{{Target: "/a"}, {Target: "/b", Bind: &types.ServiceVolumeBind{Recursive: "disabled"}}}
	s.Networks = map[string]*types.ServiceNetworkConfig{"front": nil, "back": {GatewayPriority: 2}}
	for path, want := range map[string]string{
		"volumes[].bind.recursive": "volumes[1].bind.recursive",
		"networks.*.gw_priority":   "networks.back.gw_priority",
	} {
		at, ok := keySet(reflect.ValueOf(s), strings.Split(path, "."), "")
		if !ok || at != want {
			t.Errorf("%s: %q %v, want %q", path, at, ok, want)
		}
	}
	if _, ok := keySet(reflect.ValueOf(s), []string{"volumes[]", "volume", "subpath"}, ""); ok {
		t.Error("an unset key is set")
	}
}
