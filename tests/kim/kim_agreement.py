"""LAMMPS through the KIM API agrees with `eipnn eval`: energy, forces and virial of a SchNet and a
SOAPNet model on mlearn Si test configurations (a strongly sheared vacancy cell, a surface slab, an
AIMD snapshot, a strained triclinic cell), on 1 MPI rank and on 2.

    kim_agreement.py EIPNN SCRIPTS_DIR DATA_DIR WORK_DIR [SPECIES_CHECK]

EIPNN: the eipnn binary; SCRIPTS_DIR: the project's scripts/ (stress_convention.py writes LAMMPS
data files in LAMMPS' rotated frame); DATA_DIR: ../shared/data; WORK_DIR: scratch (emptied);
SPECIES_CHECK: kim_species_check (a minimal KIM simulator: particle energies, an unknown species
code refused with a log message naming it), run on each installed model; "none" or absent: not run.
Nothing is trained for real: `eipnn train --epochs 1` on four configurations gives models whose
weights are as arbitrary as a test needs. Both items are installed into an "environment"
collection inside WORK_DIR, never into $HOME.

Exit 0 when everything agrees to 1e-10 relative, 1 when something does not, 77 (ctest: skipped)
when lmp, mpirun, the KIM API tools, numpy/ase or the data are missing.
"""
import os
import shutil
import subprocess
import sys

SKIP = 77
TOL = 1e-10          # relative; the two sides differ only by summation order and the rotation of
                     # the cell into LAMMPS' frame (each ~1e-16 relative), not by physics
NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Å^3 (force->nktv2p)
SI_MASS = 28.0855
TRAIN_FRAMES = (10, 11, 19, 20)
CHECK_FRAMES = (0, 8, 9, 23)  # Vacancy (angle 33°), Surface, AIMD-NVT, Elastic (triclinic)
MODELS = {
    "schnet": ["--model", "schnet", "--features", "8", "--rbf", "16", "--interactions", "2", "--head-hidden", "8"],
    "soapnet": ["--model", "soapnet", "--n-max", "4", "--l-max", "3", "--features", "8", "--backbone-layers", "2",
                "--head-hidden", "8"],
}
DRIVER = "eipnn_model_driver"


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def run(cmd, env, cwd, what):
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        print("%s failed (%s):\n%s\n%s" % (what, " ".join(cmd), out.stdout[-3000:], out.stderr[-3000:]))
        sys.exit(1)
    return out.stdout


def lammps_input(model, n_frames):
    """One LAMMPS script evaluating f<k>.data for every k: pe, the virial pressure, the sums of
    the per-atom energies and stresses (the KIM particle energy and virial), dumped forces."""
    lines = ["log none"]
    for k in range(n_frames):
        lines += [
            "clear", "kim init %s metal" % model, "atom_style atomic", "atom_modify map array sort 0 0",
            "boundary p p p", "read_data f%d.data" % k, "kim interactions Si", "neighbor 1.0 bin",
            "compute p all pressure NULL virial",
            "compute pea all pe/atom", "compute sa all stress/atom NULL virial",
            "compute pes all reduce sum c_pea",
            "compute ss all reduce sum c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]",
            "thermo_style custom step pe vol c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6] c_pes "
            "c_ss[1] c_ss[2] c_ss[3] c_ss[4] c_ss[5] c_ss[6]",
            "dump d all custom 1 f%d.dump id fx fy fz" % k, "dump_modify d sort id format float %.17g",
            "run 0", "undump d",
        ]
        names = ["pe", "vol"] + ["c_p[%d]" % c for c in range(1, 7)] + ["c_pes"] + ["c_ss[%d]" % c for c in range(1, 7)]
        for i, name in enumerate(names):
            lines += ["variable q%d equal %s" % (i, name), "variable q%d_f format q%d %%.17g" % (i, i)]
        lines.append('print "%d %s" append results.txt screen no' % (k, " ".join("${q%d_f}" % i for i in range(len(names)))))
    return "\n".join(lines) + "\n"


def voigt_to_matrix(xx, yy, zz, xy, xz, yz, np):
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def run_lammps(model, frames, rotations, work, env, ranks, np):
    """Per frame: energy, forces (data frame), virial W (data frame, eipnn's sign), sum of the
    per-atom energies, virial from the per-atom stresses."""
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write(lammps_input(model, len(frames)))
    if os.path.exists(os.path.join(work, "results.txt")):
        os.remove(os.path.join(work, "results.txt"))
    cmd = ["lmp", "-in", "in.lmp", "-screen", "none", "-nocite"]
    if ranks > 1:
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + cmd
    run(cmd, env, work, "LAMMPS (%d rank%s)" % (ranks, "s" if ranks > 1 else ""))
    with open(os.path.join(work, "results.txt")) as f:
        rows = [list(map(float, line.split())) for line in f if line.strip()]
    if len(rows) != len(frames):
        print("LAMMPS reported %d of %d configurations" % (len(rows), len(frames)))
        sys.exit(1)
    out = []
    for k, (atoms, R) in enumerate(zip(frames, rotations)):
        row = rows[k]
        e, vol = row[1], row[2]
        P = voigt_to_matrix(*row[3:9], np)
        S = voigt_to_matrix(*row[10:16], np)
        # pressure (virial only) p = W / V * nktv2p; per-atom stress s_i = -W_i * nktv2p; both in
        # LAMMPS' rotated frame, W = R^T W' R back in the data's
        W = R.T @ (P * vol / NKTV2P) @ R
        W_atoms = R.T @ (-S / NKTV2P) @ R
        dump = np.loadtxt(os.path.join(work, "f%d.dump" % k), skiprows=9, ndmin=2)
        if len(dump) != len(atoms):
            print("configuration %d: %d forces for %d atoms" % (k, len(dump), len(atoms)))
            sys.exit(1)
        out.append({"energy": e, "forces": dump[:, 1:4] @ R, "virial": W, "atom_energy_sum": row[9],
                    "atom_virial_sum": W_atoms})
    return out


def rel(a, b, np):
    """max |a - b| / max |b|: componentwise differences against the quantity's scale."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__)
        return 2
    eipnn, scripts, data, work = sys.argv[1:5]
    species_check = sys.argv[5] if len(sys.argv) == 6 and sys.argv[5] != "none" else None
    for tool in ("lmp", "kim-api-collections-management", "mpirun"):
        if shutil.which(tool) is None:
            skip("%s not found (Debian: lammps, libkim-api-dev, openmpi-bin)" % tool)
    try:
        import numpy as np
        from ase.io import read, write
    except ImportError as e:
        skip("python module missing: %s" % e)
    source = os.path.join(data, "mlearn-si", "test.extxyz")
    if not os.path.exists(source):
        skip("%s not found (the mlearn Si data, ../shared/data)" % source)
    sys.path.insert(0, scripts)
    from stress_convention import write_data

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "tmp"))
    env = dict(os.environ)
    for var, sub in (("KIM_API_MODEL_DRIVERS_DIR", "md"), ("KIM_API_PORTABLE_MODELS_DIR", "pm"),
                     ("KIM_API_SIMULATOR_MODELS_DIR", "sm")):
        env[var] = os.path.join(work, "collection", sub)
        os.makedirs(env[var])
    env["TMPDIR"] = os.path.join(work, "tmp")  # the item builds of kim-api-collections-management
    env["OMP_NUM_THREADS"] = "1"

    frames = read(source, ":")
    write(os.path.join(work, "train.extxyz"), [frames[i] for i in TRAIN_FRAMES])
    check = [frames[i] for i in CHECK_FRAMES]
    write(os.path.join(work, "check.extxyz"), check)
    rotations = [write_data(os.path.join(work, "f%d.data" % k), a, SI_MASS) for k, a in enumerate(check)]

    worst = 0.0
    failed = False
    driver_installed = False
    print("%-8s %-10s %-9s %10s %10s %10s %10s %10s" % ("model", "frame", "ranks", "energy", "forces", "virial",
                                                      "sum E_i", "sum W_i"))
    for kind, flags in MODELS.items():
        name = "eipnn_test_%s_Si" % kind
        ckpt = os.path.join(work, kind + ".ckpt")
        run([eipnn, "train", "--train", "train.extxyz", "--split", "0.75", "0.25", "--epochs", "1", "--threads", "1",
             "--out", ckpt] + flags, env, work, "eipnn train")
        pred_file = os.path.join(work, kind + "_pred.extxyz")
        run([eipnn, "eval", "--model", ckpt, "--data", "check.extxyz", "--out", pred_file, "--threads", "1"], env, work,
            "eipnn eval")
        pred = read(pred_file, ":")
        items = os.path.join(work, "items_" + kind)
        run([eipnn, "export-kim", "--model", ckpt, "--name", name, "--out", items], env, work, "eipnn export-kim")
        if not driver_installed:
            run(["kim-api-collections-management", "install", "environment", os.path.join(items, DRIVER)], env, work,
                "installing the driver")
            driver_installed = True
        run(["kim-api-collections-management", "install", "environment", os.path.join(items, name)], env, work,
            "installing the model")
        if species_check:
            check_dir = os.path.join(work, "species_" + kind)  # its own kim.log
            os.makedirs(check_dir)
            print(run([species_check, name], env, check_dir, "kim_species_check").strip())
        by_ranks = {r: run_lammps(name, check, rotations, work, env, r, np) for r in (1, 2)}
        for k, p in enumerate(pred):
            ref = {"energy": p.info["energy_eipnn"], "forces": p.arrays["forces_eipnn"],
                   "virial": np.reshape(p.info["virial_eipnn"], (3, 3))}
            label = "%d:%s" % (CHECK_FRAMES[k], check[k].info.get("config_type", "?"))
            for ranks, res in by_ranks.items():
                r = res[k]
                d = [rel(r["energy"], ref["energy"], np), rel(r["forces"], ref["forces"], np),
                     rel(r["virial"], ref["virial"], np), rel(r["atom_energy_sum"], ref["energy"], np),
                     rel(r["atom_virial_sum"], ref["virial"], np)]
                print("%-8s %-10s %-9s %10.2e %10.2e %10.2e %10.2e %10.2e" % ((kind, label, "%d vs eval" % ranks) + tuple(d)))
                worst = max(worst, max(d))
                failed |= any(not (x <= TOL) for x in d)
            one, two = by_ranks[1][k], by_ranks[2][k]
            d = [rel(two[q], one[q], np) for q in ("energy", "forces", "virial", "atom_energy_sum", "atom_virial_sum")]
            print("%-8s %-10s %-9s %10.2e %10.2e %10.2e %10.2e %10.2e" % ((kind, label, "2 vs 1") + tuple(d)))
            failed |= any(not (x <= TOL) for x in d)
    print("largest relative difference against eipnn eval: %.2e (tolerance %.0e)" % (worst, TOL))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
