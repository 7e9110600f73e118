#!/usr/bin/env bash
# The one command for all tests: installs dependencies, builds every host target (and the CUDA
# tests when nvcc exists), checks that each header compiles on its own, runs ctest, and fuzzes the
# extxyz reader for a bounded time. Build directory: build/ (override with EIPNN_BUILD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${EIPNN_BUILD:-build}
jobs=${EIPNN_JOBS:-2}

bash scripts/install_deps.sh
nvcc_path=${CUDACXX:-$(command -v nvcc || true)}
[ -z "$nvcc_path" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc_path=/usr/local/cuda/bin/nvcc
cuda_args=()
[ -n "$nvcc_path" ] && cuda_args=(-DCMAKE_CUDA_COMPILER="$nvcc_path")

echo "== configure"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEIPNN_BUILD_TESTS=ON -DEIPNN_BUILD_BENCH=ON -DEIPNN_BUILD_EXAMPLES=ON "${cuda_args[@]}" >/dev/null
echo "== build"
# full log to a file, errors and warnings to the console; the build's own status decides
cmake --build "$build" -j "$jobs" > "$build/build.log" 2>&1 || { grep -E "error|Error" "$build/build.log" | head -50; echo "build failed (log: $build/build.log)"; exit 1; }
grep -E "warning:" "$build/build.log" | sort -u | head -20 || true
# Every stage runs even when an earlier one failed, so one run shows every problem.
failed=()
echo "== headers"
bash scripts/check_headers.sh || failed+=("headers")
echo "== ctest"
(cd "$build" && ctest -j "$jobs" --output-on-failure --timeout 1800) || failed+=("ctest")
if [ -f tests/fuzz/run_fuzzer.sh ]; then
  echo "== fuzz extxyz reader (${EIPNN_FUZZ_SECONDS:-60} s)"
  bash tests/fuzz/run_fuzzer.sh "${EIPNN_FUZZ_SECONDS:-60}" || failed+=("fuzz")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "== FAILED: ${failed[*]}"
  exit 1
fi
echo "== all tests done"
