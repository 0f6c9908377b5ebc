# syntax=docker/dockerfile:1
# DocuVault: a static binary on a small Debian base with tesseract for OCR.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docuvault/docuvault/internal/app.Version=${VERSION}" \
    -o /out/docuvault ./cmd/docuvault

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu \
    tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-por \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin docuvault \
 && mkdir -p /data && chown docuvault:docuvault /data
COPY --from=build /out/docuvault /usr/local/bin/docuvault
USER docuvault
ENV DATA_DIR=/data LISTEN_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["/usr/local/bin/docuvault", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/docuvault"]
CMD ["serve"]
