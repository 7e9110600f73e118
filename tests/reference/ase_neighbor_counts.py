#!/usr/bin/python3
"""Neighbour counts per atom as ASE's neighbor_list computes them (an independent implementation).

  ase_neighbor_counts.py IN.extxyz CUTOFF OUT.txt

OUT.txt: one line per frame, the counts of its atoms separated by spaces.
Exit code 3 when ase cannot be imported (the C++ test then skips).
"""
import sys

try:
    import numpy as np
    import ase.io
    from ase.neighborlist import neighbor_list
except ImportError as exc:
    print("ase not available: %s" % exc, file=sys.stderr)
    sys.exit(3)

path, cutoff, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
with open(out, "w") as f:
    for atoms in ase.io.iread(path, format="extxyz"):
        i = neighbor_list("i", atoms, cutoff)
        counts = np.bincount(i, minlength=len(atoms))
        f.write(" ".join(str(int(c)) for c in counts) + "\n")
