package engine

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// writeBuildTree creates files (path -> content) under dir.
func writeBuildTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// contextFiles builds the context of b and returns the files it holds, with
// their content.
func contextFiles(t *testing.T, b types.BuildConfig) (*buildContext, map[string]string) {
	t.Helper()
	bc, err := newBuildContext(b)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := bc.write(&buf); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = string(data)
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
	}
	return bc, files
}

func tarNames(files map[string]string) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func TestBuildContextHonoursDockerignore(t *testing.T) {
	dir := t.TempDir()
	writeBuildTree(t, dir, map[string]string{
		"Dockerfile":        "FROM x\n",
		".dockerignore":     "# comment\n*.log\n**/*.tmp\nsecret\nvendor\n!vendor/keep.go\nDockerfile\n",
		"app.go":            "app",
		"debug.log":         "no",
		"sub/a.tmp":         "no",
		"sub/b.go":          "yes",
		"secret":            "no",
		"vendor/lib.go":     "no",
		"vendor/keep.go":    "yes",
		"sub/deep/file.tmp": "no",
	})
	if err := os.Symlink("app.go", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	bc, files := contextFiles(t, types.BuildConfig{Context: dir})
	if bc.dockerfile != "Dockerfile" {
		t.Errorf("dockerfile %q", bc.dockerfile)
	}
	want := []string{".dockerignore", "Dockerfile", "app.go", "link", "sub/", "sub/b.go", "sub/deep/", "vendor/keep.go"}
	if got := tarNames(files); !slices.Equal(got, want) {
		t.Fatalf("context %v, want %v", got, want)
	}
}

func TestBuildContextDockerfileOutsideOrInline(t *testing.T) {
	root := t.TempDir()
	writeBuildTree(t, root, map[string]string{
		"other.Dockerfile": "FROM outside\n",
		"ctx/app.go":       "app",
	})
	ctx := filepath.Join(root, "ctx")
	bc, files := contextFiles(t, types.BuildConfig{Context: ctx, Dockerfile: "../other.Dockerfile"})
	if !strings.HasPrefix(bc.dockerfile, ".dockerfile.") || files[bc.dockerfile] != "FROM outside\n" {
		t.Fatalf("dockerfile %q in %v", bc.dockerfile, tarNames(files))
	}
	// The builder drops the added file: .dockerignore names it.
	if ig := files[".dockerignore"]; !strings.Contains(ig, bc.dockerfile+"\n") || !strings.Contains(ig, ".dockerignore\n") {
		t.Errorf(".dockerignore %q", ig)
	}

	bc, files = contextFiles(t, types.BuildConfig{Context: ctx, DockerfileInline: "FROM inline\n"})
	if files[bc.dockerfile] != "FROM inline\n" || files["app.go"] != "app" {
		t.Fatalf("inline: %q in %v", bc.dockerfile, tarNames(files))
	}

	// A relative Dockerfile inside the context is used in place.
	writeBuildTree(t, ctx, map[string]string{"docker/Dockerfile.dev": "FROM dev\n"})
	bc, _ = contextFiles(t, types.BuildConfig{Context: ctx, Dockerfile: "docker/Dockerfile.dev"})
	if bc.dockerfile != "docker/Dockerfile.dev" {
		t.Errorf("dockerfile %q", bc.dockerfile)
	}
	if _, err := newBuildContext(types.BuildConfig{Context: ctx, Dockerfile: "nope"}); err == nil {
		t.Error("missing Dockerfile accepted")
	}
	if _, err := newBuildContext(types.BuildConfig{Context: filepath.Join(root, "missing")}); err == nil {
		t.Error("missing context accepted")
	}
}

func TestBuildOptionsConversion(t *testing.T) {
	v := "1"
	opts, err := buildOptions(BuildRequest{
		Build: types.BuildConfig{
			Args:       types.MappingWithEquals{"A": &v, "B": nil},
			Labels:     types.Labels{"l": "1"},
			Network:    "host",
			ExtraHosts: types.HostsList{"db": []string{"10.0.0.2"}},
			ShmSize:    64 << 20,
			Target:     "prod",
			Tags:       []string{"extra:1"},
		},
		Tags:   []string{"shop-web"},
		Args:   map[string]*string{"C": &v},
		Labels: map[string]string{LabelProject: "shop"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opts.Tags, []string{"shop-web", "extra:1"}) || opts.NetworkMode != "host" || opts.ShmSize != 64<<20 || opts.Target != "prod" {
		t.Errorf("options %+v", opts)
	}
	if *opts.BuildArgs["A"] != "1" || opts.BuildArgs["B"] != nil || *opts.BuildArgs["C"] != "1" {
		t.Errorf("args %v", opts.BuildArgs)
	}
	if opts.Labels["l"] != "1" || opts.Labels[LabelProject] != "shop" || !slices.Equal(opts.ExtraHosts, []string{"db:10.0.0.2"}) {
		t.Errorf("labels %v hosts %v", opts.Labels, opts.ExtraHosts)
	}
	if _, err := buildOptions(BuildRequest{Build: types.BuildConfig{SSH: types.SSHConfig{{ID: "default"}}}}); err == nil || !strings.Contains(err.Error(), "ssh") {
		t.Errorf("ssh: %v", err)
	}
}

func TestReadBuildStream(t *testing.T) {
	stream := `{"stream":"Step 1/2 : FROM x\n"}
{"stream":" ---\u003e 123\n"}
{"stream":"partial "}{"stream":"line\n"}
{"aux":{"ID":"sha256:abc"}}
{"stream":"Successfully built abc\n"}
`
	var lines []string
	id, err := readBuildStream(strings.NewReader(stream), func(l string) { lines = append(lines, l) })
	if err != nil || id != "sha256:abc" {
		t.Fatalf("id %q err %v", id, err)
	}
	want := []string{"Step 1/2 : FROM x", " ---> 123", "partial line", "Successfully built abc"}
	if !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
	failed := `{"stream":"Step 2/2 : RUN false\n"}
{"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c false' returned a non-zero code: 1"}
`
	_, err = readBuildStream(strings.NewReader(failed), nil)
	if err == nil || err.Error() != "The command '/bin/sh -c false' returned a non-zero code: 1" {
		t.Errorf("err = %v", err)
	}
}
