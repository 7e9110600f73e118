"""PyTorch SchNet and SOAPNet, written from the formulas (not from eipnn's code), and a reader of
eipnn's text weights files (include/eipnn/nn/weights_io.hpp, soapnet_weights_io.hpp). The one
definition behind the reference tests (schnet_torch.py, soapnet_torch.py beside this file: float64,
autograd as the oracle) and the speed baselines (bench/baselines/*_torch.py: float32), so the
model the tests check is the model the benchmarks time.

SchNet (edge vectors in):
  x0 = E[species]
  rbf_k(r) = exp(-gamma (r - mu_k)^2), mu = linspace(0, rc, K), gamma = 0.5 / width^2
  W_ij = (ssp(rbf W1 + b1) W2 + b2) * 0.5 (cos(pi r / rc) + 1)
  y_i = sum_j (x W_in)_j * W_ij;  v = ssp(y Wo1 + bo1) Wo2 + bo2;  x <- v or x + v
SOAPNet (SOAP descriptors P in):
  z = (P - mean) * inv_std;  x = ssp(... ssp(z W_0 + b_0) ... W_{L-1} + b_{L-1})
Both:
  E_g = scale * sum_i (ssp(x W1 + b1) W2 + b2) + sum_i ref[species_i]        per head
  logits = ssp(BN(sum_i x_i) W1 + b1) W2 + b2                               classifier
Dense weights are (in, out): y = x W + b.
"""
import math

import torch


def ssp(x):
    """Shifted softplus through torch's softplus: what a PyTorch user writes (the fast baseline)."""
    return torch.nn.functional.softplus(x) - math.log(2.0)


def ssp_exact(x):
    """Shifted softplus written out: torch.nn.functional.softplus returns x itself above its
    threshold 20, an error of log1p(exp(-20)) ~ 2e-9, which the classifier's pre-activations
    (evaluation-mode BatchNorm leaves them unnormalised, up to ~100 in the tests) reach."""
    return torch.relu(x) + torch.log1p(torch.exp(-torch.abs(x))) - math.log(2.0)


class Records:
    """One eipnn text file: an optional header `eipnn-<kind> <version>`, then one record per line,
    `param <name> <rows> <cols> <values>` for parameters and `<name> <tokens...>` for anything
    else. Unknown named lines are kept, not rejected, so a file with more records still reads."""

    def __init__(self, path):
        self.kind, self.version = None, None
        self.lines = {}   # name -> list of str tokens
        self.params = {}  # name -> float64 tensor (rows, cols), in file order
        with open(path) as f:
            for line in f:
                p = line.split()
                if not p:
                    continue
                if p[0].startswith("eipnn-") and self.kind is None and not self.lines and not self.params:
                    self.kind, self.version = p[0][len("eipnn-"):], int(p[1]) if len(p) > 1 else 0
                elif p[0] == "param":
                    rows, cols = int(p[2]), int(p[3])
                    values = [float(v) for v in p[4:]]
                    if len(values) != rows * cols:
                        raise ValueError(f"{path}: param {p[1]} has {len(values)} values, not {rows} x {cols}")
                    self.params[p[1]] = torch.tensor(values, dtype=torch.float64).reshape(rows, cols)
                else:
                    self.lines[p[0]] = p[1:]
        self.path = path

    def __contains__(self, name):
        return name in self.lines

    def tokens(self, name):
        if name not in self.lines:
            raise KeyError(f"{self.path}: no '{name}' line")
        return self.lines[name]

    def floats(self, name, dtype=torch.float64):
        return torch.tensor([float(v) for v in self.tokens(name)], dtype=dtype)

    def ints(self, name):
        return torch.tensor([int(v) for v in self.tokens(name)], dtype=torch.long)

    def pairs(self, name):
        """A `<name> key value key value ...` line (the config) as a dict of floats."""
        t = self.tokens(name)
        flags = {"true": 1.0, "false": 0.0}
        value = lambda v: flags[v] if v in flags else float(v)
        return {t[i]: value(t[i + 1]) for i in range(0, len(t) - 1, 2)}


class _Model:
    """What SchNet and SOAPNet share: species, parameters, energy heads and the classifier."""

    def __init__(self, rec, dtype, activation):
        self.records, self.dtype, self.act = rec, dtype, activation
        self.cfg = rec.pairs("config")
        self.species = [int(z) for z in rec.tokens("species")[1:]]
        # leaf tensors: autograd's gradients and the optimizer's updates land here
        self.P = {n: v.to(dtype).clone().requires_grad_(True) for n, v in rec.params.items()}
        self.head_scale = [float(v) for v in rec.tokens("head_scale")]
        self.head_ref = rec.floats("head_ref", dtype).reshape(len(self.head_scale), len(self.species))

    def species_index(self, numbers):
        return torch.tensor([self.species.index(int(z)) for z in numbers], dtype=torch.long)

    def head_energies(self, x, graph, sp, n_graphs, heads=None):
        """(n_graphs, len(heads)) energies of the heads (all by default) from atom features x."""
        P, out = self.P, []
        for k in range(len(self.head_scale)) if heads is None else heads:
            h = f"head{k}."
            e_atom = (self.act(x @ P[h + "W1"] + P[h + "b1"]) @ P[h + "W2"] + P[h + "b2"])[:, 0]
            zeros = torch.zeros(n_graphs, dtype=self.dtype)
            out.append(self.head_scale[k] * zeros.index_add(0, graph, e_atom) + zeros.index_add(0, graph, self.head_ref[k][sp]))
        return torch.stack(out, dim=1)

    def classifier_logits(self, x, graph, n_graphs, running_mean, running_var, training):
        """Logits of the classifier on the sum-pooled features. BatchNorm's affine part comes from
        the parameters so their gradients reach P; in training mode the running statistics are
        updated in place (momentum 0.1, unbiased variance), as torch.nn.BatchNorm1d does."""
        P = self.P
        pooled = torch.zeros(n_graphs, x.shape[1], dtype=self.dtype).index_add(0, graph, x)
        zhat = torch.nn.functional.batch_norm(pooled, running_mean, running_var, training=training, momentum=0.1, eps=1e-5)
        z = zhat * P["classifier.bn.gamma"][0] + P["classifier.bn.beta"][0]
        return self.act(z @ P["classifier.W1"] + P["classifier.b1"]) @ P["classifier.W2"] + P["classifier.b2"]


class SchNet(_Model):
    def __init__(self, rec, dtype=torch.float64, activation=ssp):
        super().__init__(rec, dtype, activation)
        self.cutoff, K = self.cfg["cutoff"], int(self.cfg["rbf"])
        width = self.cfg["rbf_width"] if self.cfg["rbf_width"] > 0 else self.cutoff / (K - 1)
        self.mu = torch.linspace(0.0, self.cutoff, K, dtype=dtype)
        self.gamma = 0.5 / width**2

    def features(self, vec, ci, nj, sp):
        """Atom features after the interactions; vec (n_edges, 3) = r_j + shift - r_i for the
        directed edges ci -> nj, dense (non-windowed) Gaussian basis over every edge."""
        P, act, rc = self.P, self.act, self.cutoff
        r = vec.norm(dim=1)
        rbf = torch.exp(-self.gamma * (r[:, None] - self.mu[None, :]) ** 2)
        fc = 0.5 * (torch.cos(math.pi * r / rc) + 1.0) * (r < rc)
        x = P["embedding"][sp]
        for t in range(int(self.cfg["interactions"])):
            p = f"interaction{t}."
            w = (act(rbf @ P[p + "filter1.W"] + P[p + "filter1.b"]) @ P[p + "filter2.W"] + P[p + "filter2.b"]) * fc[:, None]
            xin = x @ P[p + "in.W"]
            y = torch.zeros_like(xin).index_add(0, ci, xin[nj] * w)
            v = act(y @ P[p + "out1.W"] + P[p + "out1.b"]) @ P[p + "out2.W"] + P[p + "out2.b"]
            x = x + v if self.cfg["residual"] else v
        return x


class SOAPNet(_Model):
    def __init__(self, rec, dtype=torch.float64, activation=ssp):
        super().__init__(rec, dtype, activation)
        self.n_descriptors = int(self.cfg["descriptors"])
        self.mean = rec.floats("input_mean", dtype)
        self.inv_std = rec.floats("input_inv_std", dtype)

    def features(self, desc):
        """Backbone features from the SOAP descriptors, (n_atoms, D)."""
        x = (desc - self.mean) * self.inv_std
        for l in range(int(self.cfg["backbone_layers"])):
            x = self.act(x @ self.P[f"backbone{l}.W"] + self.P[f"backbone{l}.b"])
        return x


MODELS = {"schnet": SchNet, "soapnet": SOAPNet}


def load_model(path, dtype=torch.float64, activation=ssp, kind=None):
    """The model of an eipnn weights file, chosen by its header (`eipnn-schnet 1`, ...)."""
    rec = Records(path)
    if rec.kind not in MODELS:
        raise ValueError(f"{path}: header kind {rec.kind!r} is none of {sorted(MODELS)}")
    if rec.version != 1:
        raise ValueError(f"{path}: eipnn-{rec.kind} version {rec.version}; this reader knows version 1")
    if kind is not None and rec.kind != kind:
        raise ValueError(f"{path}: an eipnn-{rec.kind} file where eipnn-{kind} was expected")
    return MODELS[rec.kind](rec, dtype, activation)


def format_values(t):
    """Space-separated repr of every value: full float64 precision for the C++ side."""
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1))
