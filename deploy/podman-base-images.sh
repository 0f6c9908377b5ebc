#!/usr/bin/env bash
# Prepares podman on a machine without Docker or registry access, for
# `make container-test`: runc as the runtime with no default ulimits (crun
# fails on hybrid cgroups), then the Dockerfile's base images built locally
# when missing (podman keeps them, so a second run only checks):
#   localhost/debian:bookworm-slim   a debootstrap minbase of bookworm
#   localhost/golang:1.26-bookworm   the same with git, ca-certificates (and
#                                    the host's local CAs) and the host's Go
#                                    toolchain (/usr/local/go)
# Needs root, podman, runc and debootstrap. The Debian mirror is the one apt
# uses here (MIRROR overrides it).
set -euo pipefail

DEBIAN_IMAGE="${DEBIAN_IMAGE:-localhost/debian:bookworm-slim}"
GOLANG_IMAGE="${GOLANG_IMAGE:-localhost/golang:1.26-bookworm}"
GOROOT_HOST="${GOROOT_HOST:-$(go env GOROOT)}"

log() { printf '== %s ==\n' "$*"; }

# podman configuration, written once and marked so that reruns leave it be.
conf=/etc/containers/containers.conf
marker="# written by docuvault deploy/podman-base-images.sh"
if [ ! -e "$conf" ] || ! grep -qF "$marker" "$conf"; then
  if [ -e "$conf" ] && grep -qE '^\s*\[(containers|engine)\]' "$conf"; then
    echo "$conf already configures podman; it needs runtime = \"runc\" under [engine] and default_ulimits = [] under [containers]" >&2
  else
    log "configuring podman in $conf (runc, no default ulimits)"
    mkdir -p /etc/containers
    { [ -e "$conf" ] && cat "$conf"; printf '%s\n[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' "$marker"; } > "$conf.new"
    mv "$conf.new" "$conf"
  fi
fi

mirror() {
  if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
  local m
  m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')"
  echo "${m:-http://deb.debian.org/debian}"
}

if ! podman image exists "$DEBIAN_IMAGE"; then
  m="$(mirror)"
  log "building $DEBIAN_IMAGE with debootstrap from $m"
  root="$(mktemp -d /var/tmp/docuvault-bookworm.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root/fs" "$m" >"$root/debootstrap.log" 2>&1 ||
    { tail -n 30 "$root/debootstrap.log" >&2; exit 1; }
  # Like the official image: the Debian sources with updates and security,
  # no apt caches or package lists, no documentation.
  rm -f "$root/fs/etc/apt/sources.list"
  cat >"$root/fs/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: ${m%/}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${m%/}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  chroot "$root/fs" apt-get clean
  rm -rf "$root/fs"/var/lib/apt/lists/* "$root/fs"/usr/share/doc/* "$root/fs"/usr/share/man/* "$root/fs"/var/log/*.log
  tar -C "$root/fs" --numeric-owner -c . |
    podman import -q --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

if ! podman image exists "$GOLANG_IMAGE"; then
  log "building $GOLANG_IMAGE from $DEBIAN_IMAGE and $GOROOT_HOST ($(go env GOVERSION))"
  c="$(podman create --network host "$DEBIAN_IMAGE" sh -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates git >/dev/null && rm -rf /var/lib/apt/lists/* && mkdir -p /go/bin /go/src')"
  trap 'podman rm -f "$c" >/dev/null' EXIT
  # The host's own certificate authorities (a TLS-inspecting proxy's, say) are
  # trusted inside too, so that the build reaches the Go module proxy.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    podman cp /usr/local/share/ca-certificates "$c:/usr/local/share/"
  fi
  podman cp "$GOROOT_HOST" "$c:/usr/local/go"
  podman start --attach "$c"
  podman commit -q \
    --change 'ENV GOLANG_VERSION='"$(go env GOVERSION | sed 's/^go//')" \
    --change 'ENV GOTOOLCHAIN=local' \
    --change 'ENV GOPATH=/go' \
    --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /go' --change 'CMD ["bash"]' "$c" "$GOLANG_IMAGE" >/dev/null
  podman rm -f "$c" >/dev/null
  trap - EXIT
fi
log "base images ready: $DEBIAN_IMAGE, $GOLANG_IMAGE"
