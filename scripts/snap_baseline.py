#!/usr/bin/python3
"""Test-set errors of the SNAP models the mlearn authors fitted to the same data (OpenKIM
SNAP_ZuoChenLi_2019_<El> and SNAP_ZuoChenLi_2019quadratic_<El>), through LAMMPS `pair_style kim`:
the bar a useful network must clear.

  snap_baseline.py ELEMENT TEST.extxyz [--json | --json-out FILE]

Prints one line per model:
  snap_<kind> element=<El> n=<configs> energy_mae_meV_per_atom=<x> force_mae_eV_per_A=<x>
      force_rmse_eV_per_A=<x> stress_mae_GPa=<x>
(one line; --json gives the same figures under snap_* / qsnap_* keys, --json-out writes them to
FILE instead of printing).
- energy: |E_model - E_DFT| / atoms, mean over configurations (raw VASP total energies: the SNAP
  fits carry their own constant, so no shift is fitted).
- forces: against the extxyz `forces` column, MAE and RMSE over all force components.
- stress: against `virial_stress_kbar`, converted as include/eipnn/train/stress_labels.hpp does
  (sigma = -stored / 1602.176634 eV/Å^3, per-configuration component order of
  mlearn_virial_stress_order), MAE over the 9 components of each cell as `eipnn eval` counts it.
Each cell is rotated into LAMMPS' lower-triangular frame and the forces and the stress rotated back
with scripts/stress_convention.py's functions. One LAMMPS process per model runs every
configuration (`clear` between them).
Exit code 3 when numpy, ase, lmp or the KIM models are missing (callers report a skip).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import ase.io
except ImportError as exc:
    print("numpy/ase not available: %s" % exc, file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stress_convention import write_data  # noqa: E402  (cell rotation into LAMMPS' frame)

MASSES = {"Si": 28.0855, "Ge": 72.630, "Mo": 95.95}
# Units, as include/eipnn/train/stress_labels.hpp: 1 eV/Å^3 = 1602.176634 kbar = 160.2176634 GPa.
EV_PER_A3_IN_KBAR = 1602.176634
EV_PER_A3_IN_GPA = EV_PER_A3_IN_KBAR / 10.0
BAR_PER_KBAR = 1000.0


def kim_model(kind, element):
    stem = "SNAP_ZuoChenLi_2019%s_%s__MO_" % ("quadratic" if kind == "quadratic" else "", element)
    found = sorted(glob.glob("/usr/lib/*/kim-api/portable-models/" + stem + "*"))
    return os.path.basename(found[0]) if found else None


def label_stress(atoms):
    """The DFT stress (3x3, eV/Å^3, tension positive) of one configuration, or None: the six
    stored kbar numbers are minus the stress, xx yy zz xy yz zx for the Elastic cells of Si and Ge
    and xx yy zz xy xz yz otherwise (mlearn_virial_stress_order in stress_labels.hpp)."""
    six = atoms.info.get("virial_stress_kbar")
    if six is None:
        return None
    six = np.asarray(six, dtype=float).ravel()
    if six.size != 6 or not np.all(np.isfinite(six)):
        return None
    numbers = atoms.numbers
    vasp_order = (atoms.info.get("config_type") == "Elastic" and len(numbers) > 0
                  and np.all(numbers == numbers[0]) and numbers[0] in (14, 32))
    xx, yy, zz, xy = six[:4]
    xz, yz = (six[5], six[4]) if vasp_order else (six[4], six[5])
    return -np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]]) / EV_PER_A3_IN_KBAR


def snap_run(model, element, frames, work):
    """Energy (eV), forces (eV/Å, the data's frame) and stress (3x3 eV/Å^3, tension positive, the
    data's frame) of every frame, from one LAMMPS process."""
    rotations = []
    script = ["log none"]
    for k, atoms in enumerate(frames):
        rotations.append(write_data(os.path.join(work, "f%d.data" % k), atoms, MASSES[element]))
        # pressure NULL virial: the potential's own (virial) pressure only; thermo evaluates pe and
        # c_p on step 0, so the variables printed below read current values.
        script += [
            "clear", "kim init %s metal" % model, "atom_style atomic", "atom_modify map array sort 0 0",
            "boundary p p p", "read_data f%d.data" % k, "kim interactions %s" % element, "neighbor 1.0 bin",
            "compute p all pressure NULL virial",
            "thermo_style custom step pe c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6]",
            "dump d all custom 1 f%d.dump id fx fy fz" % k, "dump_modify d sort id format float %.17g",
            "run 0", "undump d",
            "variable e equal pe", "variable e_f format e %.17g",
        ]
        names = ["pxx", "pyy", "pzz", "pxy", "pxz", "pyz"]
        for c, name in enumerate(names):
            script += ["variable %s equal c_p[%d]" % (name, c + 1), "variable %s_f format %s %%.17g" % (name, name)]
        script.append('print "%d ${e_f} %s" append results.txt screen no'
                      % (k, " ".join("${%s_f}" % n for n in names)))
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write("\n".join(script) + "\n")
    out = subprocess.run(["lmp", "-in", "in.lmp", "-screen", "none", "-nocite"],
                         capture_output=True, text=True, cwd=work)
    if out.returncode != 0:
        raise RuntimeError("lmp failed:\n" + out.stdout[-2000:] + out.stderr[-2000:])
    with open(os.path.join(work, "results.txt")) as f:
        rows = [line.split() for line in f if line.strip()]
    if len(rows) != len(frames):
        raise RuntimeError("LAMMPS reported %d of %d configurations" % (len(rows), len(frames)))
    energies, forces, stresses = [], [], []
    for k, (atoms, R) in enumerate(zip(frames, rotations)):
        row = rows[k]
        if int(row[0]) != k:
            raise RuntimeError("LAMMPS results out of order at configuration %d" % k)
        energies.append(float(row[1]))
        pxx, pyy, pzz, pxy, pxz, pyz = map(float, row[2:8])
        P = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]])
        # LAMMPS reports pressure (bar, compression positive): stress = -pressure; back from the
        # rotated frame (sigma' = R sigma R^T) to the data's frame.
        stresses.append(R.T @ (-P / BAR_PER_KBAR / EV_PER_A3_IN_KBAR) @ R)
        dump = np.loadtxt(os.path.join(work, "f%d.dump" % k), skiprows=9, ndmin=2)
        if len(dump) != len(atoms):
            raise RuntimeError("configuration %d: %d forces for %d atoms" % (k, len(dump), len(atoms)))
        forces.append(dump[:, 1:4] @ R)   # f = R^T f', as rows
        os.remove(os.path.join(work, "f%d.dump" % k))
        os.remove(os.path.join(work, "f%d.data" % k))
    return energies, forces, stresses


def errors(frames, energies, forces, stresses):
    de = [abs(e - a.info["energy"]) / len(a) for a, e in zip(frames, energies)]
    df = np.concatenate([(f - a.arrays["forces"]).ravel() for a, f in zip(frames, forces)])
    ds = [(s - lab).ravel() for s, lab in zip(stresses, map(label_stress, frames)) if lab is not None]
    return {
        "energy_mae_meV_per_atom": 1e3 * float(np.mean(de)),
        "force_mae_eV_per_A": float(np.mean(np.abs(df))),
        "force_rmse_eV_per_A": float(np.sqrt(np.mean(df ** 2))),
        "stress_mae_GPa": EV_PER_A3_IN_GPA * float(np.mean(np.abs(np.concatenate(ds)))) if ds else float("nan"),
    }


def main():
    element, path = sys.argv[1], sys.argv[2]
    if shutil.which("lmp") is None:
        print("lmp not found", file=sys.stderr)
        sys.exit(3)
    frames = ase.io.read(path, ":")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for kind in ("linear", "quadratic"):
            model = kim_model(kind, element)
            if model is None:
                print("no OpenKIM SNAP model for %s (%s)" % (element, kind), file=sys.stderr)
                sys.exit(3)
            results[kind] = errors(frames, *snap_run(model, element, frames, work))
            os.remove(os.path.join(work, "results.txt"))
    if "--json" in sys.argv or "--json-out" in sys.argv:
        out = {"element": element, "n_configs": len(frames)}
        for kind, prefix in (("linear", "snap"), ("quadratic", "qsnap")):
            for key, value in results[kind].items():
                out["%s_%s" % (prefix, key)] = value
        if "--json-out" in sys.argv:
            with open(sys.argv[sys.argv.index("--json-out") + 1], "w") as f:
                f.write(json.dumps(out) + "\n")
        else:
            print(json.dumps(out))
    else:
        for kind, r in results.items():
            print("snap_%s element=%s n=%d energy_mae_meV_per_atom=%.3f force_mae_eV_per_A=%.4f "
                  "force_rmse_eV_per_A=%.4f stress_mae_GPa=%.4f"
                  % (kind, element, len(frames), r["energy_mae_meV_per_atom"], r["force_mae_eV_per_A"],
                     r["force_rmse_eV_per_A"], r["stress_mae_GPa"]))


if __name__ == "__main__":
    main()
