package project

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// writeTree creates files (path -> content) under a fresh temp dir and
// returns the dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// loadT runs Load hermetically: empty environment unless given, working dir
// fixed.
func loadT(t *testing.T, o Options) (*types.Project, error) {
	t.Helper()
	if o.Environ == nil {
		o.Environ = []string{}
	}
	return Load(context.Background(), o)
}

func mustLoad(t *testing.T, o Options) *types.Project {
	t.Helper()
	p, err := loadT(t, o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func svc(name, extra string) string {
	return "  " + name + ":\n    image: busybox\n" + extra
}

const webOnly = "services:\n  web:\n    image: busybox\n"

func TestDiscovery(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wd       string
		wantFile []string // relative to root
	}{
		{
			name:     "in working dir",
			files:    map[string]string{"app/stack.yaml": webOnly},
			wd:       "app",
			wantFile: []string{"app/stack.yaml"},
		},
		{
			name:     "in a parent",
			files:    map[string]string{"app/compose.yaml": webOnly, "app/sub/deeper/README": ""},
			wd:       "app/sub/deeper",
			wantFile: []string{"app/compose.yaml"},
		},
		{
			name:     "nearest dir wins over preferred name higher up",
			files:    map[string]string{"app/stack.yaml": webOnly, "app/sub/docker-compose.yml": webOnly},
			wd:       "app/sub",
			wantFile: []string{"app/sub/docker-compose.yml"},
		},
		{
			name: "stack.yaml first",
			files: map[string]string{
				"app/stack.yaml": webOnly, "app/stack.yml": webOnly, "app/compose.yaml": webOnly, "app/docker-compose.yml": webOnly,
			},
			wd:       "app",
			wantFile: []string{"app/stack.yaml"},
		},
		{
			name:     "stack.yml before compose.yaml",
			files:    map[string]string{"app/stack.yml": webOnly, "app/compose.yaml": webOnly},
			wd:       "app",
			wantFile: []string{"app/stack.yml"},
		},
		{
			name:     "compose.yml before docker-compose.yaml",
			files:    map[string]string{"app/compose.yml": webOnly, "app/docker-compose.yaml": webOnly},
			wd:       "app",
			wantFile: []string{"app/compose.yml"},
		},
		{
			name:     "docker-compose.yaml before docker-compose.yml",
			files:    map[string]string{"app/docker-compose.yml": webOnly, "app/docker-compose.yaml": webOnly},
			wd:       "app",
			wantFile: []string{"app/docker-compose.yaml"},
		},
		{
			name: "override beside default",
			files: map[string]string{
				"app/compose.yaml":          webOnly,
				"app/compose.override.yaml": "services:\n  web:\n    environment:\n      A: b\n",
			},
			wd:       "app",
			wantFile: []string{"app/compose.yaml", "app/compose.override.yaml"},
		},
		{
			name:     "a directory with a default name is skipped",
			files:    map[string]string{"app/stack.yaml/x": "", "app/compose.yaml": webOnly},
			wd:       "app",
			wantFile: []string{"app/compose.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			p := mustLoad(t, Options{WorkingDir: filepath.Join(root, tt.wd)})
			var want []string
			for _, f := range tt.wantFile {
				want = append(want, filepath.Join(root, f))
			}
			if !reflect.DeepEqual(p.ComposeFiles, want) {
				t.Errorf("ComposeFiles = %v, want %v", p.ComposeFiles, want)
			}
			if wantDir := filepath.Dir(want[0]); p.WorkingDir != wantDir {
				t.Errorf("WorkingDir = %s, want %s", p.WorkingDir, wantDir)
			}
		})
	}
}

func TestDiscoveryOverrideMerged(t *testing.T) {
	root := writeTree(t, map[string]string{
		"compose.yaml":          webOnly,
		"compose.override.yaml": "services:\n  web:\n    environment:\n      A: b\n",
	})
	p := mustLoad(t, Options{WorkingDir: root})
	if got := p.Services["web"].Environment["A"]; got == nil || *got != "b" {
		t.Errorf("override not merged: A = %v", got)
	}
}

func TestNoStackFile(t *testing.T) {
	root := t.TempDir()
	_, err := loadT(t, Options{WorkingDir: root})
	want := "no stack file found in " + root + " or its parents (looked for stack.yaml, stack.yml, compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if !errors.Is(err, ErrNoStackFile) {
		t.Errorf("errors.Is(err, ErrNoStackFile) = false")
	}
}

func TestMultipleFilesMerge(t *testing.T) {
	root := writeTree(t, map[string]string{
		"base.yml": "services:\n" +
			svc("web", "    environment:\n      A: base\n      B: base\n    ports: [\"8080:80\"]\n") +
			svc("db", ""),
		"sub/over.yml": "services:\n  web:\n    image: nginx\n    environment:\n      B: over\n  cache:\n    image: redis\n",
	})
	p := mustLoad(t, Options{WorkingDir: root, Files: []string{"base.yml", "sub/over.yml"}})
	web := p.Services["web"]
	if web.Image != "nginx" {
		t.Errorf("image = %q, want nginx (later file wins)", web.Image)
	}
	if a, b := web.Environment["A"], web.Environment["B"]; *a != "base" || *b != "over" {
		t.Errorf("environment A=%s B=%s, want base, over", *a, *b)
	}
	if len(web.Ports) != 1 || web.Ports[0].Published != "8080" {
		t.Errorf("ports = %+v", web.Ports)
	}
	if got := ServiceNames(p); !reflect.DeepEqual(got, []string{"cache", "db", "web"}) {
		t.Errorf("ServiceNames = %v", got)
	}
	// paths are relative to the first file's directory
	if p.WorkingDir != root {
		t.Errorf("WorkingDir = %s, want %s", p.WorkingDir, root)
	}
	want := []string{filepath.Join(root, "base.yml"), filepath.Join(root, "sub/over.yml")}
	if !reflect.DeepEqual(p.ComposeFiles, want) {
		t.Errorf("ComposeFiles = %v, want %v", p.ComposeFiles, want)
	}
}

func TestStdin(t *testing.T) {
	root := writeTree(t, map[string]string{"My Dir/.env": "TAG=1.36\n"})
	wd := filepath.Join(root, "My Dir")
	p := mustLoad(t, Options{
		WorkingDir: wd,
		Files:      []string{"-"},
		Stdin:      strings.NewReader("services:\n  web:\n    image: busybox:${TAG}\n    volumes: [\"./data:/data\"]\n"),
	})
	if p.Name != "mydir" {
		t.Errorf("Name = %q, want mydir", p.Name)
	}
	if p.WorkingDir != wd {
		t.Errorf("WorkingDir = %s, want %s", p.WorkingDir, wd)
	}
	web := p.Services["web"]
	if web.Image != "busybox:1.36" {
		t.Errorf("image = %q", web.Image)
	}
	if got := web.Volumes[0].Source; got != filepath.Join(wd, "data") {
		t.Errorf("volume source = %s, want it resolved against the working dir", got)
	}
	if !reflect.DeepEqual(p.ComposeFiles, []string{"-"}) {
		t.Errorf("ComposeFiles = %v", p.ComposeFiles)
	}
}

func TestStdinAndFile(t *testing.T) {
	root := writeTree(t, map[string]string{"sub/over.yml": "services:\n  web:\n    image: nginx\n"})
	p := mustLoad(t, Options{
		WorkingDir: root,
		Files:      []string{"-", "sub/over.yml"},
		Stdin:      strings.NewReader(webOnly),
	})
	if p.Services["web"].Image != "nginx" || p.WorkingDir != root {
		t.Errorf("image = %q, WorkingDir = %s", p.Services["web"].Image, p.WorkingDir)
	}
}

func TestProjectName(t *testing.T) {
	tests := []struct {
		name    string
		dir     string // project dir under the temp root
		files   map[string]string
		environ []string
		flag    string
		want    string
		wantErr string
	}{
		{name: "dir name", dir: "shop", want: "shop"},
		{name: "dir name normalised", dir: "My_Shop.v2 (old)", want: "my_shopv2old"},
		{name: "dir name leading symbols dropped", dir: "__-Shop", want: "shop"},
		{name: "name in file beats dir", dir: "shop", files: map[string]string{"stack.yaml": "name: fromfile\n" + webOnly}, want: "fromfile"},
		{name: ".env beats file", dir: "shop", files: map[string]string{".env": "COMPOSE_PROJECT_NAME=fromdotenv\n", "stack.yaml": "name: fromfile\n" + webOnly}, want: "fromdotenv"},
		{name: "env beats .env", dir: "shop", files: map[string]string{".env": "COMPOSE_PROJECT_NAME=fromdotenv\n"}, environ: []string{"COMPOSE_PROJECT_NAME=fromenv"}, want: "fromenv"},
		{name: "flag beats env", dir: "shop", files: map[string]string{".env": "COMPOSE_PROJECT_NAME=fromdotenv\n"}, environ: []string{"COMPOSE_PROJECT_NAME=fromenv"}, flag: "fromflag", want: "fromflag"},
		{name: "invalid flag", dir: "shop", flag: "My App", wantErr: `invalid project name "My App": must contain only lowercase letters, digits, '_' and '-', and start with a letter or digit`},
		{name: "invalid env", dir: "shop", environ: []string{"COMPOSE_PROJECT_NAME=-x"}, wantErr: `COMPOSE_PROJECT_NAME: invalid project name "-x": must contain only lowercase letters, digits, '_' and '-', and start with a letter or digit`},
		{name: "no usable dir name", dir: "___", wantErr: `stack.yaml: cannot derive a project name from directory "ROOT/___": use -p, COMPOSE_PROJECT_NAME or a top-level name: in the stack file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for name, content := range tt.files {
				files[tt.dir+"/"+name] = content
			}
			if _, ok := tt.files["stack.yaml"]; !ok {
				files[tt.dir+"/stack.yaml"] = webOnly
			}
			root := writeTree(t, files)
			environ := tt.environ
			if environ == nil {
				environ = []string{}
			}
			p, err := loadT(t, Options{WorkingDir: filepath.Join(root, tt.dir), Name: tt.flag, Environ: environ})
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "ROOT", root)
				if err == nil || err.Error() != want {
					t.Fatalf("err = %v\nwant  %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tt.want {
				t.Errorf("Name = %q, want %q", p.Name, tt.want)
			}
			if p.Environment["COMPOSE_PROJECT_NAME"] != tt.want {
				t.Errorf("Environment[COMPOSE_PROJECT_NAME] = %q", p.Environment["COMPOSE_PROJECT_NAME"])
			}
		})
	}
}

func TestProjectDirFlag(t *testing.T) {
	root := writeTree(t, map[string]string{
		"files/stack.yml": "services:\n  web:\n    image: busybox:${TAG}\n    env_file: [web.env]\n",
		"proj/.env":       "TAG=fromproj\n",
		"proj/web.env":    "X=1\n",
	})
	p := mustLoad(t, Options{WorkingDir: root, Files: []string{"files/stack.yml"}, ProjectDir: "proj"})
	if p.Name != "proj" || p.WorkingDir != filepath.Join(root, "proj") {
		t.Errorf("Name = %q, WorkingDir = %s", p.Name, p.WorkingDir)
	}
	web := p.Services["web"]
	if web.Image != "busybox:fromproj" {
		t.Errorf("image = %q", web.Image)
	}
	if x := web.Environment["X"]; x == nil || *x != "1" {
		t.Errorf("env_file not resolved against project dir: %v", web.Environment)
	}
}

func TestEnvInterpolation(t *testing.T) {
	stack := "services:\n  web:\n    image: busybox:${TAG:-latest}\n    environment:\n      GREETING: ${GREETING}\n"
	tests := []struct {
		name      string
		files     map[string]string
		environ   []string
		envFiles  []string
		wantImage string
		wantGreet string
	}{
		{name: "defaults", wantImage: "busybox:latest", wantGreet: ""},
		{name: ".env", files: map[string]string{".env": "TAG=1.36\nGREETING=hi ${TAG}\n"}, wantImage: "busybox:1.36", wantGreet: "hi 1.36"},
		{name: "environ beats .env", files: map[string]string{".env": "TAG=1.36\n"}, environ: []string{"TAG=env"}, wantImage: "busybox:env"},
		{name: "--env-file replaces .env", files: map[string]string{".env": "TAG=1.36\n", "conf/prod.env": "TAG=prod\n"}, envFiles: []string{"conf/prod.env"}, wantImage: "busybox:prod"},
		{name: "several --env-file in order", files: map[string]string{"a.env": "TAG=a\nGREETING=a\n", "b.env": "TAG=b\n"}, envFiles: []string{"a.env", "b.env"}, wantImage: "busybox:b", wantGreet: "a"},
		{name: "default .env disabled", files: map[string]string{".env": "TAG=1.36\n"}, environ: []string{"COMPOSE_DISABLE_ENV_FILE=1"}, wantImage: "busybox:latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"stack.yaml": stack}
			for k, v := range tt.files {
				files[k] = v
			}
			root := writeTree(t, files)
			p := mustLoad(t, Options{WorkingDir: root, Environ: tt.environ, EnvFiles: tt.envFiles})
			web := p.Services["web"]
			if web.Image != tt.wantImage {
				t.Errorf("image = %q, want %q", web.Image, tt.wantImage)
			}
			if g := web.Environment["GREETING"]; g == nil || *g != tt.wantGreet {
				t.Errorf("GREETING = %v, want %q", g, tt.wantGreet)
			}
		})
	}
}

func TestMissingEnvFile(t *testing.T) {
	root := writeTree(t, map[string]string{"stack.yaml": webOnly})
	_, err := loadT(t, Options{WorkingDir: root, EnvFiles: []string{"nope.env"}})
	if err == nil || err.Error() != "nope.env: env file not found" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false")
	}
}

func TestComposeFileEnv(t *testing.T) {
	root := writeTree(t, map[string]string{
		"stack.yaml":  "services:\n  ignored:\n    image: busybox\n",
		"a/one.yml":   webOnly,
		"a/two.yml":   "services:\n  db:\n    image: busybox\n",
		"a/three.yml": "services:\n  cache:\n    image: busybox\n",
	})
	tests := []struct {
		name    string
		environ []string
		files   []string
		want    []string
	}{
		{name: "colon", environ: []string{"COMPOSE_FILE=a/one.yml:a/two.yml"}, want: []string{"db", "web"}},
		{name: "custom separator", environ: []string{"COMPOSE_FILE=a/one.yml;a/three.yml", "COMPOSE_PATH_SEPARATOR=;"}, want: []string{"cache", "web"}},
		{name: "-f wins", environ: []string{"COMPOSE_FILE=a/one.yml"}, files: []string{"a/two.yml"}, want: []string{"db"}},
		{name: "unset uses discovery", want: []string{"ignored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, Options{WorkingDir: root, Environ: tt.environ, Files: tt.files})
			if got := ServiceNames(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("services = %v, want %v", got, tt.want)
			}
		})
	}
	_, err := loadT(t, Options{WorkingDir: root, Environ: []string{"COMPOSE_FILE=a/missing.yml"}})
	if err == nil || err.Error() != "a/missing.yml: file not found (listed in COMPOSE_FILE)" {
		t.Errorf("missing COMPOSE_FILE entry: err = %v", err)
	}
}

func TestProfiles(t *testing.T) {
	stack := "services:\n" +
		svc("web", "") +
		svc("debug", "    profiles: [debug]\n") +
		svc("admin", "    profiles: [admin, ops]\n")
	tests := []struct {
		name     string
		profiles []string
		environ  []string
		want     []string
	}{
		{name: "none", want: []string{"web"}},
		{name: "flag", profiles: []string{"debug"}, want: []string{"debug", "web"}},
		{name: "second profile of a service", profiles: []string{"ops"}, want: []string{"admin", "web"}},
		{name: "env", environ: []string{"COMPOSE_PROFILES=debug, ops"}, want: []string{"admin", "debug", "web"}},
		{name: "flag beats env", profiles: []string{"debug"}, environ: []string{"COMPOSE_PROFILES=ops"}, want: []string{"debug", "web"}},
		{name: "all", profiles: []string{"*"}, want: []string{"admin", "debug", "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"stack.yaml": stack})
			p := mustLoad(t, Options{WorkingDir: root, Profiles: tt.profiles, Environ: tt.environ})
			if got := ServiceNames(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("services = %v, want %v", got, tt.want)
			}
			if len(p.Services)+len(p.DisabledServices) != 3 {
				t.Errorf("%d enabled + %d disabled, want 3", len(p.Services), len(p.DisabledServices))
			}
		})
	}
}

func TestProfileDisabledDependency(t *testing.T) {
	tests := []struct {
		name     string
		web      string
		profiles []string
		wantErr  string
	}{
		{
			name:    "required",
			web:     "    depends_on: [db]\n",
			wantErr: `stack.yaml: service "web": depends on service "db", which is not enabled: it needs profile "data" (use --profile or COMPOSE_PROFILES, or mark the dependency required: false)`,
		},
		{
			name:    "through links",
			web:     "    links: [db]\n",
			wantErr: `stack.yaml: service "web": depends on service "db", which is not enabled: it needs profile "data" (use --profile or COMPOSE_PROFILES, or mark the dependency required: false)`,
		},
		{name: "not required", web: "    depends_on:\n      db:\n        condition: service_started\n        required: false\n"},
		{name: "enabled", web: "    depends_on: [db]\n", profiles: []string{"data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"stack.yaml": "services:\n" + svc("web", tt.web) + svc("db", "    profiles: [data]\n")})
			_, err := loadT(t, Options{WorkingDir: root, Profiles: tt.profiles})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if err.Error() != want {
		t.Fatalf("err  = %s\nwant = %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("error is %T, want *Error", err)
	}
}

func TestLinkPriority(t *testing.T) {
	tests := []struct {
		name    string
		value   string // YAML after "x-link-priority: "
		environ []string
		want    int
		wantErr string
	}{
		{name: "int", value: "5", want: 5},
		{name: "negative", value: "-3", want: -3},
		{name: "zero", value: "0", want: 0},
		{name: "quoted int", value: `"7"`, want: 7},
		{name: "interpolated", value: "${PRIO}", environ: []string{"PRIO=12"}, want: 12},
		{name: "interpolated default", value: "${PRIO:-4}", want: 4},
		{name: "string", value: "high", wantErr: `app.yml: service "web": x-link-priority: must be an integer, got string "high"`},
		{name: "float", value: "1.5", wantErr: `app.yml: service "web": x-link-priority: must be an integer, got float 1.5`},
		{name: "float string", value: `"1.5"`, wantErr: `app.yml: service "web": x-link-priority: must be an integer, got string "1.5"`},
		{name: "bool", value: "true", wantErr: `app.yml: service "web": x-link-priority: must be an integer, got bool true`},
		{name: "map", value: "{a: 1}", wantErr: `app.yml: service "web": x-link-priority: must be an integer, got a mapping`},
		{name: "list", value: "[1]", wantErr: `app.yml: service "web": x-link-priority: must be an integer, got a list`},
		{name: "interpolated bad", value: "${PRIO}", environ: []string{"PRIO=top"}, wantErr: `app.yml: service "web": x-link-priority: must be an integer, got string "top"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{
				"app.yml": "services:\n" + svc("web", "    x-link-priority: "+tt.value+"\n    x-schedule: {run: '* * * * *'}\n    x-other: whatever\n") + svc("db", ""),
			})
			p, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}, Environ: tt.environ})
			checkErr(t, err, tt.wantErr)
			if err != nil {
				return
			}
			if got := Priority(p.Services["web"]); got != tt.want {
				t.Errorf("Priority(web) = %d, want %d", got, tt.want)
			}
			if got := Priority(p.Services["db"]); got != 0 {
				t.Errorf("Priority(db) = %d, want 0 when unset", got)
			}
		})
	}
}

func TestLinkPriorityFileOfOverride(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app.yml":      "services:\n" + svc("web", "    x-link-priority: 1\n"),
		"override.yml": "services:\n  web:\n    x-link-priority: high\n",
	})
	_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml", "override.yml"}})
	checkErr(t, err, `override.yml: service "web": x-link-priority: must be an integer, got string "high"`)
}

func TestLinkPriorityProfileDisabledService(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app.yml": "services:\n" + svc("web", "") + svc("debug", "    profiles: [debug]\n    x-link-priority: 2.5\n"),
	})
	_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}})
	checkErr(t, err, `app.yml: service "debug": x-link-priority: must be an integer, got float 2.5`)
}

func TestPriorityWithoutLoad(t *testing.T) {
	tests := []struct {
		ext  types.Extensions
		want int
	}{
		{nil, 0},
		{types.Extensions{LinkPriorityKey: 3}, 3},
		{types.Extensions{LinkPriorityKey: "9"}, 9},
		{types.Extensions{LinkPriorityKey: "x"}, 0},
		{types.Extensions{LinkPriorityKey: 1.5}, 0},
	}
	for _, tt := range tests {
		if got := Priority(types.ServiceConfig{Extensions: tt.ext}); got != tt.want {
			t.Errorf("Priority(%v) = %d, want %d", tt.ext, got, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		files   []string // default: app.yml
		environ []string
		wantErr string
	}{
		{
			name:    "invalid yaml",
			content: "services:\n  web:\n    image: busybox\n   bad: [\n",
			wantErr: "app.yml: invalid YAML: while parsing a block mapping at line 1, column 3: line 3, column 4: did not find expected key",
		},
		{
			name:    "tab",
			content: "services:\n\tweb:\n",
			wantErr: "app.yml: invalid YAML: while scanning for the next token at line 2: found character that cannot start any token",
		},
		{
			name:    "bad container port",
			content: "services:\n" + svc("db", "") + svc("web", "    ports:\n      - \"8080:80\"\n      - \"80:abc\"\n"),
			wantErr: `app.yml: service "web": ports: invalid port "80:abc": invalid containerPort: abc`,
		},
		{
			name:    "bad host port",
			content: "services:\n" + svc("web", "    ports: [\"99999:80\"]\n"),
			wantErr: `app.yml: service "web": ports: invalid port "99999:80": invalid hostPort: 99999`,
		},
		{
			name:    "bad interpolated port",
			content: "services:\n" + svc("web", "    ports: [\"${P}:80\"]\n"),
			environ: []string{"P=eighty"},
			wantErr: `app.yml: service "web": ports: invalid port "${P}:80": invalid hostPort: eighty`,
		},
		{
			name:    "bad long port",
			content: "services:\n" + svc("web", "    ports:\n      - target: abc\n"),
			wantErr: `app.yml: service "web": ports[].target: must be an integer, got "abc"`,
		},
		{
			name:    "unknown dependency",
			content: "services:\n" + svc("web", "    depends_on: [db]\n"),
			wantErr: `app.yml: service "web": depends on undefined service "db"`,
		},
		{
			name:    "unknown link",
			content: "services:\n" + svc("web", "    links: [\"db:database\"]\n"),
			wantErr: `app.yml: service "web": depends on undefined service "db"`,
		},
		{
			name:    "cycle",
			content: "services:\n" + svc("a", "    depends_on: [b]\n") + svc("b", "    depends_on: [c]\n") + svc("c", "    depends_on: [a]\n"),
			wantErr: `app.yml: dependency cycle detected: a -> b -> c -> a`,
		},
		{
			name:    "unknown key",
			content: "services:\n" + svc("web", "    imgae: x\n"),
			wantErr: `app.yml: service "web": imgae: unknown key (not part of the Compose Specification)`,
		},
		{
			name:    "wrong type",
			content: "services:\n" + svc("web", "    ports: 80\n"),
			wantErr: `app.yml: service "web": ports: must be a list`,
		},
		{
			name:    "no image",
			content: "services:\n  web:\n    command: [sh]\n",
			wantErr: `app.yml: service "web": has neither an image nor a build context specified`,
		},
		{
			name:    "missing variable",
			content: "services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n",
			wantErr: `app.yml: service "web": image: required variable IMAGE is missing a value: set IMAGE`,
		},
		{
			name:    "empty file",
			content: "",
			wantErr: `app.yml: no content: the stack file is empty`,
		},
		{
			name:    "not a mapping",
			content: "- a\n",
			wantErr: `app.yml: top-level object must be a mapping`,
		},
		{
			name:    "missing file",
			files:   []string{"app.yml", "nope.yml"},
			content: webOnly,
			wantErr: `nope.yml: file not found`,
		},
		{
			name:    "unknown dependency across files",
			files:   []string{"app.yml", "more.yml"},
			content: webOnly,
			wantErr: `more.yml: service "api": depends on undefined service "auth"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{
				"app.yml":  tt.content,
				"more.yml": "services:\n" + svc("api", "    depends_on: [auth]\n"),
			})
			files := tt.files
			if files == nil {
				files = []string{"app.yml"}
			}
			_, err := loadT(t, Options{WorkingDir: root, Files: files, Environ: tt.environ})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestMissingFileIsNotExist(t *testing.T) {
	_, err := loadT(t, Options{WorkingDir: t.TempDir(), Files: []string{"app.yml"}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestFileOutsideWorkingDirShownAbsolute(t *testing.T) {
	root := writeTree(t, map[string]string{"elsewhere/app.yml": "services: [\n", "wd/x": ""})
	f := filepath.Join(root, "elsewhere", "app.yml")
	_, err := loadT(t, Options{WorkingDir: filepath.Join(root, "wd"), Files: []string{f}})
	if err == nil || !strings.HasPrefix(err.Error(), f+": invalid YAML: ") {
		t.Errorf("err = %v, want it to start with the absolute file name", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, Options{Environ: []string{}, WorkingDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		in, norm string
		valid    bool
	}{
		{"shop", "shop", true},
		{"my-shop_2", "my-shop_2", true},
		{"9lives", "9lives", true},
		{"My Shop", "myshop", false},
		{"_private", "private", false},
		{"-x", "x", false},
		{"a.b", "ab", false},
		{"", "", false},
		{"__", "", false},
		{"Ünïcode", "ncode", false},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.norm {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.norm)
		}
		if err := ValidateName(tt.in); (err == nil) != tt.valid {
			t.Errorf("ValidateName(%q) = %v, want valid=%t", tt.in, err, tt.valid)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	base := errors.New("base")
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{File: "app.yml", Service: "web", Key: "x-link-priority", Msg: "bad"}, `app.yml: service "web": x-link-priority: bad`},
		{&Error{Service: "web", Msg: "bad"}, `service "web": bad`},
		{&Error{File: "app.yml", Msg: "bad"}, `app.yml: bad`},
		{&Error{File: "app.yml", Err: base}, `app.yml: base`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %s, want %s", got, tt.want)
		}
	}
	if !errors.Is(&Error{Err: base}, base) {
		t.Error("Unwrap does not expose Err")
	}
}

func TestWarnUnsetVariable(t *testing.T) {
	root := writeTree(t, map[string]string{"stack.yaml": "services:\n  web:\n    image: busybox:${TAG:-latest}\n    environment:\n      A: ${GREETING}\n      B: $GREETING\n      C: ${SET}\n"})
	var warnings []string
	mustLoad(t, Options{WorkingDir: root, Environ: []string{"SET=1"}, Warn: func(m string) { warnings = append(warnings, m) }})
	want := []string{`variable "GREETING" is not set, using a blank string`}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
}

func TestIncludeAndExtends(t *testing.T) {
	root := writeTree(t, map[string]string{
		"stack.yaml": "include:\n  - db/db.yml\nservices:\n  web:\n    extends:\n      file: base.yml\n      service: base\n    depends_on: [db]\n",
		"base.yml":   "services:\n  base:\n    image: busybox\n    environment:\n      FROM: base\n",
		"db/db.yml":  "services:\n  db:\n    image: busybox\n    env_file: [db.env]\n",
		"db/db.env":  "PASSWORD=secret\n",
	})
	p := mustLoad(t, Options{WorkingDir: root})
	if got := ServiceNames(p); !reflect.DeepEqual(got, []string{"db", "web"}) {
		t.Fatalf("services = %v", got)
	}
	if v := p.Services["web"].Environment["FROM"]; v == nil || *v != "base" {
		t.Errorf("extends not applied: %v", p.Services["web"].Environment)
	}
	if v := p.Services["db"].Environment["PASSWORD"]; v == nil || *v != "secret" {
		t.Errorf("included env_file not resolved: %v", p.Services["db"].Environment)
	}
}

func TestStdinTwice(t *testing.T) {
	_, err := loadT(t, Options{WorkingDir: t.TempDir(), Files: []string{"-", "-"}, Stdin: strings.NewReader(webOnly)})
	checkErr(t, err, "<stdin>: standard input can be given only once with -f -")
}

// TestProjectDirDiscovery: without -f, the stack file is looked up in
// --project-directory, not in the working directory, as in Compose.
func TestProjectDirDiscovery(t *testing.T) {
	root := writeTree(t, map[string]string{
		"compose.yaml":      "services:\n  wrong: {image: busybox}\n",
		"proj/compose.yaml": "services:\n  right: {image: busybox}\n",
		"proj/.env":         "COMPOSE_PROJECT_NAME=fromdotenv\n",
	})
	p := mustLoad(t, Options{WorkingDir: root, ProjectDir: "proj"})
	if _, ok := p.Services["right"]; !ok || p.WorkingDir != filepath.Join(root, "proj") || p.Name != "fromdotenv" {
		t.Errorf("services %v, dir %s, name %q", p.ServiceNames(), p.WorkingDir, p.Name)
	}
}
