package commands

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// What the global flags and the environment say beyond the stack file: the
// COMPOSE_* variables of the env files, and which engine to talk to.

// composeDotEnv adds to c.environ the COMPOSE_* variables that the env files
// set and the process environment does not, as Docker Compose does before
// it reads any of them: so COMPOSE_FILE, COMPOSE_PROJECT_NAME,
// COMPOSE_PROFILES, COMPOSE_PARALLEL_LIMIT, COMPOSE_PROGRESS and the others
// may live in .env. The env files are the --env-file values, else the .env
// of the project directory (--project-directory, else the directory of the
// first -f file, else the working directory). A file that cannot be read is
// left to the stack file's loading, which reports it.
func (c *cli) composeDotEnv() {
	g := c.global
	if len(g.envFiles) == 0 && c.envBool("COMPOSE_DISABLE_ENV_FILE") {
		return
	}
	files := make([]string, 0, len(g.envFiles))
	for _, f := range g.envFiles {
		files = append(files, c.abs(f))
	}
	if len(files) == 0 {
		dir := c.abs(g.projectDir)
		if g.projectDir == "" {
			dir = c.abs(".")
			if len(g.files) > 0 && g.files[0] != "-" {
				dir = filepath.Dir(c.abs(g.files[0]))
			}
		}
		files = append(files, filepath.Join(dir, ".env"))
	}
	current := map[string]string{}
	for _, kv := range c.environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			current[k] = v
		}
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
			return
		}
	}
	vars, err := dotenv.GetEnvFromFile(current, files)
	if err != nil {
		return
	}
	for k, v := range vars {
		if _, set := current[k]; !set && strings.HasPrefix(k, "COMPOSE_") {
			c.environ = append(c.environ, k+"="+v)
		}
	}
}

// abs resolves p against the directory stack runs in.
func (c *cli) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	wd := c.workDir
	if wd == "" {
		wd, _ = os.Getwd()
	}
	return filepath.Join(wd, p)
}

// engineSelection is which engine the command talks to: -H/--host,
// --context and the environment, as the docker CLI reads them.
func (c *cli) engineSelection() engine.Selection {
	return engine.Selection{Host: c.global.host, Context: c.global.context, Environ: c.environ}
}

// useDocker makes the commands talk to the Docker engine that the global
// flags and the environment select, their verbs holding the project's lock
// while they change it.
func (c *cli) useDocker() {
	c.newVerbs = func(sink stack.Sink, parallel int) (verbs, func(), error) {
		lock, err := c.lockOptions()
		if err != nil {
			return nil, nil, err
		}
		return dockerVerbs(c.engineSelection(), stack.Options{Sink: sink, Parallel: parallel, Lock: lock})
	}
}
