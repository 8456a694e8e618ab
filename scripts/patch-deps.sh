#!/usr/bin/env bash
# Puts the patched copies of dependencies where Cargo.toml's [patch.crates-io] expects them
# (.cargo/patched/, not in git). Cargo cannot read the workspace before they are there, so
# scripts/setup.sh runs this first. Each patch is a diff in scripts/patches/ applied to the
# crate exactly as crates.io publishes it (the download is checked against its SHA-256);
# a copy is made again only when its patch changed.
#
# tachys 0.2.19: leptos 0.8 compiles an async hydration path for every type-erased view
# (`AnyView`), although only lazy routes use it and Lotsa mounts with `hydrate_body`.
# Dropping it takes about a tenth off every page's wasm (leptos-rs/leptos#4852; Leptos 0.9
# puts it behind a feature). Remove this patch when Lotsa moves to Leptos 0.9.
#
# leptos_i18n 0.6.2: on hydration it asks the browser for its preferred languages
# (leptos-use's `use_locales`) and matches them against the locales (icu), although the
# server always names the locale it chose in `<html lang>` and Lotsa ignores the browser's
# languages. Taking the locale from `<html lang>` alone drops about 10 KB of brotli from every
# page's wasm.
#
# serde_core 1.0.229: its "invalid type" messages write a float out with Rust's float
# formatting; in the browser (whose data has no floats) the message names the type alone,
# which takes about 200 B of brotli off every page's wasm. The server's messages are unchanged.
#
# server_fn 0.8.13: its browser client builds streaming bodies with wasm-streams, whose
# exported classes (and their code) every page's wasm and JS glue then carry, although Lotsa
# has no server functions; the patched client refuses a streaming body instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# name version sha256-of-the-published-crate
PATCHED_CRATES=(
  "tachys 0.2.19 e47e2220bb9d2a3be976a22a0fb7685a0b84499bb11ea5cb3bbc82907675ac68"
  "leptos_i18n 0.6.2 efc04f323545e008d9b6fe696d733557846ee17024af65b86b16c44a5c724d7b"
  "serde_core 1.0.229 67dca2c9c51e58a4791a4b1ed58308b39c64224d349a935ab5039aa360942a48"
  "server_fn 0.8.13 be8559dd05af1b5b7e363a150616589d5a88af5187273f7f331ba0dae8922812"
)

for entry in "${PATCHED_CRATES[@]}"; do
  read -r name version sha256 <<<"$entry"
  patch_file="$PWD/scripts/patches/$name-$version.patch"
  dest=".cargo/patched/$name-$version"
  stamp="$(sha256sum "$patch_file" | cut -d' ' -f1)"
  if [ "$(cat "$dest/.lotsa-patch" 2>/dev/null)" = "$stamp" ]; then
    continue
  fi
  printf '\033[1m==> %s\033[0m\n' "patching $name $version (scripts/patches/$name-$version.patch)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cached=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" 2>/dev/null | head -n1 || true)
  if [ -n "$cached" ]; then
    cp "$cached" "$work/crate.tar.gz"
  else
    curl --fail --silent --show-error --location \
      "https://static.crates.io/crates/$name/$name-$version.crate" -o "$work/crate.tar.gz"
  fi
  if [ "$(sha256sum "$work/crate.tar.gz" | cut -d' ' -f1)" != "$sha256" ]; then
    echo "$name $version: the downloaded crate does not have the expected SHA-256" >&2
    exit 1
  fi
  tar -xzf "$work/crate.tar.gz" -C "$work"
  (cd "$work/$name-$version" && git apply "$patch_file")
  echo "$stamp" >"$work/$name-$version/.lotsa-patch"
  rm -rf "$dest"
  mkdir -p .cargo/patched
  mv "$work/$name-$version" "$dest"
  rm -rf "$work"
  trap - EXIT
done
