// Command baseline is the direct-API lower bound that the benchmarks compare
// stack with. It does the least the Docker Engine API allows for the shared
// workload (shared/bench/genstack.py): one network, every container created
// at once, each started the moment it is created and its dependencies are
// started, and a teardown that force-removes everything at once. It is not
// part of stack and shares no code with it.
//
// Usage:
//
//	baseline up FILE PROJECT          create and start the services of FILE
//	baseline down PROJECT             force-remove the project's containers and networks
//	baseline scale IMAGE PROJECT N    create and start N containers of one service
//	baseline logs PROJECT             read every container's whole log, discarding it
//	baseline clean PROJECT [SERVICE]  remove gently: not a measure, for cleanup
//
// Objects carry Compose's project, service and number labels and Compose's
// names (<project>-<service>-1, network <project>_default), so that down (and
// stack down) find them. Each command prints "elapsed SECONDS" on its last
// line; logs also prints "bytes N". The engine is the one DOCKER_HOST names.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"gopkg.in/yaml.v3"
)

// Compose's labels, so that stack and docker compose see the same project.
const (
	labelProject = "com.docker.compose.project"
	labelService = "com.docker.compose.service"
	labelNumber  = "com.docker.compose.container-number"
	labelOneOff  = "com.docker.compose.oneoff"
	labelNetwork = "com.docker.compose.network"
)

func main() {
	os.Exit(run())
}

func run() int {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: baseline up FILE PROJECT | down PROJECT | scale IMAGE PROJECT N | logs PROJECT | clean PROJECT [SERVICE]")
	}
	flag.Parse()
	args := flag.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 1
	}
	defer cli.Close()
	// Negotiate before the clock starts: every tool pays it once.
	if _, err := cli.Ping(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 1
	}

	start := time.Now()
	var bytes int64
	switch {
	case len(args) == 3 && args[0] == "up":
		err = up(ctx, cli, args[1], args[2])
	case len(args) == 2 && args[0] == "down":
		err = down(ctx, cli, args[1])
	case len(args) == 4 && args[0] == "scale":
		n, convErr := strconv.Atoi(args[3])
		if convErr != nil || n < 1 {
			flag.Usage()
			return 2
		}
		// The network is the project's, there before a scale: not timed.
		if _, err = ensureNetwork(ctx, cli, args[2]); err == nil {
			start = time.Now()
			err = scale(ctx, cli, args[1], args[2], n)
		}
	case (len(args) == 2 || len(args) == 3) && args[0] == "clean":
		err = clean(ctx, cli, args[1:])
	case len(args) == 2 && args[0] == "logs":
		bytes, err = logs(ctx, cli, args[1])
	default:
		flag.Usage()
		return 2
	}
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		return 1
	}
	if args[0] == "logs" {
		fmt.Printf("bytes %d\n", bytes)
	}
	fmt.Printf("elapsed %.6f\n", elapsed.Seconds())
	return 0
}

// service is what the baseline reads of a service: the keys genstack.py writes.
type service struct {
	Image     string   `yaml:"image"`
	Command   []string `yaml:"command"`
	Init      *bool    `yaml:"init"`
	DependsOn []string `yaml:"depends_on"`
}

type file struct {
	Services map[string]service `yaml:"services"`
}

func load(path string) (map[string]service, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for name, s := range f.Services {
		for _, d := range s.DependsOn {
			if _, ok := f.Services[d]; !ok {
				return nil, fmt.Errorf("%s: service %q depends on unknown %q", path, name, d)
			}
		}
	}
	return f.Services, nil
}

func networkName(project string) string { return project + "_default" }

func containerName(project, svc string, n int) string {
	return project + "-" + svc + "-" + strconv.Itoa(n)
}

func ensureNetwork(ctx context.Context, cli *client.Client, project string) (string, error) {
	name := networkName(project)
	if n, err := cli.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return n.ID, nil
	}
	resp, err := cli.NetworkCreate(ctx, name, network.CreateOptions{
		Driver: "bridge",
		Labels: map[string]string{labelProject: project, labelNetwork: "default"},
	})
	if err != nil {
		return "", fmt.Errorf("create network %s: %w", name, err)
	}
	return resp.ID, nil
}

// createOne creates replica n of service svc attached to the project network.
func createOne(ctx context.Context, cli *client.Client, project, svc string, n int, s service) (string, error) {
	name := containerName(project, svc, n)
	cfg := &container.Config{
		Image: s.Image,
		Cmd:   s.Command,
		Labels: map[string]string{
			labelProject: project,
			labelService: svc,
			labelNumber:  strconv.Itoa(n),
			labelOneOff:  "False",
		},
	}
	hc := &container.HostConfig{Init: s.Init, NetworkMode: container.NetworkMode(networkName(project))}
	nc := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		networkName(project): {Aliases: []string{svc}},
	}}
	resp, err := cli.ContainerCreate(ctx, cfg, hc, nc, nil, name)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	return resp.ID, nil
}

// up creates the network, then every container at once; each container is
// started as soon as it exists and its dependencies are started.
func up(ctx context.Context, cli *client.Client, path, project string) error {
	services, err := load(path)
	if err != nil {
		return err
	}
	if _, err := ensureNetwork(ctx, cli, project); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(map[string]chan struct{}, len(services))
	for name := range services {
		started[name] = make(chan struct{})
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for name, s := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := createOne(ctx, cli, project, name, 1, s)
			if err != nil {
				fail(err)
				return
			}
			for _, d := range s.DependsOn {
				select {
				case <-started[d]:
				case <-ctx.Done():
					return
				}
			}
			if err := cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
				fail(fmt.Errorf("start %s: %w", containerName(project, name, 1), err))
				return
			}
			close(started[name])
		}()
	}
	wg.Wait()
	return first
}

// scale creates and starts n containers of one service at once.
func scale(ctx context.Context, cli *client.Client, image, project string, n int) error {
	init := true
	s := service{Image: image, Command: []string{"sleep", "36000"}, Init: &init}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := createOne(ctx, cli, project, "scaled", i+1, s)
			if err == nil {
				err = cli.ContainerStart(ctx, id, container.StartOptions{})
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// down force-removes every container of the project at once, then its
// networks. dockerd 20.10 may keep a stale endpoint after parallel removals
// (moby#42119): those are force-disconnected and the removal retried.
func down(ctx context.Context, cli *client.Client, project string) error {
	args := filters.NewArgs(filters.Arg("label", labelProject+"="+project))
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return err
	}
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil {
		return err
	}
	for _, n := range nets {
		var err error
		for attempt := range 5 {
			if err = cli.NetworkRemove(ctx, n.ID); err == nil {
				break
			}
			if full, ierr := cli.NetworkInspect(ctx, n.ID, network.InspectOptions{}); ierr == nil {
				for id, ep := range full.Containers {
					if cli.NetworkDisconnect(ctx, n.ID, id, true) != nil && ep.Name != "" {
						_ = cli.NetworkDisconnect(ctx, n.ID, ep.Name, true)
					}
				}
			}
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("remove network %s: %w", n.Name, err)
		}
	}
	return nil
}

// clean removes the project's containers (only those of one service when
// args has two elements) and, for a whole project, its networks, in a way
// that does not trigger moby#42119: each container is first disconnected
// from its networks one at a time, and only then are the containers
// removed, at once. It is slower than down and is used for cleanup only.
func clean(ctx context.Context, cli *client.Client, args []string) error {
	project := args[0]
	f := filters.NewArgs(filters.Arg("label", labelProject+"="+project))
	if len(args) == 2 {
		f.Add("label", labelService+"="+args[1])
	}
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.NetworkSettings == nil {
			continue
		}
		for name := range c.NetworkSettings.Networks {
			_ = cli.NetworkDisconnect(ctx, name, c.ID, true)
		}
	}
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil || len(args) == 2 {
		return err
	}
	return down(ctx, cli, project)
}

// logs reads the whole log of every container of the project at once and
// returns the number of bytes of log text read.
func logs(ctx context.Context, cli *client.Client, project string) (int64, error) {
	args := filters.NewArgs(filters.Arg("label", labelProject+"="+project))
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return 0, err
	}
	counts := make([]int64, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc, err := cli.ContainerLogs(ctx, c.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "all"})
			if err != nil {
				errs[i] = err
				return
			}
			defer rc.Close()
			w := &counter{}
			_, errs[i] = stdcopy.StdCopy(w, w, rc)
			counts[i] = w.n
		}()
	}
	wg.Wait()
	var total int64
	for _, n := range counts {
		total += n
	}
	return total, errors.Join(errs...)
}

// counter discards what is written and counts the bytes.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*counter)(nil)
