# DocuVault: `make test` runs every test. PostgreSQL, Redis and S3 suites run
# when their servers are reachable and skip LOUDLY when not; .ci/run makes
# them required (CI=true).
GO ?= go

.PHONY: all build run test vet fmt bench bench-http cover lint race fuzz check container-image container-test

# staticcheck, pinned (honnef.co/go/tools v0.8.2 = staticcheck 2026.2.2, for
# Go 1.26). `make lint` uses the one in PATH when it is this version (.ci/run
# installs it into GOPATH/bin), otherwise builds it with `go run`.
STATICCHECK_VERSION ?= v0.8.2
# The packages run under the race detector: the HTTP layer, accounts and
# sessions, jobs, documents and uploads, cloud drives, the store (quota
# races), blobs, the pipeline and the audit log.
RACE_PKGS ?= ./internal/api ./internal/auth ./internal/jobs ./internal/document ./internal/cloud/... \
	./internal/store ./internal/blob ./internal/pipeline ./internal/audit
# How long `make fuzz` runs each fuzz target. Minimisation is off: in a short
# run it would eat the time (a failing input is still written to testdata/fuzz).
FUZZTIME ?= 10s

all: build

build:
	$(GO) build -o bin/docuvault ./cmd/docuvault

run:
	$(GO) run ./cmd/docuvault serve

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# go test through internal/tools/testsum: the usual ok/FAIL lines, each
# end-to-end test as it finishes, then every skipped test with its reason
# and "N passed, N failed, N skipped"; it exits with go test's status.
test: vet
	$(GO) run ./internal/tools/testsum -progress cmd/docuvault -- -timeout 40m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The side-by-side harness of docs/performance.md: builds the binary, then
# measures it over HTTP on SQLite, and also on a fresh PostgreSQL database
# when BENCH_POSTGRES is a server's URL. More flags: BENCH_FLAGS="-docs 100".
BENCH_POSTGRES ?=
BENCH_FLAGS ?=
bench-http: build
	./bin/docuvault bench http $(if $(BENCH_POSTGRES),-postgres '$(BENCH_POSTGRES)') $(BENCH_FLAGS)

# staticcheck at the pinned version (`make vet` is part of `make test`).
lint:
	@if command -v staticcheck >/dev/null 2>&1 && staticcheck -version | grep -qF "($(STATICCHECK_VERSION:v%=%))"; then \
		echo "staticcheck ./..."; staticcheck ./...; \
	else \
		echo "go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./..."; \
		$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...; \
	fi

# The race detector over the packages where concurrency matters.
race:
	$(GO) test -race -timeout 40m $(RACE_PKGS)

# Every fuzz target (found by name, so new ones are included), FUZZTIME each.
# A target that fails without writing a failing input (Go's fuzzing engine
# sometimes ends on "context deadline exceeded" when the machine is loaded)
# runs once more; a real finding fails at once.
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		pkg=./$$(dirname $${f#./}); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "$(GO) test -run '^\$$' -fuzz '^$$t\$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg 2>&1) && { echo "$$out" | tail -n 1; continue; }; \
			echo "$$out"; \
			if echo "$$out" | grep -q 'Failing input written'; then exit 1; fi; \
			echo "(no failing input: the fuzzing engine stopped on its own deadline under load; running $$t once more)"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg; \
		done; \
	done

# Everything CI runs after its installs: staticcheck, fuzzing, the race
# detector, then vet, gofmt and every test.
check: lint fuzz race test

# The container image, built from the Dockerfile with podman. CONTAINER_GO_IMAGE
# and CONTAINER_BASE_IMAGE replace its base images (the defaults are the public
# ones); the host's Go module proxy settings are passed on.
CONTAINER_IMAGE ?= localhost/docuvault:test
CONTAINER_GO_IMAGE ?= golang:1.26-bookworm
CONTAINER_BASE_IMAGE ?= debian:bookworm-slim
container-image:
	podman build --format docker --network host \
		--build-arg GO_IMAGE=$(CONTAINER_GO_IMAGE) --build-arg BASE_IMAGE=$(CONTAINER_BASE_IMAGE) \
		--build-arg GOPROXY="$$($(GO) env GOPROXY)" --build-arg GOFLAGS="$$($(GO) env GOFLAGS)" \
		--build-arg GOSUMDB="$$($(GO) env GOSUMDB)" --build-arg GONOSUMDB="$$($(GO) env GONOSUMDB)" \
		--build-arg VERSION="$$(git describe --always --dirty 2>/dev/null || echo dev)" \
		-t $(CONTAINER_IMAGE) .

# The image run for real (TestContainer): podman configured and the base images
# built locally when missing (deploy/podman-base-images.sh; no registry
# needed), the Dockerfile built, then migrate, serve, OCR, search, download,
# SIGTERM and restart against this machine's PostgreSQL, Redis and versitygw.
# (docker-compose.yml is checked by TestComposeFile in `make test`.) .ci/run
# runs it.
container-test:
	bash deploy/podman-base-images.sh
	$(MAKE) container-image CONTAINER_GO_IMAGE=localhost/golang:1.26-bookworm CONTAINER_BASE_IMAGE=localhost/debian:bookworm-slim
	DOCUVAULT_CONTAINER_IMAGE=$(CONTAINER_IMAGE) $(GO) test -count=1 -timeout 15m -run '^TestContainer$$' -v ./cmd/docuvault/
