#!/usr/bin/env python3
"""Cost model of eipnn's MPI data-parallel training step beyond one machine (issue 18).

Per optimizer step (parallel/distributed_step.hpp) the ranks first gather the batch's B
configurations from the ranks that hold them (parallel/sharded_set.hpp: structures and labels,
b_c bytes each, MPI_Allgatherv: ceil(log2 p) alpha + (p - 1)/p * B b_c / beta), each of p ranks
computes ceil(B/p) of them (one forward and backward each, t_c seconds), then the ranks
  - gather the predictions (B * heads doubles), test for non-finite gradients (one int64) and take
    the per-tensor maxima (MPI_MAX, a few hundred doubles): small messages, latency-bound,
    ~ceil(log2 p) * alpha each; plus one barrier (the reduction timer's);
  - sum one int64 per parameter with MPI_Allreduce: reduce-scatter + allgather (Rabenseifner),
    2 ceil(log2 p) alpha + 2 (p - 1)/p * n_bytes / beta.
  - before that, each rank converts its ceil(B/p) unit gradients to fixed point (exact_sum.hpp):
    t_u per unit, taken from the reduction time measured on 2 ranks here divided by the units
    each had (an upper bound: that time also holds the shared-memory MPI_Allreduce).
The step time is the sum (nothing overlaps the reduction with compute). t_c comes from the measured
1 rank x 1 thread epoch (validation's share included, so slightly high), n_bytes from the run.
alpha and beta are typical published figures for two interconnects, not measurements here.
"""
import argparse
import math

NETWORKS = [  # name, alpha (s), beta (bytes/s); ranks on several nodes
    ("InfiniBand EDR 100 Gb/s", 2e-6, 12e9),
    ("10 Gb Ethernet", 25e-6, 1.2e9),
]


def step_seconds(p, batch, t_c, t_u, n_bytes, b_c, alpha, beta):
    """(compute, reduction, batch gather) in seconds"""
    log_p = math.ceil(math.log2(p)) if p > 1 else 0
    units = math.ceil(batch / p)
    compute = units * t_c
    small = 4 * log_p * alpha  # allgather, any, max, barrier
    allreduce = 0.0 if p == 1 else 2 * log_p * alpha + 2 * (p - 1) / p * n_bytes / beta
    gather = 0.0 if p == 1 else log_p * alpha + (p - 1) / p * batch * b_c / beta
    return compute, units * t_u + small + allreduce, gather


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epoch-seconds", type=float, required=True, help="1 rank x 1 thread, one epoch")
    ap.add_argument("--configs", type=int, required=True, help="training configurations in that epoch")
    ap.add_argument("--bytes", type=int, required=True, help="bytes reduced per step")
    ap.add_argument("--measured-reduction-ms", type=float, required=True, help="per step, 2 ranks")
    ap.add_argument("--gather-bytes", type=float, default=0.0,
                    help="bytes gathered per configuration (its structure and labels)")
    ap.add_argument("--measured-batch", type=int, default=32)
    ap.add_argument("--dataset", type=float, default=1e6)
    a = ap.parse_args()
    t_c = a.epoch_seconds / a.configs
    t_u = a.measured_reduction_ms * 1e-3 / math.ceil(a.measured_batch / 2)
    print(f"# model: t_c={t_c * 1e3:.2f} ms per configuration (measured), {a.bytes} bytes per step, "
          f"data set {a.dataset:.0e} configurations; measured reduction on this machine, 2 ranks: "
          f"{a.measured_reduction_ms:.3f} ms per step, so t_u <= {t_u * 1e3:.3f} ms per unit; "
          f"{a.gather_bytes:.0f} bytes gathered per configuration")
    for batch in (32, 1024):
        for name, alpha, beta in NETWORKS:
            one = sum(step_seconds(1, batch, t_c, t_u, a.bytes, a.gather_bytes, alpha, beta))
            for p in (8, 64, 512):
                compute, comm, gather = step_seconds(p, batch, t_c, t_u, a.bytes, a.gather_bytes, alpha, beta)
                step = compute + comm + gather
                epoch_h = a.dataset / batch * step / 3600
                print(f"model batch={batch} ranks={p} network='{name}' step_ms={step * 1e3:.2f} "
                      f"compute_ms={compute * 1e3:.2f} reduction_ms={comm * 1e3:.3f} gather_ms={gather * 1e3:.3f} epoch_h={epoch_h:.3f} "
                      f"speedup={one / step:.1f} efficiency={one / step / p:.2f}")
    print("# batch 32 (the default): no speed-up beyond 32 ranks, since a configuration is the unit of work;"
          " a larger batch (here 1024) keeps ranks busy but changes the optimisation (fewer, larger steps)")


if __name__ == "__main__":
    main()
