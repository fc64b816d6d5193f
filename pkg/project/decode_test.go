package project

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/rogpeppe/go-internal/txtar"
)

// loadBoth loads content with compose-go twice, decoding it itself and
// from our model, and returns both results as JSON (or the error).
func loadBoth(t testing.TB, dir, content string) (own, ours string, modelled bool) {
	t.Helper()
	load := func(cfg map[string]any) string {
		details := types.ConfigDetails{
			WorkingDir:  dir,
			Environment: types.Mapping{"IMAGE": "busybox", "HOME": "/home/u", "PROJECT": "p"},
			ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: []byte(content), Config: cfg}},
		}
		p, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
			o.SetProjectName("m", true)
			o.SkipConsistencyCheck = true
		})
		if err != nil {
			return "error: " + err.Error()
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m, err := model([]byte(content))
	if err != nil {
		// Refused before compose-go, whose own decode of it never ends.
		return "", "error: " + err.Error(), false
	}
	return load(nil), load(m), m != nil
}

func TestModelIsWhatComposeGoDecodes(t *testing.T) {
	cases := map[string]string{
		"scalars": `services:
  web:
    image: busybox
    environment:
      INT: 12
      FLOAT: 1.50
      EXP: 1e3
      OCT: 0o17
      HEX: 0x1F
      BOOL: true
      YES: yes
      NULLV:
      TILDE: ~
      DATE: 2001-12-14
      QUOTED: "12"
      BIG: 123456789012345678901234567890
      INF: .inf
    labels: {a: "1", b: 2}
    x-any: [1, 2.5, true, null, "s", {k: v}]
`,
		"anchors and merges": `x-base: &base
  image: busybox
  environment: &env {A: "1", B: "2"}
  labels: {l: base}
x-more: &more
  labels: {l: more}
  restart: always
services:
  a:
    <<: *base
    environment:
      <<: *env
      B: "3"
  b:
    <<: [*more, *base]
  c:
    <<: *base
    image: other
    environment: *env
`,
		"service list forms": `services:
  web:
    image: busybox
    command: echo hi
    ports: ["80:80", {target: 81, published: "8081"}]
    depends_on: [db]
    environment: ["A=1", "B"]
    volumes: ["./data:/data", "named:/n"]
  db:
    image: busybox
volumes:
  named: {}
`,
		"block scalars": "services:\n  web:\n    image: busybox\n    command: |\n      echo one\n      echo two\n    entrypoint: >\n      sh -c\n      'x'\n",
		"interpolation": "services:\n  web:\n    image: ${IMAGE}\n    environment:\n      H: $HOME\n      D: $$HOME\n",
	}
	dir := t.TempDir()
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			own, ours, modelled := loadBoth(t, dir, content)
			if !modelled {
				t.Fatal("model gave the file up")
			}
			if own != ours {
				t.Errorf("compose-go:\n%s\nmodel:\n%s", own, ours)
			}
		})
	}
}

func TestModelGivesUpWhatItDoesNotHandle(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	for name, content := range map[string]string{
		"reset tag":      "services:\n  web:\n    image: busybox\n    ports: !reset []\n",
		"override tag":   "services:\n  web: !override\n    image: busybox\n",
		"two documents":  "services: {}\n---\nservices: {}\n",
		"duplicate key":  "services:\n  web:\n    image: busybox\n    image: other\n",
		"integer key":    "services:\n  web:\n    image: busybox\n    labels: {1: a}\n",
		"syntax error":   "services:\n  web: [\n",
		"not a mapping":  "- a\n- b\n",
		"empty":          "# nothing\n",
		"alias bomb":     bomb,
		"two merge keys": "x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n",
		"merge a list":   "x: &x [1]\ny:\n  <<: *x\n",
	} {
		if m, _ := model([]byte(content)); m != nil {
			t.Errorf("%s: modelled, want left to compose-go", name)
		}
	}
}

// TestModelOfTheRepositoryFiles loads every stack file of the examples
// and the e2e scripts both ways.
func TestModelRefusesAnAliasInsideItsAnchor(t *testing.T) {
	for _, content := range []string{"x: &b {<<: *b}\n", "x: &b {a: *b}\n", "x: &b [1, *b]\n", "x: &b {a: [{c: *b}]}\n"} {
		m, err := model([]byte(content))
		var cycle *cycleError
		if m != nil || !errors.As(err, &cycle) || !strings.Contains(err.Error(), "alias *b refers to the node it is in") {
			t.Errorf("%q: %v, %v", content, m, err)
		}
	}
}

func TestModelOfTheRepositoryFiles(t *testing.T) {
	files := map[string]string{}
	for _, pattern := range []string{"../../examples/*/compose.yaml", "../../e2e/testdata/*.txtar", "../../e2e/testdata/*/*.txtar"} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(m, ".txtar") {
				files[m] = string(b)
				continue
			}
			for _, f := range txtar.Parse(b).Files {
				if strings.HasSuffix(f.Name, ".yaml") || strings.HasSuffix(f.Name, ".yml") {
					files[m+":"+f.Name] = string(f.Data)
				}
			}
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d files found", len(files))
	}
	dir := t.TempDir()
	modelled := 0
	for name, content := range files {
		own, ours, ok := loadBoth(t, dir, content)
		if ok {
			modelled++
		}
		// Both failing is enough: some of compose-go's messages vary with
		// the order of a map's keys.
		failed := strings.HasPrefix(own, "error: ") && strings.HasPrefix(ours, "error: ")
		if own != ours && own != "" && !failed {
			t.Errorf("%s:\ncompose-go: %.300s\nmodel:      %.300s", name, own, ours)
		}
	}
	t.Logf("%d files, %d modelled", len(files), modelled)
}

// BenchmarkLoadLarge loads a valid 5 MB stack file: one service with
// 70,000 environment variables. Its time per byte is the same for any
// size (decode.go); compose-go's own decode of it took 15 s.
func BenchmarkLoadLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("services:\n  app:\n    image: busybox\n    environment:\n")
	for i := 0; i < 70000; i++ {
		fmt.Fprintf(&sb, "      VARIABLE_NUMBER_%06d: value-of-the-variable-number-%06d-padding-xxxx\n", i, i)
	}
	dir := writeTree(b, map[string]string{"compose.yaml": sb.String()})
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		if _, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{}, Name: "large"}); err != nil {
			b.Fatal(err)
		}
	}
}
