#!/usr/bin/env bash
# Fuzzes every reader of eipnn with libFuzzer + ASan + UBSan, one target per reader
# (tests/fuzz/fuzz_<reader>.cpp):
#   run_fuzzer.sh [SECONDS_PER_TARGET] [TARGET...]   each target for a bounded time (default 12 s:
#                                                    10 targets, about 2 minutes of fuzzing in CI)
#   run_fuzzer.sh --long [TARGET...]                 each target to 1,000,000 executions
# TARGET names select targets (e.g. `run_fuzzer.sh 30 sw edip`); default all. Prints per target
# the executions done and the time; exits non-zero when any target crashed, hung (-timeout),
# leaked, ran out of memory or reported undefined behaviour. A failing input is saved as
# <work>/<target>-crash-* (or -timeout-, -leak-, -oom-); reproduce: <work>/fuzz_<target> FILE.
#
# Seeds are made in <work>/seeds at every run, never copied into the repository: the real potential
# files of Debian's lammps-data (/usr/share/lammps/potentials) and of ../shared/data/potentials
# when present (the EAM tables shrunk to a few nodes by shrink_dynamo.py), checkpoints written by
# the library (checkpoint_seeds.cpp), config files and extxyz frames written below. What the
# fuzzer finds interesting accumulates in <work>/corpus/<target> across runs.
# Binaries are rebuilt only when a source or header they include changed (clang's -MMD lists).
# Needs: clang++ (Debian's clang-14) and libclang-rt-14-dev (libFuzzer and sanitizer runtimes);
# Eigen and CLI11 (as the library and the tool) for the config target; python3 for the EAM seeds.
# Environment: EIPNN_FUZZ_DIR (work directory, default <repo>/build-fuzz), CXX_FUZZ (compiler).
set -euo pipefail

usage() { echo "usage: $0 [SECONDS_PER_TARGET | --long] [TARGET...]" >&2; exit 2; }

all_targets=(extxyz sw tersoff tersoff_mod edip meam_spline eam_funcfl eam_setfl checkpoint config)
mode=time
seconds=12
if [ $# -gt 0 ]; then
  case "$1" in
    --long) mode=long; shift ;;
    ''|*[!0-9]*) ;;
    *) seconds="$1"; shift ;;
  esac
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  case " ${all_targets[*]} " in *" $t "*) ;; *) echo "run_fuzzer.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; usage ;; esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/tests/fuzz"
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
work="$(cd "$work" && pwd)"
eigen_flags="$(pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)"
fuzz_flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -I "$repo/include" -I "$here")

# True when $1 is missing or older than any file its dependency list $2 (clang -MMD) names.
stale() {
  local bin="$1" deps="$2" f
  [ -f "$bin" ] && [ -f "$deps" ] || return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$deps"); do
    [ "$f" -nt "$bin" ] && return 0
  done
  return 1
}

build() {
  local t="$1" extra=()
  [ "$t" = config ] && extra=(-I "$repo/tools/eipnn" $eigen_flags)
  if stale "$work/fuzz_$t" "$work/fuzz_$t.d"; then
    echo "== compiling fuzz_$t with $cxx"
    if ! "$cxx" "${fuzz_flags[@]}" "${extra[@]}" -MMD -MF "$work/fuzz_$t.d" \
          "$here/fuzz_$t.cpp" -o "$work/fuzz_$t"; then
      echo "run_fuzzer.sh: compiling fuzz_$t failed; if the libFuzzer runtime is missing:" \
           "apt-get install libclang-rt-14-dev" >&2
      return 1
    fi
  fi
}

lammps="/usr/share/lammps/potentials"
shared="$repo/../shared/data/potentials"

# Real potential files (names or glob patterns) from lammps-data and ../shared, when present.
copy_real() {
  local dest="$1" f d g; shift
  for f in "$@"; do
    for d in "$lammps" "$shared"; do
      for g in "$d"/$f; do
        if [ -f "$g" ]; then cp "$g" "$dest/"; fi
      done
    done
  done
}

# EAM tables shrunk to a few nodes (shrink_dynamo.py says why); a full file is kept too, cut to
# the target's -max_len by libFuzzer, for the header paths.
shrink_real() {
  local kind="$1" dest="$2" f d g; shift 2
  if ! command -v python3 >/dev/null 2>&1; then echo "note: no python3, EAM seeds not shrunk" >&2; return 0; fi
  for f in "$@"; do
    for d in "$lammps" "$shared"; do
      for g in "$d"/$f; do
        if [ -f "$g" ]; then python3 "$here/shrink_dynamo.py" "$kind" "$g" "$dest/small-$(basename "$g")"; fi
      done
    done
  done
}

seeds() {
  local t="$1" s="$work/seeds/$1"
  rm -rf "$s"
  mkdir -p "$s"
  case "$t" in
    extxyz)
      # a few small frames covering the format's features (no real data is copied)
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
      printf '2\r\nProperties=species:S:1:pos:R:3 e=1\r\nMo 0 0 0\r\nMo 1.5 1.5 1.5\r\n\r\n' > "$s/crlf" ;;
    sw) copy_real "$s" Si.sw CdTe.sw GaN.sw '*.sw' ;;
    tersoff) copy_real "$s" Si.tersoff SiC_Erhart-Albe.tersoff SiCGe.tersoff Ge.tersoff BNC.tersoff ;;
    tersoff_mod) copy_real "$s" Si.tersoff.mod '*.tersoff.mod' ;;
    edip) copy_real "$s" Si.edip SiC.edip ;;
    meam_spline) copy_real "$s" Si_1.meam.spline Si_2.meam.spline Ti.meam.spline TiO.meam.spline '*.meam.spline' ;;
    eam_funcfl)
      copy_real "$s" Cu_u3.eam
      shrink_real funcfl "$s" Cu_u3.eam Al_jnp.eam Ni_smf7.eam
      # two elements on different grids, separated by "%%" (fuzz_eam_funcfl.cpp)
      if [ -f "$s/small-Cu_u3.eam" ] && [ -f "$s/small-Al_jnp.eam" ]; then
        { cat "$s/small-Cu_u3.eam"; echo '%%'; cat "$s/small-Al_jnp.eam"; } > "$s/small-Cu_Al.eam"
      fi ;;
    eam_setfl)
      copy_real "$s" CuNi.eam.alloy
      shrink_real setfl "$s" CuNi.eam.alloy AlCu.eam.alloy '*.eam.alloy'
      shrink_real fs "$s" Al_mm.eam.fs NiAlH_jea.eam.fs ;;
    checkpoint)
      if stale "$work/checkpoint_seeds" "$work/checkpoint_seeds.d"; then
        "$cxx" -std=c++17 -O1 -I "$repo/include" -MMD -MF "$work/checkpoint_seeds.d" \
          "$here/checkpoint_seeds.cpp" -o "$work/checkpoint_seeds"
      fi
      "$work/checkpoint_seeds" "$s" ;;
    config)
      printf '%s\n' '# eipnn train --config (TOML)' 'train = "train.xyz"' 'out = "model.ckpt"' \
        'split = [0.9, 0.1]' 'model = "schnet"' 'cutoff = 5.0' 'features = 16' 'interactions = 2' \
        'residual = true' 'epochs = 3' 'batch-size = 8' 'lr = 1e-3' 'schedule = "slanted_triangular"' \
        'warmup-frac = 0.2' "ratio = 32" 'adamw = true' 'weight-decay = 0.01' 'seed = 7' > "$s/train.toml"
      printf '%s\n' '; eipnn train --config (INI)' '[default]' 'train=train.xyz' 'valid=valid.xyz' \
        'out=model.ckpt' 'model=soapnet' 'n-max=4' 'l-max=3' 'sigma=0.5' 'double=true' 'resume=false' \
        'clip=0' 'patience=5' 'threads=1' "schedule='linear'" 'lr-end=1e-5' > "$s/train.ini"
      printf '%s\n' 'train = "a b.xyz"' "out = 'x'" 'epochs = 1' '[train]' 'backbone-layers = 2' \
        'head-hidden = 8' 'rbf = 16' > "$s/sections.toml" ;;
  esac
  # a seed directory may stay empty (e.g. lammps-data missing); libFuzzer then starts from nothing
  return 0
}

# -max_len per target: room for the shrunk tables and the small text files; the full EAM files
# are cut to it.
max_len() {
  case "$1" in
    eam_funcfl|eam_setfl|meam_spline) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

failed=()
summary=()
for t in "${targets[@]}"; do
  build "$t" || { failed+=("$t (compile)"); continue; }
  seeds "$t"
  mkdir -p "$work/corpus/$t"
  if [ "$mode" = long ]; then budget=(-runs=1000000); what="1000000 executions"
  else budget=(-max_total_time="$seconds"); what="${seconds} s"; fi
  dict=()
  [ "$t" = extxyz ] && dict=(-dict="$here/extxyz.dict")
  echo "== fuzzing $t for $what"
  log="$work/fuzz_$t.log"
  start=$SECONDS
  status=0
  (cd "$work" && "./fuzz_$t" "${budget[@]}" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/$t-" "${dict[@]}" \
      "$work/corpus/$t" "$work/seeds/$t") > "$log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  [ -n "$runs" ] || runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)"
  line="$(printf '%-12s %10s executions in %5d s' "$t" "${runs:-?}" "$elapsed")"
  if [ "$status" -ne 0 ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*Test unit written|.*-crash-|ALARM|fuzz_[a-z_]*:)' "$log" | head -n 20 >&2 || true
    line="$line  FAILED (exit $status; log $log)"
    failed+=("$t")
  fi
  summary+=("$line")
  echo "$line"
done

echo "== fuzzing summary ($mode)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzer.sh: FAILED: ${failed[*]} (inputs: $work/<target>-crash-*, -timeout-*, -leak-*, -oom-*)" >&2
  exit 1
fi
echo "run_fuzzer.sh: no crash, hang, leak or sanitizer report"
