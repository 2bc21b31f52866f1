#!/usr/bin/env bash
# Installs what this project needs on a Debian machine, then the npm dependencies.
#   setup-machine.sh run    Chromium (to open the UI window) and CJK fonts
#   setup-machine.sh test   Chromium, CJK fonts, socat, udev, libusb, zbar-tools (what the tests use)
# Debian packages are installed with apt-get when running as root; otherwise the missing ones are
# named with the command to install them (fatal for `test`, a warning for `run`).
# npm dependencies are installed with `npm ci` whenever package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-test}"

case "$profile" in
  run) packages=(chromium fonts-noto-cjk) ;;
  test) packages=(chromium fonts-noto-cjk socat udev libusb-1.0-0 zbar-tools) ;;
  *) echo "error: unknown profile '$profile' (run or test)" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif [ "$profile" = test ]; then
    echo "error: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  else
    echo "setup: optional Debian packages missing: ${missing[*]} (sudo apt-get install ${missing[*]}); the terminal will print its URL instead of opening a window" >&2
  fi
fi

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "setup: installing npm dependencies (first run builds better-sqlite3: about 2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
