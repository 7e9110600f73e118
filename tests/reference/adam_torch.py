#!/usr/bin/python3
"""PyTorch's Adam / AdamW on given parameters and gradients, for tests/reference/test_adam_torch.cpp.

  adam_torch.py IN.txt OUT.txt

IN.txt:  line 1: adam|adamw lr_count beta1 beta2 eps weight_decay
         line 2: initial parameters (space separated)
         then one line per step: the learning rate, then that step's gradients
OUT.txt: the parameters after every step, one line per step, repr() floats (exact round trip).
Exit code 3 when torch cannot be imported (the C++ test then skips).
"""
import sys

try:
    import torch
except ImportError as exc:
    print("torch not available: %s" % exc, file=sys.stderr)
    sys.exit(3)

lines = open(sys.argv[1]).read().split("\n")
kind, _, b1, b2, eps, wd = lines[0].split()
p = torch.nn.Parameter(torch.tensor([float(x) for x in lines[1].split()], dtype=torch.float64))
cls = torch.optim.AdamW if kind == "adamw" else torch.optim.Adam
# foreach=False: the plain per-tensor reference loop
opt = cls([p], lr=1e-3, betas=(float(b1), float(b2)), eps=float(eps), weight_decay=float(wd), foreach=False)
out = []
for line in lines[2:]:
    if not line.strip():
        continue
    vals = [float(x) for x in line.split()]
    for g in opt.param_groups:
        g["lr"] = vals[0]
    p.grad = torch.tensor(vals[1:], dtype=torch.float64)
    opt.step()
    out.append(" ".join(repr(float(x)) for x in p.detach()))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
