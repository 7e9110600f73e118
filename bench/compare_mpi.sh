#!/usr/bin/env bash
# bench/compare mpi [epochs=1] [model flags...]: MPI data-parallel training (issue 18), the epoch
# time of `eipnn train` on mlearn Si's training set for
#   1 rank x 1 thread (plain), 1 rank x 2 threads (plain), 2 ranks x 1 thread (mpirun)
# and the speed-up of each over 1 x 1, plus the bytes the ranks reduce per optimizer step (one int64
# per parameter: parallel/exact_sum.hpp). Model: SchNet at the paper's size unless flags are given.
# The time is the log's wall-clock column of the last epoch (validation included).
# Skeleton: the reduction time itself is not measured yet (it needs a timer in
# parallel/distributed_step.hpp), nor the alpha-beta model for 8-512 ranks of the issue.
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
epochs=${1:-1}
shift || true
model=("$@")
[ ${#model[@]} -gt 0 ] || model=(--model schnet --features 128 --rbf 128 --interactions 5 --cutoff 5)
require_mlearn_si training
build_bench eipnn_cli
scratch_dir
eipnn=$build/bin/eipnn
command -v mpirun > /dev/null || { echo "mpirun not found (Debian: openmpi-bin)" >&2; exit 77; }
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg); data: $data; ${model[*]}; $epochs epoch(s)"

# epoch_seconds RANKS THREADS: one training, plain when RANKS is 0, else under mpirun; prints the
# last epoch's seconds
epoch_seconds() {
  local ranks=$1 threads=$2 out=$work/run.ckpt
  local launch=()
  [ "$ranks" -gt 0 ] && launch=(mpirun --oversubscribe -np "$ranks")
  rm -f "$out"*
  OMP_NUM_THREADS=$threads "${launch[@]}" "$eipnn" train --train "$data" --split 0.9 0.1 --epochs "$epochs" \
    --threads "$threads" --out "$out" "${model[@]}" > "$work/train.txt" 2>&1 || { cat "$work/train.txt" >&2; exit 1; }
  tail -n 1 "$out.log.csv" | awk -F, '{print $NF}'
}
t11=$(epoch_seconds 0 1)
t12=$(epoch_seconds 0 2)
t21=$(epoch_seconds 2 1)
# parameters: the length of the checkpoint's "model.parameters" record (io/checkpoint.hpp's layout)
params=$(/usr/bin/python3 - "$work/run.ckpt" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read(); o = 20
while o < len(b) - 8:
    t = chr(b[o]); n = struct.unpack_from('<I', b, o + 1)[0]; name = b[o + 5:o + 5 + n].decode(); o += 5 + n
    if t == 'I': o += 8; continue
    c = struct.unpack_from('<Q', b, o)[0]
    if name == 'model.parameters': print(c); break
    o += 8 + (8 * c if t == 'R' else c)
PY
)
awk -v a="$t11" -v b="$t12" -v c="$t21" -v p="$params" 'BEGIN {
  printf "mpi ranks=1 threads=1 epoch_s=%.3f speedup=1.00\n", a
  printf "mpi ranks=1 threads=2 epoch_s=%.3f speedup=%.2f\n", b, a / b
  printf "mpi ranks=2 threads=1 epoch_s=%.3f speedup=%.2f (target >= 1.8)\n", c, a / c
  printf "mpi reduced_bytes_per_step=%d (int64 per parameter, %d parameters) reduction_s=not_measured\n", 8 * p, p }'
