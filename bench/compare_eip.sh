#!/usr/bin/env bash
# bench/compare eip: eipnn's fused SW / Tersoff / tersoff-mod / EDIP kernels against LAMMPS on the
# same rattled 64,000-atom diamond Si cell, energy + forces, atom-steps/s. One line per potential
# at one thread (ratio = eipnn / lammps), then eipnn's 1 -> 2 thread scaling, then (when nvcc
# exists) registers and spills of the device kernels (ptxas_report.sh).
# EIPNN_BENCH_REPS=N repeats the eipnn side N times (best and spread are printed; the 2 cores of
# a shared machine make single runs noisy).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${EIPNN_ROOT:=$(cd "$here/.." && pwd)}"
: "${EIPNN_BUILD:=$EIPNN_ROOT/build-bench}"
cmake -S "$EIPNN_ROOT" -B "$EIPNN_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$EIPNN_BUILD" --target bench_eip -j2 >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=${EIPNN_BENCH_REPS:-3}
# Threads that wait at the end of a parallel region sleep instead of spinning (libgomp spins by
# default): on a shared machine a spinning thread burns the time slice its partner, preempted by
# another process, needs to finish its chunk, and each call has two regions (kernel, gather).
# Measured at load 7 on 2 cores: 1 -> 2 threads 1.0x with spinning, 1.6x passive; on an idle
# machine the difference is a futex wake-up per region (~10 us of a ~10 ms call).
wait_policy=${OMP_WAIT_POLICY:-passive}
EIPNN_BENCH_DATA="$work/si64000.data" OMP_NUM_THREADS=2 OMP_WAIT_POLICY=$wait_policy "$EIPNN_BUILD/bench/bench_eip" \
  --benchmark_format=csv --benchmark_min_time=1 --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true 2>/dev/null > "$work/eipnn.csv"
bash "$here/baselines/lammps_eip.sh" "$work/si64000.data" 10 > "$work/lammps.txt"
# csv: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
# best (max) of the repetitions; spread = min..max
rate() { awk -F, -v n="\"bench_eip/$1/$2/real_time\"" '$1 == n && $7 != "" { if ($7 > m) m = $7 } END { print m }' "$work/eipnn.csv"; }
spread() { awk -F, -v n="\"bench_eip/$1/$2/real_time\"" '$1 == n && $7 != "" { if (lo == "" || $7 < lo) lo = $7; if ($7 > hi) hi = $7 } END { printf "%.3g..%.3g", lo, hi }' "$work/eipnn.csv"; }
echo "# $(nproc) cores; load: $(uptime | sed 's/.*load average: //'); eipnn best of $reps; OMP_WAIT_POLICY=$wait_policy"
for p in sw tersoff tersoff_mod edip; do
  lstyle=${p/_//}
  e1=$(rate "$p" 1)
  l1=$(awk -v s="$lstyle" '$1 == s { print $2 }' "$work/lammps.txt")
  awk -v p="$p" -v e="$e1" -v l="$l1" 'BEGIN { printf "%s eipnn=%.4g lammps=%.4g ratio=%.2f\n", p, e, l, e / l }'
done
for p in sw tersoff tersoff_mod edip; do
  e1=$(rate "$p" 1); e2=$(rate "$p" 2)
  awk -v p="$p" -v a="$e1" -v b="$e2" -v s1="$(spread "$p" 1)" -v s2="$(spread "$p" 2)" \
    'BEGIN { printf "%s threads=2 eipnn=%.4g speedup=%.2f (1 thread %s, 2 threads %s)\n", p, b, b / a, s1, s2 }'
done
if command -v nvcc > /dev/null || [ -x "${CUDACXX:-/usr/local/cuda/bin/nvcc}" ]; then
  bash "$here/ptxas_report.sh"
fi
