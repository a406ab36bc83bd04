#!/usr/bin/env sh
# Makes sure a Chromium for the browser tests is available, and prints its path.
# Order: RELAY_CHROMIUM_PATH → Debian's chromium on PATH → install Debian's package (as root).
# Prints nothing when none can be had.
set -eu
if [ -n "${RELAY_CHROMIUM_PATH:-}" ] && [ -x "$RELAY_CHROMIUM_PATH" ]; then echo "$RELAY_CHROMIUM_PATH"; exit 0; fi
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "relay: installing Debian's chromium for the browser tests (once)" >&2
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; }; then
    command -v chromium && exit 0
  fi
  echo "relay: installing chromium failed" >&2
fi
exit 0
