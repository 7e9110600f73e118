# Sourced by the bench/compare_*.sh scripts: what every comparison needs before it times anything.
# bench/compare sets EIPNN_ROOT (this checkout) and EIPNN_BUILD (the bench build, Release, with
# EIPNN_NATIVE's -march=native by default); the scripts are not meant to run on their own.
root=${EIPNN_ROOT:?run through bench/compare}
build=${EIPNN_BUILD:?run through bench/compare}
export OMP_NUM_THREADS=2

# require_mlearn_si SPLIT: sets data to mlearn Si's SPLIT.extxyz, or skips (77) without it.
require_mlearn_si() {
  data=$root/../shared/data/mlearn-si/$1.extxyz
  [ -f "$data" ] || { echo "mlearn Si data not found at $data" >&2; exit 77; }
}

# build_bench TARGET: configures the bench build on first use, then builds only TARGET.
build_bench() {
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target "$1" -j2 >/dev/null
}

# scratch_dir: sets work to a fresh folder for the exported weights and batch, removed on exit.
scratch_dir() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
}

# torch_baseline SCRIPT ARGS...: PyTorch at its best, OpenBLAS (pthread) with OPENBLAS_CORETYPE /
# OPENBLAS_L2_SIZE unset so it picks its own kernels; Debian's python3 (the one with torch).
torch_baseline() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/baselines/$1" "${@:2}"
}

# comments TEXT: the "#" lines of a program's output (versions, sizes, validation).
comments() { echo "$1" | grep '^#' || true; }

# get TEXT KEY: the value of KEY=value in the non-comment lines of TEXT.
get() { echo "$1" | grep -v '^#' | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# values KEY TEXT...: get KEY from each TEXT, one per line.
values() {
  local key=$1 t
  shift
  for t in "$@"; do get "$t" "$key"; done
}

# best VALUES...: the smallest (the round least disturbed by other work on a shared machine).
best() { printf '%s\n' "$@" | sort -g | head -1; }

# largest VALUES...
largest() { printf '%s\n' "$@" | sort -g | tail -1; }

# ratios A B: per-element B/A of two arrays (by name), on one line.
ratios() {
  local -n a=$1 b=$2
  local k
  for ((k = 0; k < ${#a[@]}; ++k)); do awk -v x="${a[k]}" -v y="${b[k]}" 'BEGIN{printf "%.2f ", y/x}'; done
}

# run_rounds BENCH BASELINE N REPS ROUNDS: ROUNDS times, eipnn's BENCH (exports the weights and a
# batch of N configurations of $data to $work, validates, times the median of REPS) and then the
# PyTorch BASELINE on that export, both with 2 threads. Interleaving the two sides per round keeps
# a slow phase of the machine from landing on one side only. Fills e_out[] and t_out[] with
# their outputs and prints the first round's "#" lines.
run_rounds() {
  local bench=$1 baseline=$2 n=$3 reps=$4 rounds=$5 k e t
  e_out=()
  t_out=()
  for ((k = 0; k < rounds; ++k)); do
    e=$("$build/bench/$bench" "$data" "$work" "$n" 2 "$reps")
    [ "$k" -eq 0 ] && comments "$e"
    t=$(torch_baseline "$baseline" "$work" 2 "$reps")
    [ "$k" -eq 0 ] && comments "$t"
    e_out+=("$e")
    t_out+=("$t")
  done
}
