# stack: build, test and demo entry points. `make help` lists them.

GO        ?= go
BIN       ?= bin/stack
# e2e runs scripts against one shared engine: keep it modest (2 cores here).
E2E_PARALLEL ?= 2
E2E_TIMEOUT  ?= 25m
E2E_ARTIFACTS ?= $(CURDIR)/e2e/artifacts

.DEFAULT_GOAL := build
.PHONY: help build test engine image ui-assets vet unit e2e e2e-wordpress e2e-ui e2e-swarm lint demo demo-down bench bench-ui bench-swarm bench-watch fuzz load clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ui-assets ## build bin/stack
	$(GO) build -o $(BIN) ./cmd/stack

test: engine image ui-assets vet build ## engine + vet + unit + e2e + a small load run (what CI runs)
	rm -rf $(E2E_ARTIFACTS)
	STACK_E2E_REQUIRED=1 STACK_E2E_ARTIFACTS=$(E2E_ARTIFACTS) \
		$(GO) test -race -count=1 -parallel $(E2E_PARALLEL) -timeout $(E2E_TIMEOUT) ./...
	STACK_BIN=$(BIN) LOAD_LEVELS=10 LOAD_WIDTH=10 LOG_CONTAINERS=20 LOG_SECONDS=10 bash scripts/load.sh

engine: ## make a Docker Engine available (installs docker.io on Debian if needed)
	bash scripts/engine.sh

image: ## build the local test image stack-test/busybox:latest
	bash scripts/busybox-image.sh

ui-assets: ## fetch stack ui's graph layout library from npm (pinned) for go:embed
	bash scripts/ui-assets.sh

vet: ## go vet
	$(GO) vet ./...

unit: ## unit tests only (no engine needed)
	$(GO) test -race -short ./...

e2e: engine image ui-assets ## end-to-end scripts only; RUN=name for one, KEEP=1 keeps work dirs
	rm -rf $(E2E_ARTIFACTS)
	STACK_E2E_REQUIRED=1 STACK_E2E_ARTIFACTS=$(E2E_ARTIFACTS) \
		$(if $(KEEP),STACK_E2E_WORKDIR=$(CURDIR)/e2e/work) \
		$(GO) test -race -count=1 -parallel $(E2E_PARALLEL) -timeout $(E2E_TIMEOUT) \
		-run 'TestScripts$(if $(RUN),/$(RUN))' ./e2e/

e2e-wordpress: engine ## the slow WordPress test alone (builds images, installs chromium)
	rm -rf $(E2E_ARTIFACTS)/wordpress
	STACK_E2E_SLOW=1 STACK_E2E_ARTIFACTS=$(E2E_ARTIFACTS) \
		$(GO) test -count=1 -timeout 20m -run 'TestWordPress$$' -v ./e2e/

e2e-ui: engine image ui-assets ## the browser tests of stack ui alone (headless chromium)
	rm -rf $(E2E_ARTIFACTS)/ui
	STACK_E2E_REQUIRED=1 STACK_E2E_ARTIFACTS=$(E2E_ARTIFACTS) \
		$(GO) test -race -count=1 -timeout 10m -run 'TestUI$$' -v ./e2e/

e2e-swarm: engine image ## the swarm test alone: real swarms of extra engines on this machine (needs root)
	rm -rf $(E2E_ARTIFACTS)/swarm
	STACK_E2E_SWARM=1 STACK_E2E_ARTIFACTS=$(E2E_ARTIFACTS) \
		$(GO) test -race -count=1 -timeout 20m -run 'TestSwarm$$' -v ./e2e/

lint: ## gofmt must list nothing; go vet
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

demo: engine ## run the WordPress example on http://127.0.0.1:8080
	bash scripts/demo.sh

demo-down: ## take the demo down
	bash scripts/demo.sh down

# Every fuzz target, as package:Target.
FUZZ_TARGETS = \
	./pkg/project:FuzzLoad ./pkg/project:FuzzModel \
	./pkg/graph:FuzzGraph \
	./pkg/stack:FuzzPlan ./pkg/stack:FuzzLines ./pkg/stack:FuzzLabelDeps \
	./pkg/engine:FuzzCopyJSONLog ./pkg/engine:FuzzAppendJSONString \
	./cmd/stack/commands:FuzzParseScale
FUZZTIME ?= 30s

fuzz: ## run each fuzz target for FUZZTIME (default 30s; the reliability runs used 5m)
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

load: engine image build ## the load runs of docs/reliability.md (500-service up/no-op/down x3, logs -f of 50 containers); not in test
	bash scripts/load.sh

bench: engine image ## benchmarks against a direct-API baseline (bench/run.sh; QUICK=1 for a smoke run)
	bash bench/run.sh

bench-ui: engine image ui-assets ## stack ui on 200 services: first render in chromium, RSS with 5 tabs on the logs
	$(GO) test -count=1 -timeout 20m -run '^$$' -bench 'BenchmarkUI' -benchtime 5x -v ./e2e/

bench-watch: engine image ## watch: a synced edit, from the write to the content read in the container
	$(GO) test -count=1 -timeout 10m -run '^$$' -bench 'BenchmarkWatchSync' -benchtime 20x -v ./e2e/

bench-swarm: engine image ## stack deploy --wait against docker stack deploy on a 3-node swarm (bench/swarm.sh)
	bash bench/swarm.sh

clean: ## remove build outputs and e2e artifacts
	rm -rf bin $(E2E_ARTIFACTS) pkg/ui/assets/vendor pkg/ui/web/node_modules
