#!/usr/bin/python3
"""Which order and sign the six `virial_stress_kbar` components of the mlearn data have.

The source (mlearn, pymatgen dicts from VASP) stores six numbers in kbar and does not say which
tensor component each one is, nor whether it is stress or pressure. This script answers it with an
independent model fitted to the same data: the OpenKIM SNAP models of Zuo, Chen, Li et al. (2019),
evaluated by LAMMPS through `kim init MODEL metal` / `kim interactions El`. For every configuration
it computes the model's stress tensor in the data's own frame, then tries every assignment of the
six DFT numbers to the six distinct tensor components, with every sign pattern (720 * 64), and
ranks the assignments by their residual against the model over all configurations. SNAP's test
errors are a few percent, so a single configuration proves little; the ranking over hundreds does.
The three shear entries turn out not to follow one order across the data, so they are also ranked
per element and config type, with per-configuration votes between the two candidate orders.

  stress_convention.py [--elements si,ge,mo] [--splits training,test] [--data DIR] [--types Elastic,...]

DIR defaults to ../shared/data relative to the repository. Prints a check of the frame handling
(SNAP vs DFT forces), the overall ranking and the per-group table (kbar residuals). The numbers of
a run, and the conclusion the library draws from them, are in include/eipnn/train/stress_labels.hpp.
Exit code 3 when ase, numpy, lmp or a KIM model is missing (callers report a skip).
"""
import argparse
import itertools
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

ELEMENTS = {"si": ("Si", 28.0855), "ge": ("Ge", 72.630), "mo": ("Mo", 95.95)}
# The six distinct components of a symmetric tensor, as (row, column); names for the report.
COMPONENTS = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
NAMES = ["xx", "yy", "zz", "yz", "xz", "xy"]
BAR_PER_KBAR = 1000.0


def kim_model(element):
    """The installed name of the linear SNAP of the mlearn paper (the quadratic one would do as
    well; one independent model is enough), as the KIM API lists it, or None."""
    stem = "SNAP_ZuoChenLi_2019_%s__MO_" % element
    try:
        listed = subprocess.run(["kim-api-collections-management", "list"], capture_output=True, text=True).stdout
    except OSError:
        return None
    found = sorted(w for w in listed.split() if w.startswith(stem))
    return found[0] if found else None


def lammps_frame(lattice):
    """Rotation R (rows e1, e2, e3; r' = R r) taking the cell to LAMMPS's restricted triclinic form
    (a along x, b in the xy plane), and the rotated lattice. The same construction as
    tests/reference/lammps_harness.hpp: a left-handed cell has c replaced by -c (same lattice)."""
    L = np.array(lattice, dtype=float)
    if np.dot(L[0], np.cross(L[1], L[2])) < 0:
        L[2] = -L[2]
    e1 = L[0] / np.linalg.norm(L[0])
    e2 = L[1] - np.dot(L[1], e1) * e1
    e2 /= np.linalg.norm(e2)
    R = np.array([e1, e2, np.cross(e1, e2)])
    return R, L @ R.T


def write_data(path, atoms, mass):
    """LAMMPS data file of `atoms` in LAMMPS's frame; returns R to rotate results back."""
    R, L = lammps_frame(atoms.cell.array)
    # Reduce the tilts (|xy| <= lx/2, ...), which LAMMPS requires: the same infinite crystal.
    L[2] -= np.round(L[2][1] / L[1][1]) * L[1]
    L[2] -= np.round(L[2][0] / L[0][0]) * L[0]
    L[1] -= np.round(L[1][0] / L[0][0]) * L[0]
    pos = atoms.positions @ R.T
    frac = pos @ np.linalg.inv(L)
    frac -= np.floor(frac)          # wrap into the reduced cell so read_data needs no remapping
    pos = frac @ L
    with open(path, "w") as f:
        f.write("stress_convention.py\n\n%d atoms\n1 atom types\n\n" % len(atoms))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n" % (L[0][0], L[1][1], L[2][2]))
        f.write("%.17g %.17g %.17g xy xz yz\n\nMasses\n\n1 %g\n\nAtoms # atomic\n\n" % (L[1][0], L[2][0], L[2][1], mass))
        for i, r in enumerate(pos):
            f.write("%d 1 %.17g %.17g %.17g\n" % (i + 1, r[0], r[1], r[2]))
    return R


def snap_stress_and_forces(model, element, mass, frames, work):
    """Model stress (3x3, kbar, tension positive) and forces (eV/Å) of each frame in the data's
    frame. One LAMMPS process runs all frames (`clear` between them) to spare the start-up."""
    rotations = []
    script = ["log none"]
    for k, atoms in enumerate(frames):
        rotations.append(write_data(os.path.join(work, "f%d.data" % k), atoms, mass))
        # compute pressure with NULL temperature: the virial part only, the potential's own
        # stress (the atoms have no velocities here anyway); thermo invokes it on step 0 so the
        # variables below read a current value.
        script += [
            "clear", "kim init %s metal" % model, "atom_style atomic", "atom_modify map array sort 0 0",
            "boundary p p p", "read_data f%d.data" % k, "kim interactions %s" % element, "neighbor 1.0 bin",
            "compute p all pressure NULL virial",
            "thermo_style custom step c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6]",
            "dump d all custom 1 f%d.dump id fx fy fz" % k, "dump_modify d sort id format float %.17g",
            "run 0", "undump d",
        ]
        for c, name in enumerate(["pxx", "pyy", "pzz", "pxy", "pxz", "pyz"]):
            script += ["variable %s equal c_p[%d]" % (name, c + 1), "variable %s_f format %s %%.17g" % (name, name)]
        script.append('print "%d ${pxx_f} ${pyy_f} ${pzz_f} ${pxy_f} ${pxz_f} ${pyz_f}" append pressure.txt screen no' % k)
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write("\n".join(script) + "\n")
    out = subprocess.run(["lmp", "-in", "in.lmp", "-screen", "none", "-nocite"], capture_output=True, text=True, cwd=work)
    if out.returncode != 0:
        raise RuntimeError("lmp failed:\n" + out.stdout[-2000:] + out.stderr[-2000:])
    stresses, forces = [], []
    with open(os.path.join(work, "pressure.txt")) as f:
        rows = [list(map(float, line.split())) for line in f if line.strip()]
    for k, (atoms, R) in enumerate(zip(frames, rotations)):
        row = rows[k]
        assert int(row[0]) == k
        pxx, pyy, pzz, pxy, pxz, pyz = row[1:]
        P = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]])
        # LAMMPS reports pressure (bar, compression positive): stress = -pressure, and the
        # tensor goes back from the rotated frame (sigma' = R sigma R^T) to the data's frame.
        stresses.append(R.T @ (-P / BAR_PER_KBAR) @ R)
        dump = np.loadtxt(os.path.join(work, "f%d.dump" % k), skiprows=9, ndmin=2)
        forces.append(dump[:, 1:4] @ R)
    return stresses, forces


def rank_assignments(dft, model, entries, components):
    """dft (n, 6) as stored; model (n, 6) in COMPONENTS order, kbar. Every assignment of the
    stored `entries` to the tensor `components` (indices into COMPONENTS) is a permutation p
    (stored entry entries[k] is component p[k]) with signs s (stored = s * component).
    Returns [(rms residual, p, s)] sorted, best first."""
    n, m = len(dft), len(entries)
    # cost[k, j, t]: squared residual of stored entry k read as sign t of component j. The total
    # of an assignment is a sum over entries, so it is assembled from this table.
    cost = np.zeros((m, 6, 2))
    for k, e in enumerate(entries):
        for j in components:
            for t, s in enumerate((1.0, -1.0)):
                cost[k, j, t] = np.sum((dft[:, e] - s * model[:, j]) ** 2)
    ranking = []
    for p in itertools.permutations(components):
        for signs in itertools.product((0, 1), repeat=m):
            total = sum(cost[k, p[k], signs[k]] for k in range(m))
            ranking.append((np.sqrt(total / (m * n)), p, tuple(1 - 2 * t for t in signs)))
    ranking.sort(key=lambda r: r[0])
    return ranking


def describe(p, s):
    return " ".join(("+" if s[k] > 0 else "-") + NAMES[p[k]] for k in range(len(p)))


# The two shear orders that the ranking singles out, entries 3, 4, 5 (see the report).
SHEAR_ORDERS = {"xy xz yz": (5, 4, 3), "xy yz xz": (5, 3, 4)}


def shear_votes(dft, model, margin):
    """Per configuration, which of SHEAR_ORDERS (both read with sign -1) fits the stored shear
    entries better, counted only where the two differ by more than `margin` kbar (rms over the
    three entries): shear-free cells and noisy snapshots vote for neither."""
    votes = {name: 0 for name in SHEAR_ORDERS}
    for d, m in zip(dft, model):
        res = {name: np.sqrt(np.mean((d[3:] + m[list(p)]) ** 2)) for name, p in SHEAR_ORDERS.items()}
        (a, ra), (b, rb) = sorted(res.items(), key=lambda kv: kv[1])
        if rb - ra > margin:
            votes[a] += 1
    return votes


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elements", default="si,ge,mo")
    ap.add_argument("--splits", default="training,test")
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--types", default="", help="only these config types (comma separated); default all")
    ap.add_argument("--margin", type=float, default=5.0, help="kbar; see shear_votes")
    args = ap.parse_args()
    if shutil.which("lmp") is None:
        print("lmp not found", file=sys.stderr)
        sys.exit(3)

    rows = []   # (element, config type, stored six, model six)
    for key in args.elements.split(","):
        element, mass = ELEMENTS[key]
        model = kim_model(element)
        if model is None:
            print("no KIM model SNAP_ZuoChenLi_2019_%s" % element, file=sys.stderr)
            sys.exit(3)
        for split in args.splits.split(","):
            frames = ase.io.read(os.path.join(args.data, "mlearn-%s" % key, "%s.extxyz" % split), ":")
            if args.types:
                frames = [a for a in frames if a.info.get("config_type") in args.types.split(",")]
            with tempfile.TemporaryDirectory() as work:
                stresses, forces = snap_stress_and_forces(model, element, mass, frames, work)
            # Forces check the frame handling: a wrong rotation would leave errors of the size
            # of the forces themselves (Elastic cells have zero forces by symmetry, the rest do not).
            df = np.concatenate([a.get_forces() - f for a, f in zip(frames, forces)])
            rms = np.sqrt(np.mean(np.concatenate([a.get_forces() for a in frames]) ** 2))
            print("%s %s: %d configurations, %s; forces SNAP vs DFT rms difference %.3f eV/A "
                  "(DFT forces rms %.3f)" % (element, split, len(frames), model, np.sqrt(np.mean(df ** 2)), rms))
            for atoms, S in zip(frames, stresses):
                rows.append((element, atoms.info.get("config_type", ""),
                             np.asarray(atoms.info["virial_stress_kbar"], dtype=float),
                             np.array([S[r, c] for r, c in COMPONENTS])))

    dft = np.array([r[2] for r in rows])
    model = np.array([r[3] for r in rows])
    print("\nAll %d configurations, every assignment of the six stored entries to signed tensor components;"
          "\nrms residual (kbar) of: stored entry k = sign * model component" % len(rows))
    ranking = rank_assignments(dft, model, range(6), range(6))
    for res, p, s in ranking[:4]:
        print("  %8.3f   %s" % (res, describe(p, s)))
    bp, bs = ranking[0][1], ranking[0][2]
    flipped = next(r for r in ranking if r[1] == bp and r[2] == tuple(-x for x in bs))
    print("  %8.3f   %s   (the best with every sign flipped)" % (flipped[0], describe(flipped[1], flipped[2])))

    # The diagonal dominates that total; the shear entries are ranked on their own per group,
    # since they turn out not to follow one order across the data.
    print("\nPer element and config type: the best and second-best assignment of the diagonal entries 0-2,"
          "\nthe best of the shear entries 3-5, the rms residual (kbar) of the shear entries under each of"
          "\nthe two shear orders (both read with sign -1), and per-configuration votes between those two"
          "\n(margin %.0f kbar):" % args.margin)
    print("  %-2s %-8s %4s  %-16s %6s %6s   %-16s %6s   %8s %8s   %s" % (
        "", "type", "n", "diag best", "rms", "2nd", "shear best", "rms", "xy xz yz", "xy yz xz", "votes"))
    groups = sorted(set((r[0], r[1]) for r in rows))
    for g in groups:
        sel = np.array([(r[0], r[1]) == g for r in rows])
        d, m = dft[sel], model[sel]
        diag = rank_assignments(d, m, range(3), range(3))
        shear = rank_assignments(d, m, range(3, 6), range(3, 6))
        orders = [np.sqrt(np.mean((d[:, 3:] + m[:, list(p)]) ** 2)) for p in SHEAR_ORDERS.values()]
        votes = shear_votes(d, m, args.margin)
        print("  %-2s %-8s %4d  %-16s %6.2f %6.2f   %-16s %6.2f   %8.2f %8.2f   %d : %d" % (
            g[0], g[1], sel.sum(), describe(diag[0][1], diag[0][2]), diag[0][0], diag[1][0],
            describe(shear[0][1], shear[0][2]), shear[0][0], orders[0], orders[1], *votes.values()))


if __name__ == "__main__":
    main()
