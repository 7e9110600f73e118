"""The driver's published parameter and its Refresh, through LAMMPS' `kim param get|set`: the
per-species reference energy of the model's energy head 0 (kim/driver_parameters.hpp).

    kim_refresh.py EIPNN SCRIPTS_DIR DATA_DIR WORK_DIR [PARAMETER_CHECK]

For a SchNet and a SOAPNet model (one epoch of training, kim_support.train_small) on an mlearn Si
test configuration (frame 9, AIMD-NVT, 64 atoms), on 1 and 2 MPI ranks:
  1. `kim param get reference_energy 1` is the checkpoint's model.head_ref[0] (Si), bit for bit
     (LAMMPS prints it in the shortest form that reads back as the same double);
  2. after `kim param set reference_energy 1 REF+DELTA` (the driver's Refresh takes it up), `kim
     param get` gives the new value, the energy and the sum of the per-atom energies move by
     N * (new - old), each atom's energy by (new - old), and forces and virial stay as they were.
     E = scale * sum_i NN_i + sum_i ref[species_i]: the shift adds N equal terms to sums of a few
     hundred eV, so it is exact but for the round-off of those sums, far below the 1e-10
     relative bound on N * DELTA; the network's part, the forces and the virial do not see the
     reference at all, and are compared at 1e-10 relative to their own scale;
  3. a reference energy that is not finite (LAMMPS reads the literal 1e400 as inf, -1e400 as
     -inf) stops lmp on its error path (exit status 1, no signal, no hang) with the driver's
     message naming the parameter, its index and the species. LAMMPS itself refuses "nan" and
     "inf" as numbers before the driver sees them; that is checked too, as what a user meets.
  4. PARAMETER_CHECK (kim_parameter_check, a minimal KIM simulator; "none" or absent: not run)
     does 2 and 3 through the KIM API itself, checks that a refused value leaves the parameter
     and the model as they were, and writes the changed model (KIM's WriteParameterizedModel).
     Its checkpoint is the original with model.head_ref[0] replaced, every other record equal;
     installed as a portable model, LAMMPS gets REF+DELTA from it and the energy and forces of
     the changed model.

Exit 0 when all hold, 1 otherwise, 77 (skipped) without lmp, mpirun, the KIM API tools,
numpy/ase or the mlearn Si data.
"""
import math
import os
import sys

from kim_support import DRIVER, MODELS, SI_MASS, TRAIN_FRAMES, checkpoint_array, checkpoint_records, export, \
    fresh_collection, install, lmp_command, require_tools, run, stops_cleanly, train_small

FRAME = 9           # of mlearn Si test.extxyz: AIMD-NVT, 64 atoms, not among TRAIN_FRAMES
DELTA = 0.375       # eV per atom; a binary fraction, and ref and ref + DELTA (ref ~ -5 eV) lie within a
                    # factor 2 of each other, so (ref + DELTA) - ref is computed exactly in Python
TOL = 1e-10         # relative, see the docstring
RANKS = (1, 2)


def lammps_input(model, new_ref):
    """Evaluates the configuration and, unless new_ref is None, sets the reference energy of Si and
    evaluates it again; writes the values got and the energies to results.txt, forces and per-atom
    energies to dumps."""
    lines = ["kim init %s metal" % model, "atom_style atomic", "atom_modify map array sort 0 0",
             "boundary p p p", "read_data si.data", "kim interactions Si", "neighbor 1.0 bin",
             "compute pea all pe/atom", "compute pes all reduce sum c_pea", "compute p all pressure NULL virial",
             "thermo_style custom step pe c_pes c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6]"]
    names = ["pe", "c_pes"] + ["c_p[%d]" % c for c in range(1, 7)]
    for i, name in enumerate(names):
        lines += ["variable q%d equal %s" % (i, name), "variable q%d_f format q%d %%.17g" % (i, i)]
    for stage in ("before",) if new_ref is None else ("before", "after"):
        if stage == "after":
            lines.append("kim param set reference_energy 1 %r" % new_ref)
        lines += ["kim param get reference_energy 1 ref_%s" % stage,
                  "dump d all custom 1 %s.dump id fx fy fz c_pea" % stage,
                  "dump_modify d sort id format float %.17g", "run 0", "undump d",
                  'print "%s ${ref_%s} %s" append results.txt screen no'
                  % (stage, stage, " ".join("${q%d_f}" % i for i in range(len(names))))]
    return "\n".join(lines) + "\n"


def run_lammps(model, new_ref, ranks, env, work, np):
    """{stage: (reference got, energy, sum of per-atom energies, virial (6), dump rows)}."""
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write(lammps_input(model, new_ref))
    results = os.path.join(work, "results.txt")
    if os.path.exists(results):
        os.remove(results)
    run(lmp_command(ranks), env, work, "LAMMPS (%d rank%s)" % (ranks, "s" if ranks > 1 else ""))
    out = {}
    with open(results) as f:
        for line in f:
            stage, *values = line.split()
            values = [float(v) for v in values]
            dump = np.loadtxt(os.path.join(work, "%s.dump" % stage), skiprows=9, ndmin=2)
            out[stage] = (values[0], values[1], values[2], np.array(values[3:9]), dump)
    expected = {"before"} if new_ref is None else {"before", "after"}
    if set(out) != expected:
        print("LAMMPS reported %s, not %s" % (sorted(out), sorted(expected)))
        sys.exit(1)
    return out


def rel(a, b, np):
    """max |a - b| / max |b|."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def check_shift(kind, ranks, ref, new_ref, res, n_atoms, np):
    """Prints one line and returns True when the set value is used exactly as described."""
    got_before, e0, pes0, w0, d0 = res["before"]
    got_after, e1, pes1, w1, d1 = res["after"]
    step = new_ref - ref  # exact (see DELTA)
    shift = n_atoms * step
    checks = {
        "get=ckpt": 0.0 if got_before == ref else 1.0,
        "get=set": 0.0 if got_after == new_ref else 1.0,
        "dE": abs((e1 - e0) - shift) / abs(shift),
        "dsumEi": abs((pes1 - pes0) - shift) / abs(shift),
        "dEi": rel(d1[:, 4] - d0[:, 4], np.full(n_atoms, step), np),
        "forces": rel(d1[:, 1:4], d0[:, 1:4], np),
        "virial": rel(w1, w0, np),
    }
    ok = checks["get=ckpt"] == 0 and checks["get=set"] == 0 and all(v <= TOL for v in checks.values())
    ok &= len(d0) == n_atoms and np.array_equal(d0[:, 0], d1[:, 0])
    print("%s %-8s ranks=%d ref=%r -> %r  E %.10f -> %.10f  %s" % (
        "ok  " if ok else "FAIL", kind, ranks, got_before, got_after, e0, e1,
        " ".join("%s=%.1e" % kv for kv in checks.items())))
    return ok


def check_written(kind, ckpt, written, new_ref, changed, res, np):
    """The model WriteParameterizedModel wrote: its checkpoint is ckpt's but for head_ref[0], and
    LAMMPS (res, one rank) gives the published value and the energy and forces of the changed
    model (changed: the original's "after" stage). Prints one line; True when all hold."""
    with open(ckpt, "rb") as f:
        before = {name: value for _, name, _, value in checkpoint_records(f.read())}
    with open(written, "rb") as f:
        after = {name: value for _, name, _, value in checkpoint_records(f.read())}
    expected = dict(before)
    expected["model.head_ref"] = [new_ref] + before["model.head_ref"][1:]
    got, e, _, w, d = res["before"]
    _, e_changed, _, w_changed, d_changed = changed
    checks = {"ckpt": 0.0 if after == expected else 1.0, "get": 0.0 if got == new_ref else 1.0,
              "E": rel(e, e_changed, np), "forces": rel(d[:, 1:4], d_changed[:, 1:4], np),
              "virial": rel(w, w_changed, np)}
    ok = checks["ckpt"] == 0 and checks["get"] == 0 and all(v <= TOL for v in checks.values())
    print("%s %-8s written model: ref=%r E %.10f  %s" % ("ok  " if ok else "FAIL", kind, got, e,
                                                         " ".join("%s=%.1e" % kv for kv in checks.items())))
    return ok


def invalid_input(model, value):
    return "\n".join(["kim init %s metal" % model, "atom_style atomic", "boundary p p p", "read_data si.data",
                      "kim interactions Si", "kim param set reference_energy 1 %s" % value, "run 0"]) + "\n"


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__)
        return 2
    eipnn, scripts, data, work = sys.argv[1:5]
    parameter_check = sys.argv[5] if len(sys.argv) == 6 and sys.argv[5] != "none" else None
    source = require_tools(data)
    import numpy as np
    from ase.io import read, write
    sys.path.insert(0, scripts)
    from stress_convention import write_data

    env = fresh_collection(work)
    frames = read(source, ":")
    write(os.path.join(work, "train.extxyz"), [frames[i] for i in TRAIN_FRAMES])
    atoms = frames[FRAME]
    write_data(os.path.join(work, "si.data"), atoms, SI_MASS)  # energies and forces are compared in one frame

    ok = True
    driver_installed = False
    for kind in MODELS:
        name = "eipnn_refresh_%s_Si" % kind
        ckpt = os.path.join(work, kind + ".ckpt")
        train_small(eipnn, kind, "train.extxyz", ckpt, env, work)
        head_ref = checkpoint_array(ckpt, "model.head_ref")  # (n_heads, n_species), head 0 first; Si only here
        ref = head_ref[0]
        if not (math.isfinite(ref) and ref != 0.0):
            # training sets it to the data's mean energy per Si atom; 0 would let a driver that
            # publishes zeros pass check 1
            print("FAIL %s: the trained head_ref[0] is %r, expected a mean energy per atom" % (kind, ref))
            return 1
        new_ref = ref + DELTA
        items = os.path.join(work, "items_" + kind)
        model_item = export(eipnn, ckpt, name, items, env, work)
        if not driver_installed:
            install(os.path.join(items, DRIVER), env, work)
            driver_installed = True
        install(model_item, env, work)
        shifted = {}
        for ranks in RANKS:
            shifted[ranks] = run_lammps(name, new_ref, ranks, env, work, np)
            ok &= check_shift(kind, ranks, ref, new_ref, shifted[ranks], len(atoms), np)
        if parameter_check:
            check_dir = os.path.join(work, "parameters_" + kind)  # its own kim.log
            written_dir = os.path.join(work, "written_" + kind)
            written = name + "_written"
            os.makedirs(check_dir)
            print(run([parameter_check, name, repr(DELTA), written_dir, written], env, check_dir,
                      "kim_parameter_check").strip())
            install(written_dir, env, work)
            ok &= check_written(kind, ckpt, os.path.join(written_dir, written + ".ckpt"), new_ref,
                                shifted[1]["after"], run_lammps(written, None, 1, env, work, np), np)
        for ranks in RANKS:
            for value, shown in (("1e400", "inf"), ("-1e400", "-inf")):
                ok &= stops_cleanly("%s reference %s" % (kind, value), invalid_input(name, value), ranks,
                                    ["ERROR from the eipnn KIM driver", "reference_energy[0] (Si, LAMMPS kim param "
                                     "index 1) = %s is not a finite number" % shown,
                                     "KIM_Model_ClearThenRefresh returned error"], env, work)
    for value in ("nan", "inf"):
        ok &= stops_cleanly("reference %s (LAMMPS)" % value, invalid_input(name, value), 1,
                            ["Expected floating point parameter instead of '%s'" % value], env, work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
