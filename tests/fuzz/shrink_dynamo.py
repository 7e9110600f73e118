#!/usr/bin/env python3
"""Shrinks a DYNAMO EAM table file (funcfl, setfl or Finnis-Sinclair) to a few nodes per table.

Seeds for fuzz_eam_funcfl / fuzz_eam_setfl (tests/fuzz/run_fuzzer.sh): the real files hold tens
of thousands of numbers, which makes every fuzzed execution slow and spends the mutations on
table values. The shrunk file keeps the real header lines, element lines and the shape of each
table (every k-th node, the spacing scaled so the tables span the same range), so it reads as a
valid file of the same format.

usage: shrink_dynamo.py funcfl|setfl|fs IN OUT [NODES]
"""
import sys


def pick(values, nodes):
    n = len(values)
    if n <= nodes:
        return values, 1.0
    idx = [round(k * (n - 1) / (nodes - 1)) for k in range(nodes)]
    return [values[i] for i in idx], (n - 1) / (nodes - 1)


def main():
    kind, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    nodes = int(sys.argv[4]) if len(sys.argv) > 4 else 24
    lines = open(src).read().split("\n")
    n_head = 2 if kind == "funcfl" else 4  # free-text lines before the grid line
    head, grid = lines[:n_head], lines[n_head].split()
    tokens = " ".join(lines[n_head + 1:]).split()
    nrho, drho, nr, dr, cut = int(grid[0]), float(grid[1]), int(grid[2]), float(grid[3]), grid[4]
    pos = 0

    def take(count):
        nonlocal pos
        out = tokens[pos:pos + count]
        pos += count
        return out

    body = []
    if kind == "funcfl":
        tables = [take(nrho), take(nr), take(nr)]
    else:
        n_el = int(head[3].split()[0])
        tables = []
        for _ in range(n_el):
            body_tables = [take(nrho)] + [take(nr) for _ in range(n_el if kind == "fs" else 1)]
            tables.append((take(4), body_tables))
        pairs = [take(nr) for _ in range(n_el * (n_el + 1) // 2)]
    f_rho, s_rho = pick(list(range(nrho)), nodes)
    _, s_r = pick(list(range(nr)), nodes)
    new_grid = f"{len(f_rho)} {drho * s_rho!r} {min(nr, nodes)} {dr * s_r!r} {cut}"
    out = head + [new_grid]
    if kind == "funcfl":
        for t in tables:
            out.append(" ".join(pick(t, nodes)[0]))
    else:
        for element_line, tabs in tables:
            out.append(" ".join(element_line))
            for t in tabs:
                out.append(" ".join(pick(t, nodes)[0]))
        for t in pairs:
            out.append(" ".join(pick(t, nodes)[0]))
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
