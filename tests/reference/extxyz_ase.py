#!/usr/bin/python3
"""ASE's view of an extended XYZ file, for tests/reference/test_extxyz_ase.cpp.

  extxyz_ase.py dump  IN.extxyz OUT.json   every frame as ASE reads it, as JSON
  extxyz_ase.py write IN.extxyz OUT.extxyz read with ASE, write back with ASE

JSON per frame: numbers, positions (flat, n*3), cell (rows a, b, c, flat 9), pbc (3 bools),
info {key: value} (a "_JSON ..." value as the decoded JSON), arrays {name: {"kind": "f"|"i"|"b"|"s", "ncols": k, "values": flat}}
(numbers and positions left out), calc {energy, forces} when ASE attached a calculator.
Floats keep every bit: Python's json writes repr(), the shortest text that reads back exactly;
non-finite floats are written as the strings "nan", "inf", "-inf".
Exit code 3 when ase cannot be imported (the C++ test then skips).
"""
import json
import math
import sys

try:
    import numpy as np
    import ase.io
except ImportError as exc:  # the caller reports a skip
    print("ase not available: %s" % exc, file=sys.stderr)
    sys.exit(3)


def plain(x):
    """numpy scalars/arrays -> JSON-able Python values, keeping ints, floats, bools apart."""
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return plain(x.item())
        return [plain(v) for v in x.reshape(-1)]
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return str(x)


def kind(a):
    k = a.dtype.kind
    return {"f": "f", "i": "i", "u": "i", "b": "b"}.get(k, "s")


def dump(src, dst):
    frames = ase.io.read(src, index=":", format="extxyz")
    out = []
    for atoms in frames:
        d = {
            "numbers": plain(atoms.numbers),
            "positions": plain(atoms.positions),
            "cell": plain(np.asarray(atoms.cell)),
            "pbc": plain(atoms.pbc),
            "info": {k: plain(v) for k, v in atoms.info.items()},
            "arrays": {},
            "calc": {},
        }
        for name, a in atoms.arrays.items():
            if name in ("numbers", "positions"):
                continue
            d["arrays"][name] = {"kind": kind(a), "ncols": 1 if a.ndim == 1 else int(a.shape[1]),
                                 "values": plain(a)}
        if atoms.calc is not None:
            for key in ("energy", "forces"):
                if key in atoms.calc.results:
                    d["calc"][key] = plain(np.asarray(atoms.calc.results[key]))
        out.append(d)
    with open(dst, "w") as f:
        json.dump(out, f)


def write(src, dst):
    frames = ase.io.read(src, index=":", format="extxyz")
    ase.io.write(dst, frames, format="extxyz")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("dump", "write"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"dump": dump, "write": write}[sys.argv[1]](sys.argv[2], sys.argv[3])
