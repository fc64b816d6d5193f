package stack

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Golden plans: (desired project, observed engine state) -> the plan's
// printed form, on plain values: no engine, no fake.

// observedAfterUp is what the engine holds after an up of p: every
// container of every service running and up to date, the default network,
// the declared volumes.
func observedAfterUp(t *testing.T, p *types.Project) *Observed {
	t.Helper()
	sel, err := Graph(p)
	if err != nil {
		t.Fatal(err)
	}
	obs := &Observed{API: "1.41", Images: map[string]string{"busybox": "sha256:busybox"}}
	d, err := desire(p, sel, UpOptions{}, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range d.Order {
		sp := d.Services[name]
		for n := 1; n <= sp.Replicas; n++ {
			cfg := sp.Config.Replica(n, nil)
			c := engine.Container{
				ID: fmt.Sprintf("%012d", len(obs.Containers)+1) + strings.Repeat("f", 52), Name: sp.ContainerName(p.Name, n),
				Project: p.Name, Service: name, Number: n, State: engine.StateRunning, Labels: cfg.Config.Labels,
			}
			for _, ep := range endpoints(cfg) {
				c.Networks = append(c.Networks, ep.Network)
			}
			obs.Containers = append(obs.Containers, c)
		}
	}
	obs.Networks, obs.Volumes = map[string]engine.Network{}, map[string]engine.Volume{}
	for key, n := range p.Networks {
		name := resourceName(p.Name, key, n.Name)
		obs.Networks[name] = engine.Network{ID: "net-" + name, Name: name, Labels: map[string]string{engine.LabelStackHash: engine.NetworkHash(n)}}
	}
	for key, v := range p.Volumes {
		name := resourceName(p.Name, key, v.Name)
		obs.Volumes[name] = engine.Volume{Name: name, Labels: map[string]string{engine.LabelStackHash: engine.VolumeHash(v)}}
	}
	return obs
}

// planText plans an up of p against obs as Up does (networks and volumes
// not read when the containers prove them) and prints it.
func planText(t *testing.T, p *types.Project, obs *Observed, o UpOptions) string {
	t.Helper()
	sel, err := selection(p, o.Services, !o.NoDeps)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desire(p, sel, o, obs)
	if err != nil {
		t.Fatal(err)
	}
	seen := *obs
	if resourcesProven(d, obs) {
		seen.Networks, seen.Volumes = nil, nil
	}
	pl, err := planUp(d, &seen, o)
	if err != nil {
		t.Fatal(err)
	}
	return pl.String()
}

func setEnv(p *types.Project, service, kv string) {
	s := p.Services[service]
	s.Environment = types.NewMappingWithEquals([]string{kv})
	p.Services[service] = s
}

func TestGoldenUpPlans(t *testing.T) {
	shop := func() *types.Project {
		return testProject("shop", map[string][]string{"db": nil, "api": {"db:healthy"}, "web": {"api"}})
	}
	empty := func(*testing.T, *types.Project) *Observed {
		return &Observed{API: "1.41", Images: map[string]string{"busybox": "sha256:busybox"}, Networks: map[string]engine.Network{}, Volumes: map[string]engine.Volume{}}
	}
	zero := time.Duration(0)
	for _, tc := range []struct {
		name string
		// project is the stack file; observe what the engine holds, taken
		// from the project before edit changes it.
		project func() *types.Project
		observe func(*testing.T, *types.Project) *Observed
		edit    func(*types.Project, *Observed)
		opts    UpOptions
		want    string
	}{
		{name: "cold start", project: shop, observe: empty, want: `
1. network shop_default: create
2. container shop-db-1: create after 1
3. container shop-db-1: start after 2
4. container shop-api-1: create after 1
5. container shop-api-1: start after 4, 3 healthy
6. container shop-web-1: create after 1
7. container shop-web-1: start after 6, 5
`},
		{name: "no-op", project: shop, observe: observedAfterUp, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container shop-web-1: keep
`},
		{name: "env change with restart: true dependents", project: func() *types.Project {
			p := shop()
			web := p.Services["web"]
			web.DependsOn = types.DependsOnConfig{"api": {Condition: types.ServiceConditionStarted, Restart: true, Required: true}}
			p.Services["web"] = web
			return p
		}, observe: observedAfterUp, edit: func(p *types.Project, _ *Observed) { setEnv(p, "api", "MODE=fast") }, want: `
1. container shop-db-1: keep
2. container shop-api-1: recreate (environment) as 000000000002_shop-api-1
3. container shop-api-1: replace after 2, 1 healthy
4. container shop-api-1: start after 3
5. container shop-web-1: restart (dependency recreated) after 4
`},
		{name: "no-deps recreates only the named service", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, _ *Observed) { setEnv(p, "db", "A=1"); setEnv(p, "web", "B=2") },
			opts: UpOptions{Services: []string{"web"}, NoDeps: true}, want: `
1. container shop-web-1: recreate (environment) as 000000000003_shop-web-1
2. container shop-web-1: replace after 1
3. container shop-web-1: start after 2
`},
		{name: "force-recreate", project: shop, observe: observedAfterUp, opts: UpOptions{ForceRecreate: true, Timeout: &zero}, want: `
1. container shop-db-1: recreate (forced) as 000000000001_shop-db-1
2. container shop-db-1: replace after 1
3. container shop-db-1: start after 2
4. container shop-api-1: recreate (forced) as 000000000002_shop-api-1
5. container shop-api-1: replace after 4, 3 healthy
6. container shop-api-1: start after 5
7. container shop-web-1: recreate (forced) as 000000000003_shop-web-1
8. container shop-web-1: replace after 7, 6
9. container shop-web-1: start after 8
`},
		{name: "no-recreate keeps a changed container", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, _ *Observed) { setEnv(p, "api", "MODE=fast") }, opts: UpOptions{NoRecreate: true}, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container shop-web-1: keep
`},
		{name: "scale up", project: shop, observe: observedAfterUp, opts: UpOptions{Services: []string{"web"}, Scale: map[string]int{"web": 3}}, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container shop-web-1: keep
4. container shop-web-2: create
5. container shop-web-2: start after 4, 2
6. container shop-web-3: create
7. container shop-web-3: start after 6, 2
`},
		{name: "scale down removes the highest numbers", project: func() *types.Project {
			p := shop()
			web := p.Services["web"]
			three := 3
			web.Scale = &three
			p.Services["web"] = web
			return p
		}, observe: observedAfterUp, opts: UpOptions{Scale: map[string]int{"web": 1}}, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container shop-web-1: keep
4. container shop-web-2: remove (scaled to 1)
5. container shop-web-3: remove (scaled to 1)
`},
		{name: "changed network with a container of an unselected service on it", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, _ *Observed) {
				p.Networks["default"] = types.NetworkConfig{Labels: types.Labels{"tier": "two"}}
			},
			opts: UpOptions{Services: []string{"db"}}, want: `
1. container shop-db-1: disconnect (network shop_default is recreated)
2. container shop-api-1: disconnect (network shop_default is recreated)
3. container shop-web-1: disconnect (network shop_default is recreated)
4. network shop_default: recreate (configuration changed) after 1, 2, 3
5. container shop-db-1: recreate (networks) as 000000000001_shop-db-1 after 4
6. container shop-db-1: replace after 5
7. container shop-db-1: start after 6
8. container shop-api-1: connect (network shop_default was recreated) after 4
9. container shop-web-1: connect (network shop_default was recreated) after 4
`},
		{name: "orphans are kept and noted", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, _ *Observed) { delete(p.Services, "web") }, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
-  container shop-web-1: orphan container: its service is not in the stack file; remove it with --remove-orphans
`},
		{name: "orphans removed with --remove-orphans", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, _ *Observed) { delete(p.Services, "web") }, opts: UpOptions{RemoveOrphans: true}, want: `
1. container shop-web-1: remove (orphan)
2. container shop-db-1: keep
3. container shop-api-1: keep
`},
		{name: "a leftover temporary replacement is removed", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, obs *Observed) {
				c := obs.Containers[2]
				c.ID, c.Name = strings.Repeat("e", 64), "000000000003_shop-web-1"
				c.Labels = maps.Clone(c.Labels)
				c.Labels[engine.LabelReplace] = "shop-web-1"
				c.State = engine.StateCreated
				obs.Containers = append(obs.Containers, c)
			}, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container 000000000003_shop-web-1: remove (left over by an interrupted run)
4. container shop-web-1: keep
`},
		{name: "a created container that never started is started", project: shop, observe: observedAfterUp,
			edit: func(p *types.Project, obs *Observed) { obs.Containers[2].State = engine.StateCreated }, want: `
1. container shop-db-1: keep
2. container shop-api-1: keep
3. container shop-web-1: start after 2
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.project()
			obs := tc.observe(t, p)
			if tc.edit != nil {
				tc.edit(p, obs)
			}
			got := "\n" + planText(t, p, obs, tc.opts)
			if got != tc.want {
				t.Errorf("plan:%s\nwant:%s", got, tc.want)
			}
		})
	}
}

func TestGoldenDownPlans(t *testing.T) {
	p := testProject("shop", map[string][]string{"db": nil, "cache": nil, "web": {"db", "cache"}})
	db := p.Services["db"]
	db.Extensions = types.Extensions{"x-link-priority": 10}
	p.Services["db"] = db
	p.Volumes = types.Volumes{"data": {}}
	obs := observedAfterUp(t, p)
	for _, tc := range []struct {
		name    string
		project *types.Project
		opts    DownOptions
		want    string
	}{
		{name: "down with priorities: dependents first, then lower priority first", project: p, want: `
1. container shop-cache-1: stop after 3
2. container shop-db-1: stop priority -10 after 3
3. container shop-web-1: stop
4. container shop-cache-1: remove after 1
5. container shop-db-1: remove after 2
6. container shop-web-1: remove after 3
7. network shop_default: remove after 4, 5, 6
`},
		{name: "down -t 0 kills in the removal, all at once", project: p, opts: DownOptions{Timeout: new(time.Duration)}, want: `
1. container shop-cache-1: remove
2. container shop-db-1: remove
3. container shop-web-1: remove
4. network shop_default: remove after 1, 2, 3
`},
		{name: "down -v of a project whose file is gone: labels only", opts: DownOptions{Volumes: true}, want: `
1. container shop-cache-1: stop after 3
2. container shop-db-1: stop after 3
3. container shop-web-1: stop
4. container shop-cache-1: remove after 1
5. container shop-db-1: remove after 2
6. container shop-web-1: remove after 3
7. network shop_default: remove after 4, 5, 6
8. volume shop_data: remove after 4, 5, 6
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := "\n" + planDown("shop", tc.project, obs, tc.opts).String()
			if got != tc.want {
				t.Errorf("plan:%s\nwant:%s", got, tc.want)
			}
		})
	}
}
