#!/usr/bin/env bash
# LAMMPS baseline for bench_eip: energy + forces on the same 64,000-atom structure (data file
# written by bench_eip via EIPNN_BENCH_DATA). Runs `run N` and reads the Pair row of LAMMPS' own
# timing breakdown, which excludes set-up, neighbour lists and communication — the same work
# bench_eip times. `thermo 1` makes LAMMPS tally the energy on every step (by default only on
# output steps), so both sides compute energy + forces; neither computes the virial (no pressure
# is printed). Prints "<style> <atom-steps/s>" per style.
# usage: lammps_eip.sh DATA_FILE [STEPS [STYLE ...]]   (default: sw tersoff tersoff/mod edip)
set -euo pipefail
data=$1
steps=${2:-10}
shift $(( $# < 2 ? $# : 2 ))
styles=${*:-sw tersoff tersoff/mod edip}
lmp=$(command -v lmp || command -v lmp_serial || command -v lmp_stable)
pot=${LAMMPS_POTENTIALS:-/usr/share/lammps/potentials}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A file_of=([sw]=Si.sw [tersoff]=Si.tersoff [tersoff/mod]=Si.tersoff.mod [edip]=Si.edip)
for style in $styles; do
  set -- "$style" "${file_of[$style]}"
  cat > "$work/in.lmp" <<IN
units metal
atom_style atomic
boundary p p p
read_data $data
pair_style $1
pair_coeff * * $pot/$2 Si
neighbor 0.0 bin
neigh_modify every 1000 delay 1000 check no
timestep 1e-9
fix 1 all nve
thermo_style custom step pe
thermo 1
run $steps
IN
  (cd "$work" && OMP_NUM_THREADS=1 "$lmp" -in in.lmp -log log.lammps -screen none -nocite)
  natoms=$(grep -m1 -oE '^[0-9]+ atoms' "$data" | cut -d' ' -f1)
  pair=$(awk '/^Pair +\|/ {print $3}' "$work/log.lammps")
  awk -v n="$natoms" -v s="$steps" -v t="$pair" -v st="$1" 'BEGIN { printf "%s %.6g\n", st, n * s / t }'
done
