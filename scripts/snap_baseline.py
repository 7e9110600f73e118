#!/usr/bin/python3
"""Test-set energy errors of the SNAP models the mlearn authors fitted to the same data
(OpenKIM SNAP_ZuoChenLi_2019_<El> and SNAP_ZuoChenLi_2019quadratic_<El>), through LAMMPS
`pair_style kim`: the bar a useful network must clear.

  snap_baseline.py ELEMENT TEST.extxyz [--json]

Prints one line per model: `snap_<kind> element=<El> n=<configs> energy_mae_meV_per_atom=<x>`.
Exit code 3 when ase, lmp or the KIM models are missing (callers report a skip).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import ase.io
except ImportError as exc:
    print("ase not available: %s" % exc, file=sys.stderr)
    sys.exit(3)

MASSES = {"Si": 28.0855, "Ge": 72.630, "Mo": 95.95}


def kim_model(kind, element):
    stem = "SNAP_ZuoChenLi_2019%s_%s__MO_" % ("quadratic" if kind == "quadratic" else "", element)
    found = sorted(glob.glob("/usr/lib/*/kim-api/portable-models/" + stem + "*"))
    return os.path.basename(found[0]) if found else None


def snap_energy(model, element, atoms, work):
    data = os.path.join(work, "data.lmp")
    ase.io.write(data, atoms, format="lammps-data")
    script = os.path.join(work, "in.lmp")
    with open(script, "w") as f:
        f.write("kim init %s metal unit_conversion_mode\nread_data %s\nmass 1 %g\nkim interactions %s\n"
                "thermo_style custom pe\nthermo_modify format float %%.12f\nrun 0\n"
                % (model, data, MASSES[element], element))
    out = subprocess.run(["lmp", "-in", script, "-log", "none"], capture_output=True, text=True, cwd=work)
    if out.returncode != 0:
        raise RuntimeError("lmp failed:\n" + out.stdout[-2000:] + out.stderr[-2000:])
    lines = out.stdout.splitlines()
    for k, line in enumerate(lines):
        if line.strip() == "PotEng":
            return float(lines[k + 1])
    raise RuntimeError("no PotEng in LAMMPS output")


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
            errors = [abs(snap_energy(model, element, a, work) - a.info["energy"]) / len(a) for a in frames]
            results[kind] = 1e3 * sum(errors) / len(errors)
    if "--json" in sys.argv:
        print(json.dumps({"element": element, "n_configs": len(frames),
                          "snap_energy_mae_meV_per_atom": results["linear"],
                          "qsnap_energy_mae_meV_per_atom": results["quadratic"]}))
    else:
        for kind, mae in results.items():
            print("snap_%s element=%s n=%d energy_mae_meV_per_atom=%.3f" % (kind, element, len(frames), mae))


if __name__ == "__main__":
    main()
