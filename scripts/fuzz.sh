#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of the SDK's URL decisions, held against the
# WHATWG URL parser: callback parsing/stripping/validation, returnTo and the config; the core's
# JSON text against serde_json; and event sequences from two or three tabs against the engine's
# rules (interleavings: the model of tests/model/mod.rs, whose seeded run `cargo test` does). The targets
# and their invariants are in fuzz/ (fuzz/src/invariants.rs; `cargo test` runs its fixed cases).
#
#   scripts/fuzz.sh                        # every target, 1,000,000 runs each
#   FUZZ_RUNS=10000 scripts/fuzz.sh        # a smoke run
#   scripts/fuzz.sh return_to callback     # some targets
#
# FUZZ_RUNS: libFuzzer's -runs= per target (default 1000000). FUZZ_TOOLCHAIN: the nightly to
# build with (default: the pinned one of scripts/shipped-toolchain). FUZZ_ARGS: more libFuzzer
# flags (e.g. "-max_total_time=60").
# Installs cargo-fuzz and the nightly when missing. New corpus entries go to fuzz/corpus/<target>
# (ignored by git; checked-in seeds are fuzz/seeds/<target>); a finding is saved under
# fuzz/artifacts/<target>/ and fails the script (replay: cargo +nightly fuzz run <target> <file>).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

runs=${FUZZ_RUNS:-1000000}
toolchain=${FUZZ_TOOLCHAIN:-$(cat scripts/shipped-toolchain)}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(callback return_to config json interleavings)

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$toolchain" --profile minimal
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

for target in "${targets[@]}"; do
  printf '\n\033[1m==> fuzz %s: %s runs\033[0m\n' "$target" "$runs"
  corpus=(fuzz/corpus/"$target")
  mkdir -p "${corpus[0]}"
  [ -d fuzz/seeds/"$target" ] && corpus+=(fuzz/seeds/"$target")
  dict=-dict=fuzz/urls.dict
  [ "$target" = json ] && dict=-dict=fuzz/json.dict
  [ "$target" = interleavings ] && dict=""
  started=$(date +%s)
  # No sanitizer: the SDK has no unsafe code; debug assertions catch integer overflow.
  # shellcheck disable=SC2086
  cargo +"$toolchain" fuzz run --sanitizer none --debug-assertions "$target" "${corpus[@]}" -- \
    -runs="$runs" $dict -max_len=4096 -timeout=10 -print_final_stats=1 ${FUZZ_ARGS:-}
  printf '==> fuzz %s: %s runs in %ss, no finding\n' "$target" "$runs" "$(($(date +%s) - started))"
done
