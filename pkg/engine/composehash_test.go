package engine

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/project"
)

// TestConfigHashComposeGolden checks ConfigHash against the hashes Docker
// Compose v5.5 writes for testdata/config-hash/compose.yaml (see the README
// there).
func TestConfigHashComposeGolden(t *testing.T) {
	dir := filepath.Join("testdata", "config-hash")
	p, err := project.Load(context.Background(), project.Options{
		Files:   []string{filepath.Join(dir, "compose.yaml")},
		Environ: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := readHashes(t, filepath.Join(dir, "compose-v5.5-hashes.txt"))
	if len(want) != len(p.Services) {
		t.Fatalf("%d golden hashes for %d services", len(want), len(p.Services))
	}
	for name, h := range want {
		s, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ConfigHash(s)
		if err != nil {
			t.Fatal(err)
		}
		if got != h {
			form, _ := composeHashForm(s)
			t.Errorf("service %s: hash %s, Compose v5.5 writes %s; hashed form:\n%s", name, got, h, form)
		}
	}
}

func readHashes(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, h, ok := strings.Cut(strings.TrimSpace(sc.Text()), " "); ok {
			out[name] = h
		}
	}
	return out
}

// TestComposeHashKeysCoverServiceConfig fails when a compose-go upgrade adds
// a service field: decide whether Compose v5.5 hashes it (composeHashKeys)
// or not (composeHashSkipped).
func TestComposeHashKeysCoverServiceConfig(t *testing.T) {
	for _, k := range jsonKeys(reflect.TypeOf(types.ServiceConfig{})) {
		if !slices.Contains(composeHashKeys, k) && !slices.Contains(composeHashSkipped, k) {
			t.Errorf("service key %q of compose-go is in neither composeHashKeys nor composeHashSkipped", k)
		}
	}
}

// jsonKeys lists the JSON names of a struct's fields, embedded structs
// flattened, as encoding/json writes them.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		keys = append(keys, tag)
	}
	return keys
}

func TestConfigHashOmitsEnvFileAndNewKeys(t *testing.T) {
	base := types.ServiceConfig{Name: "web"}
	base.Image = "busybox"
	h0, _ := ConfigHash(base)
	withFile := base
	withFile.EnvFiles = []types.EnvFile{{Path: "/x/.env"}}
	h1, _ := ConfigHash(withFile)
	equal(t, "env_file left out (merged into environment first)", h1, h0)
	refresh := base
	refresh.PullRefreshAfter = "1h"
	h2, _ := ConfigHash(refresh)
	equal(t, "a key Compose v5.5 does not know", h2, h0)
}
