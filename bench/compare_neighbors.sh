#!/usr/bin/env bash
# Neighbour-list construction, diamond Si at 5 Å, 1,000 to 262,144 atoms: atoms/s per size and
# thread count. Linear scaling shows as a flat atoms/s column.
set -euo pipefail
cmake -S "$EIPNN_ROOT" -B "$EIPNN_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$EIPNN_BUILD" --target bench_neighbor_list -j2 >/dev/null
"$EIPNN_BUILD/bench/bench_neighbor_list" --benchmark_format=json --benchmark_min_time=0.5 2>/dev/null |
  /usr/bin/python3 -c '
import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    print("neighbors atoms=%d threads=%s ms=%.2f atoms_per_s=%.3g" % (b["atoms"], b["name"].split("threads:")[1].split("/")[0], b["real_time"], b["atoms_per_s"]))
'
