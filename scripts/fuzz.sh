#!/usr/bin/env bash
# Fuzzes the parsers that face untrusted input, each for a bounded time (not part of CI; see docs/reliability.md).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      default: 60 s, every target (`siglip2-fuzz list`)
# Engine: afl++ (Debian `afl++`, installed when missing) driving SharpFuzz-instrumented Siglip2.dll; set
# FUZZ_ENGINE=loop for the in-process mutation loop (no instrumentation, no afl++). Findings (crashes, hangs) land in
# build/fuzz/<target>/findings/; copy each into tests/fuzz/<target>/finding-<what>-<hash> after fixing it, so the
# test suite replays it forever. A summary table is printed at the end and written to build/fuzz/summary.tsv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"; shift || true
ENGINE="${FUZZ_ENGINE:-afl}"
OUT="$ROOT/build/fuzz"; BIN="$OUT/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$OUT"
dotnet publish "$ROOT/fuzz/Siglip2.Fuzz/Siglip2.Fuzz.csproj" -c Release -o "$BIN" --nologo -v q >&2
TARGETS=("$@"); (( ${#TARGETS[@]} )) || mapfile -t TARGETS < <(dotnet "$BIN/siglip2-fuzz.dll" list | awk '{print $1}')

if [[ "$ENGINE" == afl ]]; then
  if ! command -v afl-fuzz >/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get install -y -qq afl++ >&2
  fi
  SHARPFUZZ="$OUT/tools/sharpfuzz"
  [[ -x "$SHARPFUZZ" ]] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$OUT/tools" >&2
  # adds afl's edge coverage to the library, in place in the publish folder (exit 1 when it already has it)
  "$SHARPFUZZ" "$BIN/Siglip2.dll" >&2 || true
  export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
fi

printf 'target\tengine\tseconds\texecutions\tcrashes\thangs\n' > "$OUT/summary.tsv"
for t in "${TARGETS[@]}"; do
  work="$OUT/$t"; rm -rf "$work"; mkdir -p "$work/findings"
  echo "fuzz: $t for $SECONDS_PER_TARGET s ($ENGINE)" >&2
  if [[ "$ENGINE" == afl ]]; then
    # afl wants small seeds: skip seeds over 64 KiB (the mutation loop takes them all)
    mkdir -p "$work/seeds"; find "$ROOT/tests/fuzz/$t" -type f -size -64k -exec cp {} "$work/seeds/" \;
    timeout $((SECONDS_PER_TARGET + 60)) afl-fuzz -V "$SECONDS_PER_TARGET" -t 10000 -m none -i "$work/seeds" -o "$work/afl" \
      -- dotnet "$BIN/siglip2-fuzz.dll" afl "$t" > "$work/afl.log" 2>&1 || true
    stats="$work/afl/default/fuzzer_stats"
    execs=$(awk -F' *: *' '/^execs_done/{print $2}' "$stats" 2>/dev/null || echo 0)
    for kind in crashes hangs; do
      [[ -d "$work/afl/default/$kind" ]] || continue
      name=crash; [[ $kind == hangs ]] && name=hang
      for f in "$work/afl/default/$kind"/id:*; do
        [[ -f "$f" ]] && cp "$f" "$work/findings/$name-$(sha256sum "$f" | cut -c1-16)"; done
    done
  else
    line=$(dotnet "$BIN/siglip2-fuzz.dll" loop "$t" "$ROOT/tests/fuzz/$t" "$SECONDS_PER_TARGET" "$work/findings" 2> "$work/loop.log" || true)
    execs=$(cut -f2 <<<"$line")
  fi
  crashes=$(find "$work/findings" -name 'crash-*' | wc -l); hangs=$(find "$work/findings" -name 'hang-*' | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$ENGINE" "$SECONDS_PER_TARGET" "${execs:-0}" "$crashes" "$hangs" >> "$OUT/summary.tsv"
done
column -t "$OUT/summary.tsv"
