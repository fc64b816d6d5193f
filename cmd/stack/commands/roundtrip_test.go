package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestConfigRoundTrip checks that `stack config` prints a file that loads
// back to the same project: `stack config | stack -f - config` prints what
// `stack config` printed, for every stack file of examples/ and of the e2e
// scripts (those that config accepts; the others are there to be refused).
func TestConfigRoundTrip(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	var files []string
	examples, err := filepath.Glob(filepath.Join(root, "examples", "*", "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range examples {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
	}
	scripts, err := filepath.Glob(filepath.Join(root, "e2e", "testdata", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(s), ".txtar"))
		for _, f := range a.Files {
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			if ext := filepath.Ext(f.Name); ext == ".yaml" || ext == ".yml" {
				files = append(files, p)
			}
		}
	}
	if len(examples) == 0 || len(scripts) == 0 {
		t.Fatalf("found %d examples and %d scripts", len(examples), len(scripts))
	}
	checked := 0
	for _, file := range files {
		h := newHarness(t, "")
		h.dir = filepath.Dir(file)
		h.env = []string{"IMAGE=stack-test/busybox:latest", "PROJECT=roundtrip", "HOME=/root"}
		args := []string{"-f", file}
		if example := filepath.Join(h.dir, ".env.example"); fileExists(example) {
			// An example's variables, as its README says to copy them.
			args = append(args, "--env-file", example)
		}
		if code := h.run(append(args, "config")...); code != 0 {
			t.Logf("%s: not a valid stack file on its own (%s)", file, strings.TrimSpace(h.stderr.String()))
			continue
		}
		first := h.stdout.String()
		h.stdin = first
		if code := h.run("-f", "-", "config"); code != 0 {
			t.Errorf("%s: the output of config does not load: %s\n%s", file, h.stderr.String(), first)
			continue
		}
		if second := h.stdout.String(); second != first {
			t.Errorf("%s: config | config -f - differs:\n--- first\n%s\n--- second\n%s", file, first, second)
		}
		checked++
	}
	t.Logf("%d of %d stack files round-tripped", checked, len(files))
	if checked < len(examples) {
		t.Errorf("only %d files checked", checked)
	}
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
