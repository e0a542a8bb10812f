#!/usr/bin/env bash
# Makes sure the Debian packages the LAN test rig (tools/lan), the TUI tests and the zsh completion
# test (packages/cli-completion) need are present.
# Idempotent: does nothing when everything is installed. Never fails the caller when it cannot
# install (not root): rig tests then skip themselves with a one-line reason.
set -euo pipefail
# ip and nft live in sbin, which a minimal environment can leave off PATH; the rig looks there too.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# command -> Debian package that provides it
declare -A PACKAGE_FOR=( [ip]=iproute2 [nft]=nftables [tmux]=tmux [zsh]=zsh )

missing=()
for cmd in ip nft tmux zsh; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("${PACKAGE_FOR[$cmd]}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (not root, cannot install); LAN rig tests will be skipped." >&2
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing packages: ${missing[*]} and no apt-get to install them; LAN rig tests will be skipped." >&2
  exit 0
fi

echo "system-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
