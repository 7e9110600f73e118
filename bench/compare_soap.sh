#!/usr/bin/env bash
# bench/compare soap [reps=3]: eipnn's SOAP power spectrum (bench_soap, Google Benchmark, 2
# threads, double) against a NumPy implementation vectorised over edges
# (baselines/soap_numpy_bench.py) on the mlearn Si test configurations, paper setting (n_max 8,
# l_max 6, rc 5 Å). Neighbour lists are built outside the timing on both sides. Prints
#   descriptor eipnn_atoms_per_s=<x> numpy_atoms_per_s=<y> ratio=<x/y>
#   descriptor_gradient eipnn_atoms_per_s=<x> numpy_atoms_per_s=<y> ratio=<x/y>
# eipnn's descriptor_gradient is BM_soap_descriptor_gradient, which times soap_fwd + soap_bwd (a
# fixed dL/dP contracted into dL/dvec, (n_edges, 3)); the NumPy side times the descriptor plus the
# same vector-Jacobian product for a random dL/dP (validated there against central differences).
# Then runs compare_soapnet.sh with the same arguments.
set -euo pipefail
source "$(dirname "$0")/support/compare_setup.sh"
reps=${1:-3}
require_mlearn_si test
build_bench bench_soap
export OPENBLAS_NUM_THREADS=2
json=$(EIPNN_SOAP_DATA=$data "$build/bench/bench_soap" --benchmark_format=json --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true 2>/dev/null)
counter() {  # median atoms_per_s of one benchmark
  echo "$json" | /usr/bin/python3 -c 'import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    if b["name"].startswith(sys.argv[1] + "/") and b.get("aggregate_name") == "median":
        print("%.6g" % b["atoms_per_s"])' "$1"
}
e_desc=$(counter BM_soap_descriptor)
e_grad=$(counter BM_soap_descriptor_gradient)
n=$(/usr/bin/python3 "$root/bench/baselines/soap_numpy_bench.py" "$data" "$reps")
comments "$n"
rate() { echo "$n" | grep "^$1 " | tr ' ' '\n' | sed -n 's/^atoms_per_s=//p'; }
n_desc=$(rate numpy)
n_grad=$(rate numpy_gradient)
# the baseline at its best: NumPy's descriptor with real solid harmonics (the gradient baseline's),
# several times faster than the same formulas through scipy's complex sph_harm (printed as a note)
n_real=$(echo "$n" | sed -n 's/^# numpy descriptor alone.*atoms_per_s=\([0-9.e+]*\).*/\1/p')
[ -n "$n_real" ] || { echo "no real-solid-harmonic NumPy descriptor rate in the baseline's output" >&2; exit 1; }
awk -v a="$e_desc" -v b="$n_real" 'BEGIN{printf "descriptor eipnn_atoms_per_s=%.4g numpy_atoms_per_s=%.4g ratio=%.1f\n", a, b, a/b}'
awk -v a="$e_grad" -v b="$n_grad" 'BEGIN{printf "descriptor_gradient eipnn_atoms_per_s=%.4g numpy_atoms_per_s=%.4g ratio=%.1f\n", a, b, a/b}'
awk -v a="$e_desc" -v b="$n_desc" \
  'BEGIN{printf "# descriptor against the scipy sph_harm NumPy reference (the test oracle): numpy_atoms_per_s=%.4g ratio=%.1f\n", b, a/b}'
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average; the machine is shared)"
[ -f "$(dirname "$0")/compare_soapnet.sh" ] && bash "$(dirname "$0")/compare_soapnet.sh" "$@"
true  # the line above fails the script only when compare_soapnet.sh itself fails
