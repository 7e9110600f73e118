"""LAMMPS through the KIM API agrees with `eipnn eval`: energy, forces and virial of a SchNet and a
SOAPNet model on mlearn Si test configurations (a strongly sheared vacancy cell, a surface slab, an
AIMD snapshot, a strained triclinic cell) and a rattled 2-atom primitive diamond cell (3.1 Å wide,
far less than SchNet's 10 Å reach here), on 1, 2 and 3 MPI ranks (3 splits a cell unevenly, so
domains get different numbers of atoms and ghosts than with 2).

A cell narrower than the influence distance needs no care in the driver: LAMMPS' brick
communication repeats its ghost exchange until the shell is as deep as asked (several periodic
images, and with several ranks the domains beyond the next one), and the primitive cell checks that
the answer is still eipnn eval's.

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
import sys

from kim_support import DRIVER, MODELS, SI_MASS, TRAIN_FRAMES, export, fresh_collection, install, lmp_command, \
    require_tools, run, train_small

TOL = 1e-10          # relative; the two sides differ only by summation order and the rotation of
                     # the cell into LAMMPS' frame (each ~1e-16 relative), not by physics
NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Å^3 (force->nktv2p)
CHECK_FRAMES = (0, 8, 9, 23)  # Vacancy (angle 33°), Surface, AIMD-NVT, Elastic (triclinic)
RANKS = (1, 2, 3)  # MPI ranks of lmp; the first is the reference of the others


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
    run(lmp_command(ranks), env, work, "LAMMPS (%d rank%s)" % (ranks, "s" if ranks > 1 else ""))
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
    source = require_tools(data)
    import numpy as np
    from ase.build import bulk
    from ase.io import read, write
    sys.path.insert(0, scripts)
    from stress_convention import write_data

    env = fresh_collection(work)

    frames = read(source, ":")
    write(os.path.join(work, "train.extxyz"), [frames[i] for i in TRAIN_FRAMES])
    check = [frames[i] for i in CHECK_FRAMES]
    tiny = bulk("Si", "diamond", a=5.43)  # the primitive cell: 2 atoms, 3.1 Å between its faces
    tiny.rattle(0.05, seed=1)
    # extxyz keeps 8 decimals: positions given with 6 reach eval and the data file unchanged
    tiny.positions = np.vectorize(lambda v: float("%.6f" % v))(tiny.positions)
    tiny.info.update(energy=0.0, config_type="Primitive")  # eval needs a label; its value is unused
    check.append(tiny)
    write(os.path.join(work, "check.extxyz"), check)
    rotations = [write_data(os.path.join(work, "f%d.data" % k), a, SI_MASS) for k, a in enumerate(check)]

    worst = 0.0
    failed = False
    driver_installed = False
    print("%-8s %-10s %-9s %10s %10s %10s %10s %10s" % ("model", "frame", "ranks", "energy", "forces", "virial",
                                                      "sum E_i", "sum W_i"))
    for kind in MODELS:
        name = "eipnn_test_%s_Si" % kind
        ckpt = os.path.join(work, kind + ".ckpt")
        train_small(eipnn, kind, "train.extxyz", ckpt, env, work)
        pred_file = os.path.join(work, kind + "_pred.extxyz")
        run([eipnn, "eval", "--model", ckpt, "--data", "check.extxyz", "--out", pred_file, "--threads", "1"], env, work,
            "eipnn eval")
        pred = read(pred_file, ":")
        items = os.path.join(work, "items_" + kind)
        model_item = export(eipnn, ckpt, name, items, env, work)
        if not driver_installed:
            install(os.path.join(items, DRIVER), env, work)
            driver_installed = True
        install(model_item, env, work)
        if species_check:
            check_dir = os.path.join(work, "species_" + kind)  # its own kim.log
            os.makedirs(check_dir)
            print(run([species_check, name], env, check_dir, "kim_species_check").strip())
        by_ranks = {r: run_lammps(name, check, rotations, work, env, r, np) for r in RANKS}
        for k, p in enumerate(pred):
            ref = {"energy": p.info["energy_eipnn"], "forces": p.arrays["forces_eipnn"],
                   "virial": np.reshape(p.info["virial_eipnn"], (3, 3))}
            label = "%s:%s" % ((CHECK_FRAMES + ("-",))[k], check[k].info.get("config_type", "?"))
            for ranks, res in by_ranks.items():
                r = res[k]
                d = [rel(r["energy"], ref["energy"], np), rel(r["forces"], ref["forces"], np),
                     rel(r["virial"], ref["virial"], np), rel(r["atom_energy_sum"], ref["energy"], np),
                     rel(r["atom_virial_sum"], ref["virial"], np)]
                print("%-8s %-10s %-9s %10.2e %10.2e %10.2e %10.2e %10.2e" % ((kind, label, "%d vs eval" % ranks) + tuple(d)))
                worst = max(worst, max(d))
                failed |= any(not (x <= TOL) for x in d)
            one = by_ranks[1][k]
            for ranks in RANKS[1:]:
                many = by_ranks[ranks][k]
                d = [rel(many[q], one[q], np) for q in ("energy", "forces", "virial", "atom_energy_sum", "atom_virial_sum")]
                print("%-8s %-10s %-9s %10.2e %10.2e %10.2e %10.2e %10.2e" % ((kind, label, "%d vs 1" % ranks) + tuple(d)))
                failed |= any(not (x <= TOL) for x in d)
    print("largest relative difference against eipnn eval: %.2e (tolerance %.0e)" % (worst, TOL))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
