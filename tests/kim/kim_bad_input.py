"""Bad input through LAMMPS stops cleanly: `lmp` ends on its error path (exit status 1, no signal)
with a message that says what went wrong and where, never a crash or a hang.

    kim_bad_input.py EIPNN SCRIPTS_DIR DATA_DIR WORK_DIR

Portable models whose parameter file is broken (the checkpoint is copied into the item after
`eipnn export-kim` checked it, as a damaged file or a hand-made item would be):
  truncated        the second half cut off           -> the driver: "truncated"
  flipped          bytes inverted inside the payload -> the driver: "checksum mismatch"
  unknown kind     a valid file of model kind "painn" -> the driver: "unknown model kind"
each on 1 rank and on 2 (every rank reads the file, so all stop together). A valid SOAPNet Si model
with input it cannot run:
  Ge               `kim interactions Ge`, and a data file of two atom types mapped to Si Ge: LAMMPS
                   itself refuses the species ("symbol not found: Ge", asking the KIM API which
                   species the model has) before the driver computes anything
  overlap          two atoms 0.01 Å apart -> the driver: "closer than the minimum", 1 and 2 ranks.
                   With 2 ranks only the rank owning them fails, and LAMMPS reports a failed
                   compute with a collective (error->all) the other rank never joins: the driver
                   ends that process itself (kim/driver_routines.hpp) and mpirun stops the job.
The time limit of every run turns a hang into a failure.

Exit 0 when every case stops as described, 1 otherwise, 77 (skipped) without lmp, mpirun, the KIM
API tools, numpy/ase or the data.
"""
import os
import struct
import sys

from kim_support import DRIVER, SI_MASS, TRAIN_FRAMES, checkpoint_records, export, fresh_collection, install, \
    require_tools, stops_cleanly, train_small


def fnv1a64(data):
    h = 1469598103934665603
    for c in data:
        h = ((h ^ c) * 1099511628211) % (1 << 64)
    return h


def with_kind(raw, kind):
    """The checkpoint (io/checkpoint.hpp's layout) with its string record model.kind replaced, the
    length and checksum rewritten: a valid file of a kind eipnn does not have."""
    out = b""
    for record_kind, name, record, _ in checkpoint_records(raw):
        if record_kind == b"S" and name == "model.kind":
            value = kind.encode()
            record = record[:5 + len(name)] + struct.pack("<Q", len(value)) + value
        out += record
    return raw[:12] + struct.pack("<Q", len(out)) + out + struct.pack("<Q", fnv1a64(out))


DAMAGE = {
    "truncated": lambda raw: raw[:len(raw) // 2],
    "flipped": lambda raw: raw[:len(raw) // 2] + bytes(b ^ 0xFF for b in raw[len(raw) // 2:len(raw) // 2 + 16]) +
    raw[len(raw) // 2 + 16:],
    "unknown_kind": lambda raw: with_kind(raw, "painn"),
}
EXPECTED = {"truncated": "truncated", "flipped": "checksum mismatch", "unknown_kind": "unknown model kind 'painn'"}


def write_typed_data(path, atoms, types):
    """A LAMMPS data file of an orthorhombic cell (no rotation into LAMMPS' frame needed) with the
    given atom type of each atom; stress_convention.write_data writes one type only."""
    lx, ly, lz = atoms.cell.lengths()
    with open(path, "w") as f:
        f.write("kim_bad_input.py\n\n%d atoms\n%d atom types\n\n" % (len(atoms), max(types)))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\nMasses\n\n" % (lx, ly, lz))
        f.write("".join("%d %g\n" % (t, SI_MASS) for t in range(1, max(types) + 1)))
        f.write("\nAtoms # atomic\n\n")
        for i, (t, r) in enumerate(zip(types, atoms.positions)):
            f.write("%d %d %.17g %.17g %.17g\n" % (i + 1, t, r[0], r[1], r[2]))


def lammps_input(model, data, elements):
    return "\n".join(["kim init %s metal" % model, "atom_style atomic", "boundary p p p", "read_data %s" % data,
                      "kim interactions %s" % elements, "run 0"]) + "\n"


def bad_run(label, model, data, elements, ranks, expected, env, work):
    return stops_cleanly(label, lammps_input(model, data, elements), ranks, expected, env, work)


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    eipnn, scripts, data, work = sys.argv[1:5]
    source = require_tools(data)
    from ase.build import bulk
    from ase.io import read, write
    sys.path.insert(0, scripts)
    from stress_convention import write_data

    env = fresh_collection(work)
    frames = read(source, ":")
    write(os.path.join(work, "train.extxyz"), [frames[i] for i in TRAIN_FRAMES])
    ckpt = os.path.join(work, "soapnet.ckpt")
    train_small(eipnn, "soapnet", "train.extxyz", ckpt, env, work)
    items = os.path.join(work, "items")
    good = "eipnn_bad_input_Si"
    install_list = [os.path.join(items, DRIVER), export(eipnn, ckpt, good, items, env, work)]
    with open(ckpt, "rb") as f:
        raw = f.read()
    for damage, change in DAMAGE.items():
        item = export(eipnn, ckpt, "eipnn_" + damage, items, env, work)
        with open(os.path.join(item, "eipnn_%s.ckpt" % damage), "wb") as f:
            f.write(change(raw))
        install_list.append(item)
    for item in install_list:
        install(item, env, work)

    crystal = bulk("Si", "diamond", a=5.43, cubic=True).repeat((2, 2, 2))  # 64 atoms, 10.9 Å
    write_data(os.path.join(work, "si.data"), crystal, SI_MASS)
    write_typed_data(os.path.join(work, "sige.data"), crystal, [1, 2] * (len(crystal) // 2))
    overlap = crystal.copy()
    overlap.positions[5] = overlap.positions[4] + [0.01, 0.0, 0.0]
    write_data(os.path.join(work, "overlap.data"), overlap, SI_MASS)

    ok = True
    for ranks in (1, 2):
        for damage in DAMAGE:
            # the driver's reason, the file it names and LAMMPS' own stop (on 1 rank LAMMPS writes it)
            ok &= bad_run(damage, "eipnn_" + damage, "si.data", "Si", ranks,
                          [EXPECTED[damage], "parameter file eipnn_%s.ckpt" % damage,
                           "Unable to load KIM Simulator Model"], env, work)
        ok &= bad_run("kim interactions Ge", good, "si.data", "Ge", ranks, ["symbol not found: Ge"], env, work)
        ok &= bad_run("types mapped to Si Ge", good, "sige.data", "Si Ge", ranks, ["symbol not found: Ge"], env,
                      work)
        overlap_expected = ["closer than the minimum 0.1", "two atoms overlap"]
        overlap_expected.append("KIM Compute returned error" if ranks == 1 else "so that the run does not hang")
        ok &= bad_run("overlapping atoms", good, "overlap.data", "Si", ranks, overlap_expected, env, work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
