#!/usr/bin/env bash
# Fetches the real DFT data (mlearn Si, Ge, Mo; Zuo et al., J. Phys. Chem. A 124, 731 (2020),
# BSD-3-Clause) for users outside the project's own setting, where ../shared/data already holds it.
#
#   scripts/fetch_data.sh [--dest DIR] [--elements "Si Ge Mo"] [--python PY]
#
# Layout produced (DIR defaults to ../shared/data relative to the repository):
#   DIR/mlearn-<el>/{training,test}.json    the source files, byte for byte (sha256-verified)
#   DIR/mlearn-<el>/{training,test}.extxyz  converted from the json with ASE (species, pos, forces,
#                                            energy, config_type, virial_stress_kbar, pbc)
#   DIR/mlearn-<el>/LICENSE
# The public source holds only the json; the extxyz are made here. With ASE 3.22 they are byte
# identical to the project's copies (checked against scripts/data_checksums.sha256); another ASE
# version may format them differently, which is reported but is not an error as long as the
# values read back equal the json's (checked after conversion).
# Never run at build time: it needs the network. Exits 0 at once when the data is already there.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo/../shared/data"
elements="Si Ge Mo"
python="${EIPNN_PYTHON:-/usr/bin/python3}"
commit="10c427a5480c6281c15c64efaf869b03be04818f"
base="https://raw.githubusercontent.com/materialsvirtuallab/mlearn/$commit"
sums="$repo/scripts/data_checksums.sha256"

while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="$2"; shift 2 ;;
    --elements) elements="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "fetch_data.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
expected_sum() { awk -v f="$1" '$2 == f { print $1 }' "$sums"; }
actual_sum() { sha256sum "$1" | awk '{ print $1 }'; }

missing=0
for el in $elements; do
  for f in training.json test.json training.extxyz test.extxyz; do
    [ -s "$dest/mlearn-$(lower "$el")/$f" ] || missing=1
  done
done
if [ "$missing" = 0 ]; then
  echo "fetch_data.sh: data already present in $dest (mlearn: $elements); nothing to do"
  exit 0
fi

if command -v curl >/dev/null 2>&1; then
  download() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  download() { wget -q -O "$2" "$1"; }
else
  echo "fetch_data.sh: neither curl nor wget is installed" >&2
  exit 1
fi
if ! "$python" -c 'import ase, numpy' 2>/dev/null; then
  echo "fetch_data.sh: $python cannot import ase and numpy (Debian: apt-get install python3-ase;" \
       "or pass --python PY)" >&2
  exit 1
fi

convert() {  # json -> extxyz with ASE, then check the values read back equal the json's
  "$python" - "$1" "$2" <<'PY'
import json, sys
import numpy as np
import ase.io
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    data = json.load(f)
frames = []
for d in data:  # pymatgen Structure dicts plus DFT outputs
    s = d["structure"]
    sites = s["sites"]
    atoms = Atoms(symbols=[site["species"][0]["element"] for site in sites],
                  positions=np.array([site["xyz"] for site in sites], dtype=float),
                  cell=np.array(s["lattice"]["matrix"], dtype=float), pbc=True)
    atoms.info["config_type"] = d["group"]
    atoms.info["virial_stress_kbar"] = np.array(d["outputs"]["virial_stress"], dtype=float)
    atoms.calc = SinglePointCalculator(atoms, energy=float(d["outputs"]["energy"]),
                                       forces=np.array(d["outputs"]["forces"], dtype=float))
    frames.append(atoms)
ase.io.write(dst, frames, format="extxyz")

back = ase.io.read(dst, index=":", format="extxyz")
assert len(back) == len(data), "frame count"
for a, d in zip(back, data):
    sites = d["structure"]["sites"]
    # ASE writes columns with 8 decimals: positions and forces agree to 5e-9 (plus round-off).
    assert np.allclose(a.positions, [s["xyz"] for s in sites], rtol=0, atol=6e-9), "positions"
    assert np.allclose(a.get_forces(), d["outputs"]["forces"], rtol=0, atol=6e-9), "forces"
    assert a.get_potential_energy() == float(d["outputs"]["energy"]), "energy"
    assert np.array_equal(np.asarray(a.cell), np.array(d["structure"]["lattice"]["matrix"])), "cell"
    assert a.info["config_type"] == d["group"], "config_type"
    assert np.array_equal(a.info["virial_stress_kbar"], d["outputs"]["virial_stress"]), "virial"
    assert [s.symbol for s in a] == [s["species"][0]["element"] for s in sites], "species"
print("  %s: %d configurations converted, values match the json" % (src, len(back)))
PY
}

for el in $elements; do
  sub="mlearn-$(lower "$el")"
  mkdir -p "$dest/$sub"
  for split in training test; do
    json="$dest/$sub/$split.json"
    want="$(expected_sum "$sub/$split.json")"
    if [ -z "$want" ]; then
      echo "fetch_data.sh: no checksum for $sub/$split.json in $sums (elements: Si Ge Mo)" >&2
      exit 1
    fi
    if [ ! -s "$json" ] || [ "$(actual_sum "$json")" != "$want" ]; then
      echo "downloading $el/$split.json"
      if ! download "$base/data/$el/$split.json" "$json.part"; then
        rm -f "$json.part"
        echo "fetch_data.sh: could not download $base/data/$el/$split.json (network?)" >&2
        exit 1
      fi
      got="$(actual_sum "$json.part")"
      if [ "$got" != "$want" ]; then
        rm -f "$json.part"
        echo "fetch_data.sh: sha256 of $el/$split.json is $got, expected $want; not using it" >&2
        exit 1
      fi
      mv "$json.part" "$json"
    fi
    echo "  $json: sha256 ok"
    xyz="$dest/$sub/$split.extxyz"
    convert "$json" "$xyz.part"
    mv "$xyz.part" "$xyz"
    if [ "$(actual_sum "$xyz")" = "$(expected_sum "$sub/$split.extxyz")" ]; then
      echo "  $xyz: byte-identical to the project's copy"
    else
      echo "  $xyz: note: bytes differ from the project's copy (another ASE version?); values checked above"
    fi
  done
  if [ ! -s "$dest/$sub/LICENSE" ]; then
    download "$base/LICENSE" "$dest/$sub/LICENSE" || echo "  note: could not fetch LICENSE (BSD-3-Clause)"
  fi
  [ "$(actual_sum "$dest/$sub/LICENSE" 2>/dev/null || true)" = "$(expected_sum "$sub/LICENSE")" ] ||
    echo "  note: $sub/LICENSE differs from the project's copy"
done
echo "fetch_data.sh: done; data in $dest"
