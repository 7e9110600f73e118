# Shared by the MPI test scripts: run_ranks N ARGS... runs the tool on N ranks (more ranks than
# cores are allowed: these machines have 2). Open MPI refuses to run as root unless told that it is
# meant, so the scripts say it when they are root (containers, CI).
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# one thread per rank: N ranks on 2 cores, and the per-rank thread count stays fixed
export OMP_NUM_THREADS=1
run_ranks() {
  local n=$1
  shift
  "$MPIEXEC" --oversubscribe -np "$n" "$TOOL" "$@"
}
