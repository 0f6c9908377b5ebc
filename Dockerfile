# syntax=docker/dockerfile:1
# DocuVault: a static binary on a small Debian base with tesseract for OCR.
# Runs as uid 10001 with /data as its only writable place, so it suits
# `docker run --read-only -v docuvault:/data ...`.
#
# The base images are build arguments, so a builder without registry access
# can use local copies (`make container-test` does, see
# deploy/podman-base-images.sh); GOPROXY, GOFLAGS, GOSUMDB and GONOSUMDB are
# passed to the Go build when given.
ARG GO_IMAGE=golang:1.26-bookworm
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
ARG GOPROXY
ARG GOFLAGS
ARG GOSUMDB
ARG GONOSUMDB
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docuvault/docuvault/internal/app.Version=${VERSION}" \
    -o /out/docuvault ./cmd/docuvault

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu \
    tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-por \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 docuvault \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin docuvault \
 && mkdir -p /data && chown docuvault:docuvault /data && chmod 0700 /data
COPY --from=build /out/docuvault /usr/local/bin/docuvault
USER 10001:10001
ENV DATA_DIR=/data LISTEN_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["/usr/local/bin/docuvault", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/docuvault"]
CMD ["serve"]
