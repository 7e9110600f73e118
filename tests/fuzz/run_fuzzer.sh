#!/usr/bin/env bash
# Fuzzes the extxyz reader for a bounded time: tests/fuzz/run_fuzzer.sh [SECONDS] (default 60).
# Compiles tests/fuzz/fuzz_extxyz.cpp with Debian's clang++ and libFuzzer + ASan + UBSan, writes a
# small seed corpus of hand-made frames, and runs. Exit status 0: no crash found; otherwise the
# crashing input is saved as build-fuzz/crash-* (reproduce: build-fuzz/fuzz_extxyz FILE).
# Needs: clang (clang++-14) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes).
# Environment: EIPNN_FUZZ_DIR (work directory, default <repo>/build-fuzz), CXX_FUZZ (compiler).
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${EIPNN_FUZZ_DIR:-$repo/build-fuzz}"
cxx="${CXX_FUZZ:-}"
if [ -z "$cxx" ]; then
  for c in clang++ clang++-14 clang++-15 clang++-16; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "run_fuzzer.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
mkdir -p "$work/seeds" "$work/corpus"

echo "== compiling fuzz_extxyz with $cxx"
if ! "$cxx" -std=c++17 -O1 -g -fno-omit-frame-pointer \
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I "$repo/include" "$repo/tests/fuzz/fuzz_extxyz.cpp" -o "$work/fuzz_extxyz"; then
  echo "run_fuzzer.sh: compiling failed; if the libFuzzer runtime is missing:" \
       "apt-get install libclang-rt-14-dev" >&2
  exit 1
fi

# Seeds: a few small frames covering the format's features (no real data is copied).
s="$work/seeds"
printf '%s\n' 2 \
  'Lattice="5.43 0.0 0.0 0.0 5.43 0.0 0.0 0.0 5.43" Properties=species:S:1:pos:R:3:forces:R:3 config_type=Elastic virial_stress_kbar="1.5 -2.25 3 4 5 6" energy=-10.847 pbc="T T T"' \
  'Si       0.00000000       0.00000000       0.00000000       0.10000000      -0.20000000       0.30000000' \
  'Si       1.35750000       1.35750000       1.35750000      -0.10000000       0.20000000      -0.30000000' > "$s/ase_style"
printf '%s\n' 3 \
  'Lattice="5.0 0.1 0 0 5.0 0 0.2 0 7.5" Properties=species:S:1:pos:R:3:tag:I:1:mask:L:3:label:S:1 n=42 ok=T flags="T F T" a=[1, 2] b={7 8} s="x \"y\" \\ z" q='"'"'single'"'"' bare pbc="T T F"' \
  'Si 0.0 0.0 0.0 7 T F T a' \
  'ge 1.25 1.25 1.25 -3 F False True bb' \
  'SI 2.5 2.5 1e-3 +12 True T F c_1' > "$s/columns"
printf '%s\n' 2 'energy=-1.5 comment="free cluster"' 'H 0 0 0' 'H 0 0 0.74' \
  1 'Lattice="3.1 0 0 0 3.1 0 0 0 3.1" Properties=species:S:1:pos:R:3:Z:I:1' 'Si 0.5 0.5 0.5 42' \
  0 '' > "$s/multi"
printf '2\r\nProperties=species:S:1:pos:R:3 e=1\r\nMo 0 0 0\r\nMo 1.5 1.5 1.5\r\n\r\n' > "$s/crlf"

# Tokens of the format, for libFuzzer's mutations.
cat > "$work/extxyz.dict" <<'DICT'
"Lattice="
"Properties="
"pbc="
"species:S:1"
"pos:R:3"
":R:3"
":I:1"
":L:1"
":S:1"
":Z:I:1"
"\""
"'"
"{"
"["
"\\"
"="
" T"
" F"
"True"
"False"
"nan"
"inf"
"1e308"
"-0.0"
"_JSON "
"uid="
DICT

echo "== fuzzing for ${seconds} s"
cd "$work"
./fuzz_extxyz -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="$work/extxyz.dict" -print_final_stats=1 "$work/corpus" "$work/seeds"
echo "run_fuzzer.sh: no crash in ${seconds} s"
