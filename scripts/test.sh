#!/usr/bin/env bash
# The one command for all tests: installs dependencies, builds every host target (and the CUDA
# tests when nvcc exists), checks that each header compiles on its own, runs ctest, and fuzzes every
# file reader for a bounded time (tests/fuzz/run_fuzzer.sh). Build directory: build/ (override with EIPNN_BUILD).
#
# scripts/test.sh --sanitize: the host tests and the `eipnn` tool built with AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer (-DEIPNN_SANITIZE=ON, -O1 -g, no CUDA, no
# benchmarks) in build-asan/ (override with EIPNN_ASAN_BUILD), then ctest there; the first report
# fails the test it occurs in. Left out: the install.* tests (they install and rebuild consumer
# projects outside this build, with the consumer's own unsanitized flags), the kim.* tests (LAMMPS
# runs the KIM driver, which the KIM API's CMake compiles with its own unsanitized flags; its
# library parts are sanitized in test_explicit_graph) and whatever
# EIPNN_SANITIZE_EXCLUDE (a ctest -E regex) names; the header check and the fuzzer (already
# ASan + UBSan) belong to the plain run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${EIPNN_BUILD:-build}
jobs=${EIPNN_JOBS:-2}
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
  esac
done

bash scripts/install_deps.sh

if [ "$sanitize" -eq 1 ]; then
  build=${EIPNN_ASAN_BUILD:-build-asan}
  exclude=${EIPNN_SANITIZE_EXCLUDE:-'^(install|kim)\.'}
  echo "== configure (sanitize: address, leak, undefined)"
  # CMAKE_CUDA_COMPILER empty: no CUDA layer, even where nvcc exists (device code is not
  # sanitized, and the CUDA tests skip without a GPU anyway). -O1 keeps the build short while
  # ASan still sees every access; -g1 (line tables) gives the reports file:line at a fraction of
  # -g's object size (the tool's object: 163 MB with -g), which the assembler and linker pay for.
  # EIPNN_MPI=OFF: Open MPI's own allocations at start-up and finalize read as leaks to
  # LeakSanitizer; the mpi.* tests then report skipped here and run in the plain build.
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -g1" -DCMAKE_CUDA_COMPILER= \
    -DEIPNN_SANITIZE=ON -DEIPNN_MPI=OFF -DEIPNN_BUILD_TESTS=ON -DEIPNN_BUILD_TOOL=ON \
    -DEIPNN_BUILD_BENCH=OFF -DEIPNN_BUILD_EXAMPLES=OFF >/dev/null
  echo "== build ($build)"
  t0=$(date +%s)
  cmake --build "$build" -j "$jobs" > "$build/build.log" 2>&1 || { grep -E "error|Error" "$build/build.log" | head -50; echo "build failed (log: $build/build.log)"; exit 1; }
  grep -E "warning:" "$build/build.log" | sort -u | head -20 || true
  t1=$(date +%s)
  echo "== ctest under the sanitizers (excluded: $exclude)"
  # halt_on_error / -fno-sanitize-recover: the first report aborts the process, so ctest counts it
  # as a failure; detect_leaks: LeakSanitizer at exit. ASan and LSan reports go to files in
  # sanitizer-logs/ (one per process): the command-line tests run the sanitized tool, some
  # expecting it to fail with its stderr discarded, and a report there would otherwise pass as
  # the expected failure. Any file there fails the run. UBSan's reports stay on stderr (GCC 12's
  # combined runtime ignores UBSAN_OPTIONS' log_path once ASAN_OPTIONS is set); they still make
  # the process fail (-fno-sanitize-recover). The tests' Python oracles are separate,
  # unsanitized processes (the runtime is linked into our binaries, not preloaded), so they
  # inherit these variables harmlessly.
  logs="$(cd "$build" && pwd)/sanitizer-logs"
  rm -rf "$logs"
  mkdir -p "$logs"
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$logs/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  failed=()
  (cd "$build" && ctest -j "$jobs" --output-on-failure --timeout 1800 -E "$exclude") || failed+=("ctest")
  echo "sanitize: build $(( t1 - t0 )) s, ctest $(( $(date +%s) - t1 )) s"
  if [ -n "$(ls -A "$logs")" ]; then
    for f in "$logs"/*; do echo "---- $f"; head -60 "$f"; done
    failed+=("sanitizer reports ($logs)")
  fi
  if [ ${#failed[@]} -gt 0 ]; then
    echo "== FAILED (sanitize): ${failed[*]}"
    exit 1
  fi
  echo "== all sanitized tests done"
  exit 0
fi
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
  echo "== fuzz every reader (${EIPNN_FUZZ_SECONDS:-12} s per target)"
  bash tests/fuzz/run_fuzzer.sh ${EIPNN_FUZZ_SECONDS:+"$EIPNN_FUZZ_SECONDS"} || failed+=("fuzz")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "== FAILED: ${failed[*]}"
  exit 1
fi
echo "== all tests done"
