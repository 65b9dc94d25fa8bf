#!/usr/bin/env bash
# Builds Docker Compose's own command (the standalone `docker-compose` binary) from its Go module,
# so that `docker-compose config` can check docker-compose.yml without a Docker engine.
# The binary is cached outside the repository, keyed by version; a second run only prints its path.
# Prints the binary's path on standard output; progress goes to standard error.
set -euo pipefail

version="${COMPOSE_VERSION:-v5.6.0}"
cache_dir="${NEWSWATCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/newswatch}"
binary="$cache_dir/docker-compose-$version"

if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

go_cmd="$(command -v go || true)"
if [ -z "$go_cmd" ] && [ -x /usr/local/go/bin/go ]; then
  go_cmd=/usr/local/go/bin/go
fi
if [ -z "$go_cmd" ]; then
  echo "build-compose: Go is needed to build docker-compose $version (not on PATH nor at /usr/local/go/bin/go)" >&2
  exit 1
fi

mkdir -p "$cache_dir"
scratch="$(mktemp -d "$cache_dir/build-compose.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

echo "build-compose: building docker-compose $version with $("$go_cmd" version) (a few minutes, once)" >&2
cd "$scratch"
"$go_cmd" mod init newswatch.local/compose-tool >/dev/null 2>&1
"$go_cmd" get "github.com/docker/compose/v5/cmd@$version" >&2
CGO_ENABLED=0 "$go_cmd" build -trimpath \
  -ldflags "-X github.com/docker/compose/v5/internal.Version=$version" \
  -o "$scratch/docker-compose" github.com/docker/compose/v5/cmd >&2
mv "$scratch/docker-compose" "$binary"
echo "$binary"
