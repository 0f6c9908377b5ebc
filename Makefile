# DocuVault: `make test` runs every test. PostgreSQL, Redis and S3 suites run
# when their servers are reachable and skip LOUDLY when not; .ci/run makes
# them required (CI=true).
GO ?= go

.PHONY: all build run test vet fmt bench cover

all: build

build:
	$(GO) build -o bin/docuvault ./cmd/docuvault

run:
	$(GO) run ./cmd/docuvault serve

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

test: vet
	$(GO) test -timeout 40m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
