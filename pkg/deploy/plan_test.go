package deploy

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

const planStack = `name: shop
services:
  db:
    image: reg.local/db:1
    secrets: [pw]
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: reg.local/web:1
    environment: {GREETING: hello}
    depends_on:
      db: {condition: service_healthy}
    deploy: {replicas: 2}
secrets:
  pw:
    file: ./pw.txt
`

// hashRE hides the content hashes in object names of golden plans, and
// spacesRE the columns' widths, which depend on them.
var (
	hashRE   = regexp.MustCompile(`-[0-9a-f]{10}\b`)
	spacesRE = regexp.MustCompile(` +`)
)

func newTestDeployer(f *fakeSwarm) *Deployer {
	return New(Options{Engine: f, Poll: 5 * time.Millisecond})
}

// deployText deploys yaml (with pw.txt holding pw) to f and returns the
// plan as text, content hashes hidden.
func deployText(t *testing.T, f *fakeSwarm, yaml, pw string, o DeployOptions) (string, error) {
	t.Helper()
	p := load(t, yaml, map[string]string{"pw.txt": pw})
	plan, err := newTestDeployer(f).Deploy(context.Background(), p, o)
	if plan == nil {
		return "", err
	}
	return spacesRE.ReplaceAllString(hashRE.ReplaceAllString(plan.String(), "-HASH"), " "), err
}

func TestPlanFirstAndSecondDeploy(t *testing.T) {
	f := newFakeSwarm()
	got, err := deployText(t, f, planStack, "one", DeployOptions{ResolveImage: ResolveNever, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `deploy plan of project "shop": 4 change(s)
 create network shop_default new
 create secret shop_pw-HASH new
 create service shop_db new
 create service shop_web new; after db is healthy
`
	if got != want {
		t.Fatalf("first plan:\n%s\nwant:\n%s", got, want)
	}
	if calls := f.called("CreateService", "CreateSecret", "CreateOverlayNetwork"); len(calls) != 0 {
		t.Fatalf("a dry run called %v", calls)
	}

	if _, err := deployText(t, f, planStack, "one", DeployOptions{ResolveImage: ResolveNever}); err != nil {
		t.Fatal(err)
	}
	got, _ = deployText(t, f, planStack, "one", DeployOptions{ResolveImage: ResolveNever, DryRun: true})
	want = `deploy plan of project "shop": 0 change(s)
 keep service shop_db unchanged
 keep service shop_web unchanged; after db is healthy
`
	if got != want {
		t.Fatalf("plan of an unchanged file:\n%s\nwant:\n%s", got, want)
	}

	// One variable and the secret's content change; web was scaled.
	if err := newTestDeployer(f).Scale(context.Background(), "shop", map[string]int{"web": 5}, ScaleOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(planStack, "GREETING: hello", "GREETING: hi", 1)
	got, _ = deployText(t, f, changed, "two", DeployOptions{ResolveImage: ResolveNever, DryRun: true})
	want = `deploy plan of project "shop": 4 change(s)
 create secret shop_pw-HASH new content (replaces shop_pw-HASH)
 update service shop_db changed: secrets
 update service shop_web changed: environment; replicas 5 -> 2 (scaled since the last deploy); after db is healthy
 remove secret shop_pw-HASH no longer used
`
	if got != want {
		t.Fatalf("plan of a changed file:\n%s\nwant:\n%s", got, want)
	}
}

func TestPlanPrune(t *testing.T) {
	f := newFakeSwarm()
	if _, err := deployText(t, f, planStack, "one", DeployOptions{ResolveImage: ResolveNever}); err != nil {
		t.Fatal(err)
	}
	onlyDB := `name: shop
services:
  db:
    image: reg.local/db:1
    secrets: [pw]
    healthcheck: {test: ["CMD", "true"]}
secrets:
  pw:
    file: ./pw.txt
`
	got, _ := deployText(t, f, onlyDB, "one", DeployOptions{ResolveImage: ResolveNever, DryRun: true})
	if !strings.Contains(got, "note: service shop_web is not in the stack file: --prune removes it") || strings.Contains(got, "remove ") {
		t.Fatalf("without --prune:\n%s", got)
	}
	got, _ = deployText(t, f, onlyDB, "one", DeployOptions{ResolveImage: ResolveNever, Prune: true})
	if !strings.Contains(got, "remove service shop_web not in the stack file (--prune)") {
		t.Fatalf("with --prune:\n%s", got)
	}
	if _, ok := f.services["shop_web"]; ok {
		t.Fatal("deploy --prune left shop_web")
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
		setup            func(*fakeSwarm)
	}{
		{"external network missing", "name: shop\nservices:\n  a:\n    image: x\n    networks: [ext]\nnetworks:\n  ext: {external: true}\n",
			`network "ext" is external but does not exist`, nil},
		{"external secret missing", "name: shop\nservices:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s: {external: true}\n",
			`secret "s" is external but does not exist`, nil},
		{"named secret changed", "name: shop\nservices:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s: {name: fixed, file: ./pw.txt}\n",
			`secret "fixed" changed, and a swarm secret cannot change`, func(f *fakeSwarm) {
				f.secrets["fixed"] = engine.SwarmObject{ID: "old", Name: "fixed", Labels: map[string]string{engine.LabelStackNamespace: "shop", LabelContentHash: "other"}}
			}},
		{"not a manager", "name: shop\nservices:\n  a:\n    image: x\n", "worker node", func(f *fakeSwarm) {
			f.info = engine.SwarmInfo{State: "active", Manager: false}
		}},
		{"no swarm", "name: shop\nservices:\n  a:\n    image: x\n", "in no swarm", func(f *fakeSwarm) {
			f.info = engine.SwarmInfo{State: "inactive"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSwarm()
			if tc.setup != nil {
				tc.setup(f)
			}
			_, err := deployText(t, f, tc.yaml, "one", DeployOptions{ResolveImage: ResolveNever})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if calls := f.called("CreateService", "CreateSecret", "CreateOverlayNetwork"); len(calls) != 0 {
				t.Fatalf("a failed plan made %v", calls)
			}
		})
	}
}

func TestStrict(t *testing.T) {
	f := newFakeSwarm()
	_, err := deployText(t, f, "name: shop\nservices:\n  a:\n    image: x\n    privileged: true\n", "", DeployOptions{Strict: true})
	if !errors.Is(err, ErrStrict) || !strings.Contains(err.Error(), `service "a": privileged`) {
		t.Fatalf("error %v", err)
	}
	if len(f.calls) != 0 {
		t.Fatalf("a --strict failure called the engine: %v", f.calls)
	}
}

func TestImages(t *testing.T) {
	f := newFakeSwarm()
	yaml := "name: shop\nservices:\n  a:\n    image: reg.local/a:1\n  b:\n    image: reg.local/a:1\n  c:\n    build: .\n    image: reg.local/c:1\n"
	p := load(t, yaml, map[string]string{})
	if _, err := newTestDeployer(f).Deploy(context.Background(), p, DeployOptions{Push: true}); err != nil {
		t.Fatal(err)
	}
	// One lookup per image, one push per built image, digests pinned.
	calls := f.called("ResolveImage", "PushImage")
	sort.Strings(calls)
	if got := strings.Join(calls, ", "); got != "PushImage reg.local/c:1, ResolveImage reg.local/a:1" {
		t.Fatalf("calls: %s", got)
	}
	if img := f.specs["shop_a"].Container.Image; !strings.HasPrefix(img, "reg.local/a:1@sha256:aaa") {
		t.Fatalf("a runs %s", img)
	}
	if img := f.specs["shop_c"].Container.Image; img != "reg.local/c:1@sha256:"+strings.Repeat("b", 64) {
		t.Fatalf("c runs %s", img)
	}
	if l := f.specs["shop_c"].Labels[engine.LabelStackImage]; l != "reg.local/c:1" {
		t.Fatalf("c's image label %q", l)
	}
	// A failed lookup is a warning; the service runs the tag.
	f2 := newFakeSwarm()
	f2.fail["ResolveImage reg.local/a:1"] = errors.New("no registry")
	p = load(t, "name: shop\nservices:\n  a:\n    image: reg.local/a:1\n", map[string]string{})
	if _, err := newTestDeployer(f2).Deploy(context.Background(), p, DeployOptions{}); err != nil {
		t.Fatal(err)
	}
	if img := f2.specs["shop_a"].Container.Image; img != "reg.local/a:1" {
		t.Fatalf("a runs %s after a failed lookup", img)
	}
	// changed: an unchanged image keeps the digest of the last deploy.
	if _, err := newTestDeployer(f).Deploy(context.Background(), load(t, yaml, map[string]string{}), DeployOptions{ResolveImage: ResolveChanged, Push: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.called("ResolveImage")); n != 1 {
		t.Fatalf("--resolve-image changed looked up again: %d lookups", n)
	}
}

func TestPlanOrder(t *testing.T) {
	p := load(t, planStack, map[string]string{"pw.txt": "x"})
	d, err := Translate(p, TranslateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := MakePlan(d, &State{}, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var web Op
	for _, op := range plan.Ops {
		if op.Name == "shop_web" {
			web = op
		}
	}
	var after []string
	for _, a := range web.After {
		after = append(after, a.Op+"/"+a.Condition)
	}
	if got := strings.Join(after, " "); got != "network:shop_default/ service:shop_db/"+types.ServiceConditionHealthy {
		t.Fatalf("web runs after %s", got)
	}
}
