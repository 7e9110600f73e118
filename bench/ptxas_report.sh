#!/usr/bin/env bash
# Registers and spills of every device kernel, per architecture: compiles one translation unit
# that instantiates the for_each trampoline for every functor the device runs (double and float):
# the EIPs' per-atom kernels and gathers, SchNet's and SOAPNet's layers (the backend-generic
# passes of nn/schnet.hpp, nn/soapnet.hpp), the optimizer and the deterministic reductions, with
# `-Xptxas -v`, and prints
#   <arch> <kernel> regs=<n> stack=<bytes> spill_stores=<bytes> spill_loads=<bytes>
# then a summary line. Exit status 0 even with spills (it reports; the caller decides).
# usage: bench/ptxas_report.sh [ARCH...]   (default: 80 90)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${EIPNN_ROOT:-$(cd "$here/.." && pwd)}
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$nvcc" ] || { echo "ptxas_report: nvcc not found; skipped"; exit 0; }
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(80 90)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# POSIX awk only (Debian's default awk is mawk)

cat > "$work/eip_kernels.cu" <<'CU'
#include "eipnn/cuda/eip.cuh"
#include "eipnn/nn/schnet.hpp"
#include "eipnn/nn/second_order.hpp"
#include "eipnn/nn/soapnet.hpp"
#include "eipnn/optim/adam.hpp"
#include "eipnn/optim/clip_grad_norm.hpp"
namespace eipnn::gpu {
#define EIPNN_INSTANTIATE(...) template __global__ void for_each_kernel<__VA_ARGS__>(__VA_ARGS__, index_t);
#define EIPNN_INSTANTIATE_T(T)                                                  \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, SwAtomKernel<T>>)                        \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, TersoffAtomKernel<T, TersoffForm>>)      \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, TersoffAtomKernel<T, TersoffModForm>>)   \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, EdipKernel<T>>)                          \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, MeamSplineKernel<T>>)                    \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, EamKernel<T>>)                           \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, ZjwEamKernel<T>>)                        \
    EIPNN_INSTANTIATE(ZeroEdgesThen<T, MorseKernel<T>>)                         \
    EIPNN_INSTANTIATE(EdgeForceGather<T>)                                       \
    EIPNN_INSTANTIATE(EdgeVirialGather<T>)                                      \
    EIPNN_INSTANTIATE(EdgeGatherBlock<T>)                                       \
    EIPNN_INSTANTIATE(PairGeometryFwd<T>)                                       \
    EIPNN_INSTANTIATE(BasisWindowFwd<T>)                                        \
    EIPNN_INSTANTIATE(BasisWindowToDense<T>)                                    \
    EIPNN_INSTANTIATE(FilterFirstLayer<T>)                                      \
    EIPNN_INSTANTIATE(FilterOutputGrad<T>)                                      \
    EIPNN_INSTANTIATE(FilterFirstLayerBwd<T>)                                   \
    EIPNN_INSTANTIATE(ConvGather<T>)                                            \
    EIPNN_INSTANTIATE(FilterFirstLayerTangent<T>)                               \
    EIPNN_INSTANTIATE(FilterTangentOut<T>)                                      \
    EIPNN_INSTANTIATE(ConvGatherPair<T>)                                        \
    EIPNN_INSTANTIATE(FilterOutputGradSecond<T>)                                \
    EIPNN_INSTANTIATE(EdgeToPairTangent<T>)                                     \
    EIPNN_INSTANTIATE(EdgeGradientCotangent<T>)                                 \
    EIPNN_INSTANTIATE(SoapAtomTangent<T>)                                       \
    EIPNN_INSTANTIATE(PairToEdgeGradient<T>)                                    \
    EIPNN_INSTANTIATE(EmbeddingGather<T>)                                       \
    EIPNN_INSTANTIATE(EmbeddingBwd<T>)                                          \
    EIPNN_INSTANTIATE(ActivationFwd<T>)                                         \
    EIPNN_INSTANTIATE(ActivationBwd<T>)                                         \
    EIPNN_INSTANTIATE(ActivationTangent<T>)                                     \
    EIPNN_INSTANTIATE(ActivationBwdSecond<T>)                                   \
    EIPNN_INSTANTIATE(AddBiasRows<T>)                                           \
    EIPNN_INSTANTIATE(ColumnSumAdd<T>)                                          \
    EIPNN_INSTANTIATE(AddInPlace<T>)                                            \
    EIPNN_INSTANTIATE(HeadEnergySum<T>)                                         \
    EIPNN_INSTANTIATE(HeadEnergySeed<T>)                                        \
    EIPNN_INSTANTIATE(GraphRowSum<T>)                                           \
    EIPNN_INSTANTIATE(SoapAtomFwd<T>)                                           \
    EIPNN_INSTANTIATE(SoapAtomBwd<T>)                                           \
    EIPNN_INSTANTIATE(StandardizeRows<T>)                                       \
    EIPNN_INSTANTIATE(StandardizeRowsBwd<T>)                                    \
    EIPNN_INSTANTIATE(AdamUpdate<T>)                                            \
    EIPNN_INSTANTIATE(ScaleInPlace<T>)                                          \
    EIPNN_INSTANTIATE(eipnn::detail::BlockReduce<double, eipnn::detail::ReduceOp::Sum, SquareInDouble<T>>) \
    EIPNN_INSTANTIATE(eipnn::detail::BlockReduce<T, eipnn::detail::ReduceOp::Sum, eipnn::detail::ReadSpan<T>>)
EIPNN_INSTANTIATE_T(double)
EIPNN_INSTANTIATE_T(float)
}  // namespace eipnn::gpu
CU

gencode=()
for a in "${archs[@]}"; do gencode+=(-gencode "arch=compute_$a,code=sm_$a"); done
eigen=${EIGEN3_INCLUDE_DIR:-/usr/include/eigen3}
"$nvcc" -std=c++17 -O3 -I"$root/include" -I"$root/kernels" -isystem "$eigen" --expt-relaxed-constexpr --extended-lambda \
  "${gencode[@]}" -Xptxas -v -c "$work/eip_kernels.cu" -o "$work/eip_kernels.o" 2> "$work/ptxas.txt" \
  || { cat "$work/ptxas.txt" >&2; echo "ptxas_report: compilation failed" >&2; exit 1; }

# ptxas -v prints, per entry: "Compiling entry function 'NAME' for 'sm_XX'", then
# "N bytes stack frame, N bytes spill stores, N bytes spill loads", then "Used N registers, ...".
awk '
  /Compiling entry function/ { n = split($0, q, "\047"); name = q[2]; arch = q[4]; next }
  /bytes stack frame/ { stack = $1; stores = $5; loads = $9; next }
  /Used [0-9]+ registers/ && name != "" {
    for (k = 1; k <= NF; ++k) if ($k == "Used") regs = $(k + 1)
    print arch "\t" name "\t" regs "\t" stack "\t" stores "\t" loads
    name = ""; stack = 0; stores = 0; loads = 0
  }' "$work/ptxas.txt" > "$work/rows.tsv"

spills=0
while IFS=$'\t' read -r arch name regs stack stores loads; do
  pretty=$(echo "$name" | c++filt | sed -e 's/^void //' -e 's/eipnn::gpu::for_each_kernel<//' -e 's/>(.*$//' -e 's/eipnn:://g' -e 's/ //g')
  # CUB's own kernels (pulled in by the neighbour list) count towards the spill total but are not listed
  case "$pretty" in cub::*) ;; *) printf '%s %s regs=%s stack=%s spill_stores=%s spill_loads=%s\n' "$arch" "$pretty" "$regs" "$stack" "$stores" "$loads" ;; esac
  if [ "${stores:-0}" != 0 ] || [ "${loads:-0}" != 0 ]; then spills=$((spills + 1)); fi
done < "$work/rows.tsv"
n=$(wc -l < "$work/rows.tsv")
echo "ptxas_report: $n kernels (${archs[*]/#/sm_}), $spills with register spills"
