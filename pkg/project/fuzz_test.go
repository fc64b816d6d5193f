package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are stack files worth mutating: valid ones with every kind of
// reference, and a few broken ones.
var fuzzSeeds = []string{
	"services:\n  web:\n    image: busybox\n",
	"services:\n  web:\n    image: busybox\n    depends_on: [db]\n    links: [db]\n    ports: [\"80:80\", \"8000-8001:81-82\"]\n    environment: {A: \"1\", B: ${X:-2}}\n  db:\n    image: busybox\n    volumes_from: [cache]\n    x-link-priority: 3\n  cache:\n    image: busybox\n    network_mode: \"service:web2\"\n  web2:\n    image: busybox\n",
	"x-base: &b {image: busybox, labels: {a: b}}\nservices:\n  a: {<<: *b, command: [sh, -c, \"echo $$HOME\"]}\n  b: {<<: *b, healthcheck: {test: [CMD, \"true\"], interval: 1s}}\nvolumes: {v: {}}\nnetworks: {n: {ipam: {config: [{subnet: 10.1.0.0/24}]}}}\n",
	"services:\n  a:\n    image: busybox\n    depends_on: {b: {condition: service_healthy}}\n  b:\n    image: busybox\n    depends_on: [a]\n",
	"services:\n  job:\n    image: busybox\n    pull_policy: every_2h\n    x-schedule: {run: \"@every 30s\", overlap: replace, keep: 2, timezone: UTC}\n  web:\n    image: busybox\n    x-schedule: {start: \"0 8 * * 1-5\", stop: \"0 20 * * 1-5\"}\n    x-on: [{when: {service: job, event: exit-nonzero}, do: restart}]\n    x-restart-on-unhealthy: true\n",
	"services:\n  web:\n    image: busybox\n    image: x\n",
	"services: [\n",
}

// FuzzLoad: whatever the bytes, Load returns a project or an error, never
// panics, and an error is one line.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := Load(ctx, Options{WorkingDir: dir, Files: []string{file}, Environ: []string{"X=1"}, Name: "fuzz"})
		if err == nil {
			return
		}
		if msg := err.Error(); strings.Contains(msg, "\n") {
			t.Fatalf("a message of several lines: %q", msg)
		}
		var e *Error
		if !errors.As(err, &e) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("not a user error: %T %v", err, err)
		}
	})
}

// FuzzModel: when model decodes a file, compose-go loads the same project
// from the model as from the file (or fails the same way).
func FuzzModel(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		own, ours, modelled := loadBoth(t, dir, string(content))
		// Both fail: the texts may differ by the order of a map's keys.
		failed := strings.HasPrefix(own, "error: ") && strings.HasPrefix(ours, "error: ")
		if modelled && own != ours && !failed {
			t.Fatalf("compose-go:\n%s\nmodel:\n%s", own, ours)
		}
	})
}
