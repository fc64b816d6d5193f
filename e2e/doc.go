// Package e2e holds the end-to-end tests of stack: the built binary run
// against a real Docker Engine by testscript scripts, testdata/*.txtar.
//
// Run them with `make e2e` (all), `make e2e RUN=up_basic` (one), or
// `go test ./e2e/ -run TestScripts/up_basic -v`. They skip under -short, and
// when no engine answers unless STACK_E2E_REQUIRED is set, in which case they
// fail (CI sets it).
//
// # Writing a script
//
// A script is a txtar archive: commands first, then the files it needs (a
// compose.yaml or stack.yaml in the work directory is found without -f).
// Each script runs with its own project and must not depend on another:
//
//	$PROJECT               e2e-<script>-<random>, also COMPOSE_PROJECT_NAME
//	$IMAGE                 stack-test/busybox:latest (scripts/busybox-image.sh)
//	$REPO                  the repository root, absolute
//	DOCKER_HOST and friends passed through
//
// A script that tests a file of the repository, such as an example, uses it
// in place rather than a copy that could drift from it:
//
//	stack -f $REPO/examples/ci/compose.yaml up --wait
//
// Its project directory is then the file's directory (as in Compose), which
// the script must not write to; --project-directory changes it.
//
// Assert on engine state, not on progress text. Whatever the script leaves
// in the engine (objects labelled with a project starting with $PROJECT, or
// named with $PROJECT in the name) is removed when it ends, pass or fail; on
// failure the project's engine state and container logs are first written to
// $STACK_E2E_ARTIFACTS/<script>/ when that is set.
//
// Busybox's sh and sleep as PID 1 ignore SIGTERM; a long-running service
// that should stop at once uses
//
//	command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
//
// # Commands
//
// Besides testscript's own (exec, stdout, stderr, cmp, env, ...), each of
// these honours "!" by asserting the opposite:
//
//	stack ARGS...                    run the stack binary under test; its
//	                                 stdout and stderr are kept for stdout and
//	                                 stderr; a panic, fatal error or data race
//	                                 report in stderr always fails, and so does
//	                                 a run longer than $STACK_E2E_CMD_TIMEOUT
//	                                 (2m; stopped with SIGQUIT: goroutine dump)
//	containers [-a] COUNT            COUNT containers (running; -a: all) carry
//	                                 com.docker.compose.project=$PROJECT
//	label NAME KEY [VALUE]           container, network or volume NAME has
//	                                 label KEY (equal to VALUE)
//	state CONTAINER STATE            .State.Status is STATE (running, exited,
//	                                 created, ...) or .State.Health.Status is
//	                                 STATE (healthy, unhealthy, starting)
//	startorder CONTAINER...          the containers' .State.StartedAt strictly
//	                                 increase in the order given
//	hostport CONTAINER PORT[/PROTO]  CONTAINER publishes PORT (tcp by default);
//	                                 sets $HOSTPORT to its host port
//	httpget URL [SUBSTRING]          GET URL answers 2xx (with SUBSTRING in the
//	                                 body) within 30s; the body goes to stdout;
//	                                 "! httpget" waits for it to stop answering
//	noobjects [PROJECT]              no container, network or volume carries
//	                                 com.docker.compose.project=PROJECT
//	                                 (default $PROJECT)
//
//	dockerd2 start                   start a second engine for the script, in
//	                                 a network namespace of its own, with its
//	                                 own data and exec roots, socket and
//	                                 cgroup parent; $IMAGE is loaded into it;
//	                                 sets $ENGINE2 (its address) and $ENGINE1
//	                                 (the default engine's); all of it is
//	                                 removed when the script ends
//	hostdir PATH                     make the absolute directory PATH (a bind
//	                                 source of a fixed file) if missing; what
//	                                 it made is removed at the end, if empty
//	await CONDITION ARGS...          wait (3 min at most, to fail rather than
//	                                 hang) for what a background agent does:
//	                                 running|exited|gone CONTAINER,
//	                                 startorder|stoporder CONTAINER...,
//	                                 runs JOB N (N runs finished with exit 0,
//	                                 none overlapping; cmds_agent_test.go)
//
// logfile (cmds_logs_test.go) checks files written by stack logs.
// A background agent runs with testscript's "exec stack agent &agent&" and
// ends with "stack down" then "wait agent" (down removes its lock).
// testdata/harness.txtar checks the commands above without stack.
//
// # Other suites
//
// Three more test functions run the scripts of a folder of their own, with
// the commands above and a few more (see each function's comment):
//
//	TestHostile   testdata/hostile: malformed and hostile stack files, each
//	              refused by up with one golden line and nothing created
//	              (hostile, genfile)
//	TestFaults    testdata/faults: an engine restarted (an engine of the
//	              script's own), stack killed, commands racing on a project,
//	              the engine's refusals (ownengine, lockheld, waitcount,
//	              networks, freeport, dupnetwork)
//	TestSecurity  testdata/security: secrets, --dry-run through the counting
//	              proxy of bench/, privileges, dangerous binds (countingproxy)
//
// The commands that look at the engine follow the script's DOCKER_HOST.
//
// # Environment
//
//	STACK_E2E_REQUIRED   fail instead of skipping when the engine is unreachable
//	STACK_E2E_BIN        use this stack binary instead of building ./cmd/stack
//	                     (built with -race when the tests are)
//	STACK_E2E_ARTIFACTS  on failure, write engine state and container logs here
//	STACK_E2E_WORKDIR    keep the scripts' work directories under this directory
//	STACK_E2E_CMD_TIMEOUT  longest run of one stack command (default 2m)
package e2e
