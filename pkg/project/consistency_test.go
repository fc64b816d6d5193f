package project

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestConsistencyErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{
			name:    "undefined network",
			content: "services:\n" + svc("web", "    networks: [front]\n"),
			want:    `app.yml: service "web": networks: undefined network "front": declare it under the top-level networks:`,
		},
		{
			name:    "undefined volume",
			content: "services:\n" + svc("web", "    volumes: [\"data:/data\"]\n"),
			want:    `app.yml: service "web": volumes: undefined volume "data": declare it under the top-level volumes:`,
		},
		{
			name:    "network_mode and networks",
			content: "services:\n" + svc("web", "    network_mode: host\n    networks: [default]\n"),
			want:    `app.yml: service "web": network_mode: cannot be set together with networks`,
		},
		{
			name:    "network_mode of an unknown service",
			content: "services:\n" + svc("web", "    network_mode: \"service:vpn\"\n"),
			want:    `app.yml: service "web": network_mode: undefined service "vpn"`,
		},
		{
			name:    "healthcheck test",
			content: "services:\n" + svc("web", "    healthcheck:\n      test: [\"curl\", \"-f\", \"x\"]\n"),
			want:    `app.yml: service "web": healthcheck.test: must start with "CMD", "CMD-SHELL" or "NONE"`,
		},
		{
			name:    "scale and replicas",
			content: "services:\n" + svc("web", "    scale: 2\n    deploy:\n      replicas: 3\n"),
			want:    `app.yml: service "web": scale: differs from deploy.replicas: set one of them`,
		},
		{
			name:    "container_name with replicas",
			content: "services:\n" + svc("web", "    container_name: web\n    scale: 2\n"),
			want:    `app.yml: service "web": container_name: cannot be set on a service with 2 replicas: container names are unique`,
		},
		{
			name:    "two mounts on one path",
			content: "services:\n" + svc("web", "    tmpfs: [/run]\n    volumes: [\"/srv:/run\"]\n"),
			want:    `app.yml: service "web": volumes[0]: /run is already mounted by tmpfs[0]`,
		},
		{
			name:    "undefined secret",
			content: "services:\n" + svc("web", "    secrets: [token]\n"),
			want:    `app.yml: service "web": secrets: undefined secret "token"`,
		},
		{
			name:    "first error in name order",
			content: "services:\n" + svc("b", "    depends_on: [x]\n") + svc("a", "    depends_on: [y]\n"),
			want:    `app.yml: service "a": depends on undefined service "y"`,
		},
		{
			name:    "cycle through links",
			content: "services:\n" + svc("a", "    links: [b]\n") + svc("b", "    depends_on: [a]\n"),
			want:    `app.yml: dependency cycle detected: a -> b -> a`,
		},
		{
			name:    "self dependency",
			content: "services:\n" + svc("a", "    depends_on: [a]\n"),
			want:    `app.yml: dependency cycle detected: a -> a`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"app.yml": tt.content})
			_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}})
			checkErr(t, err, tt.want)
		})
	}
}

// The file named is the one that sets the key, among several -f files.
func TestConsistencyErrorNamesTheFile(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app.yml":      "services:\n" + svc("web", "") + svc("db", ""),
		"override.yml": "services:\n  web:\n    networks: [back]\n",
	})
	_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml", "override.yml"}})
	checkErr(t, err, `override.yml: service "web": networks: undefined network "back": declare it under the top-level networks:`)
}

// deepStack is the shared benchmark's shape: levels x width services, each
// depending on two services of the level below.
func deepStack(levels, width int) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for l := 0; l < levels; l++ {
		for w := 0; w < width; w++ {
			fmt.Fprintf(&b, "  s%dx%d:\n    image: busybox\n", l, w)
			if l > 0 {
				fmt.Fprintf(&b, "    depends_on: [s%dx%d, s%dx%d]\n", l-1, w, l-1, (w+1)%width)
			}
		}
	}
	return b.String()
}

// A deep graph has exponentially many paths; checking it must not walk
// them. compose-go's own check did, and never finished on this one. The
// bound is only there to fail instead of hanging: the load takes
// milliseconds.
func TestDeepGraphLoads(t *testing.T) {
	root := writeTree(t, map[string]string{"app.yml": deepStack(60, 3)})
	done := make(chan error, 1)
	go func() {
		_, err := Load(context.Background(), Options{WorkingDir: root, Files: []string{"app.yml"}, Environ: []string{}})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("loading 60 levels of 3 services did not end: the dependency check walks every path")
	}
}

func TestDeepGraphCycle(t *testing.T) {
	content := deepStack(40, 3) + "  s0x0x:\n    image: busybox\n"
	content = strings.Replace(content, "  s0x0:\n    image: busybox\n", "  s0x0:\n    image: busybox\n    depends_on: [s39x2]\n", 1)
	root := writeTree(t, map[string]string{"app.yml": content})
	_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}})
	if err == nil || !strings.Contains(err.Error(), "dependency cycle detected: ") || !strings.Contains(err.Error(), " -> s0x0 (40 services)") {
		t.Fatalf("err = %v, want a cycle through s0x0", err)
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, size := range []struct{ levels, width int }{{6, 10}, {10, 100}} {
		b.Run(fmt.Sprintf("%dx%d", size.levels, size.width), func(b *testing.B) {
			root := writeTree(b, map[string]string{"app.yml": deepStack(size.levels, size.width)})
			o := Options{WorkingDir: root, Files: []string{"app.yml"}, Environ: []string{}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Load(context.Background(), o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Interpolated and quoted values still get their types once the casts are
// cut down to the keys the files use, in the file itself and in a file it
// extends.
func TestCastsOfUsedKeys(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app.yml": "services:\n" +
			"  web:\n    image: busybox\n    init: \"${INIT}\"\n    scale: \"${N}\"\n    read_only: \"true\"\n" +
			"  db:\n    extends:\n      file: base.yml\n      service: base\n",
		"base.yml": "services:\n  base:\n    image: busybox\n    privileged: \"${PRIV}\"\n",
	})
	p, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}, Environ: []string{"INIT=true", "N=3", "PRIV=true"}})
	if err != nil {
		t.Fatal(err)
	}
	web, db := p.Services["web"], p.Services["db"]
	if web.Init == nil || !*web.Init || web.GetScale() != 3 || !web.ReadOnly || !db.Privileged {
		t.Errorf("init=%v scale=%d read_only=%v privileged=%v, want true 3 true true", web.Init, web.GetScale(), web.ReadOnly, db.Privileged)
	}
	root = writeTree(t, map[string]string{"app.yml": "services:\n  web:\n    image: busybox\n    tty: \"${TTY}\"\n"})
	p, err = loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}, Environ: []string{"TTY=true"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Services["web"].Tty {
		t.Error("tty: \"${TTY}\" with TTY=true did not load as true")
	}
}
