"""Energy conservation in NVE through the driver: a SOAPNet trained on energies and forces of a
few mlearn Si configurations runs in LAMMPS (pair_style kim) on a 512-atom diamond crystal
(lattice diamond 5.43, 4x4x4 cells), velocities drawn at 600 K (the crystal starts at its lattice
sites, so it equilibrates near 300 K), fix nve, 2,000 steps of 1 fs and, from the same start,
2,000 steps of 0.5 fs.

    kim_nve.py EIPNN SCRIPTS_DIR DATA_DIR WORK_DIR

Why these bounds. Velocity Verlet exactly conserves (to O(dt^4)) a shadow energy
    H~ = H + dt^2 (Q / 12 - A / 24),  Q = v.Hess(V).v,  A = sum_i |F_i|^2 / m_i
(Skeel and Hardy; Hairer, Lubich and Wanner), so the total energy LAMMPS prints moves by
H(t) - H(0) = dt^2 [(Q - Q_0) / 12 - (A - A_0) / 24] and returns, without drift. Measured here:
  1. O(dt^2): the RMS of H(t) - H(0) over the first picosecond, sampled at the same times, is
     4 times larger at dt than at dt/2. The next order changes that ratio by about (omega dt)^2,
     omega^2 = <A> / <sum m v^2> (the harmonic relation <|F|^2>/m = m omega^2 <v^2>, from the
     measured forces and velocities; ~0.002 here); the bound is 10 (omega dt)^2 relative.
     Forces that are not the energy's gradient (a ghost force lost, a sign) break it at once:
     their error does not shrink with dt.
  2. size: |H(t) - H(0)| <= dt^2 max(A) / 4 at dt. Q is not measured, but equipartition gives
     <Q> = <A> (both sum m omega^2 <v^2> in a harmonic crystal), so the two terms are at most
     dt^2 max(A) (1/12 + 1/24) = dt^2 max(A) / 8; the factor 2 covers Q fluctuating apart from A
     (at t = 0 all energy is kinetic: Q_0 ~ 2 <Q>, A_0 = 0).
  3. no drift: the least-squares slope of H over the last 1.5 ps at dt, times 1.5 ps, stays
     below dt^2 <A> / 24 (the size of the fluctuation itself): an integrator error that returns
     has no trend, a non-conservative force grows one linearly.
Weights from a short training (30 epochs on 13 configurations) are enough: conservation is a
property of the model being a smooth energy with exact forces, not of its accuracy.

Cost (2 cores shared, measured): training ~10 s, building the driver ~20 s, 15 ms per 512-atom
step on one rank for this SOAPNet (n_max 4, l_max 3, width 16): 2 x 2,000 steps ~ 60 s. One rank,
not two: the run is too short for the MPI start-up and busy-polling to pay on a loaded machine.

Exit 0 when all three hold, 1 otherwise, 77 (skipped) without lmp, mpirun, the KIM API tools,
numpy/ase or the mlearn Si data.
"""
import os
import sys

from kim_support import DRIVER, export, fresh_collection, install, lmp_command, require_tools, run

MODEL = "eipnn_nve_soapnet_Si"
TRAIN = ["--model", "soapnet", "--n-max", "4", "--l-max", "3", "--features", "16", "--backbone-layers", "2",
         "--head-hidden", "16", "--forces", "--epochs", "30", "--batch-size", "4", "--split", "0.75", "0.25",
         "--threads", "2"]
STEPS = 2000
DT = 0.001            # ps
WINDOW = 1.0          # ps, compared at dt and dt/2
MVV2E = 1.0364269e-4  # LAMMPS metal units: (g/mol) (Å/ps)^2 in eV (force->mvv2e)
SI_MASS = 28.0855


def lammps_input(dt, every):
    return "\n".join([
        "kim init %s metal" % MODEL, "lattice diamond 5.43", "region box block 0 4 0 4 0 4", "create_box 1 box",
        "create_atoms 1 box", "mass 1 %g" % SI_MASS, "kim interactions Si",
        "velocity all create 600.0 4928459 mom yes rot yes dist gaussian", "timestep %g" % dt, "fix 1 all nve",
        "variable f2 atom fx*fx+fy*fy+fz*fz", "compute f2 all reduce sum v_f2",
        "thermo_style custom step time ke etotal c_f2", "thermo_modify format float %.15g", "thermo %d" % every,
        "run %d" % STEPS]) + "\n"


def thermo(log, np):
    rows, on = [], False
    with open(log) as f:
        for line in f:
            if line.startswith("Step"):
                on = True
            elif line.startswith("Loop"):
                on = False
            elif on:
                rows.append([float(v) for v in line.split()])
    return np.array(rows)  # step, time (ps), ke (eV), etotal (eV), sum |F|^2 (eV^2/Å^2)


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    eipnn, _scripts, data, work = sys.argv[1:5]
    require_tools(data)
    import numpy as np
    from ase.io import read, write

    env = fresh_collection(work)
    source = os.path.join(data, "mlearn-si", "training.extxyz")
    if not os.path.exists(source):
        print("SKIP: %s not found (the mlearn Si data, ../shared/data)" % source)
        return 77
    frames = read(source, ":")
    # near-equilibrium motion and strain: what a 300 K crystal visits
    aimd = [a for a in frames if a.info.get("config_type") == "AIMD-NVT"]
    elastic = [a for a in frames if a.info.get("config_type") == "Elastic"]
    write(os.path.join(work, "train.extxyz"), aimd[::11] + elastic[::14])
    ckpt = os.path.join(work, "soapnet.ckpt")
    run([eipnn, "train", "--train", "train.extxyz", "--out", ckpt] + TRAIN, env, work, "eipnn train")
    items = os.path.join(work, "items")
    model_item = export(eipnn, ckpt, MODEL, items, env, work)
    install(os.path.join(items, DRIVER), env, work)
    install(model_item, env, work)

    runs = {}
    for dt, every in ((DT, 10), (DT / 2, 20)):  # both sample every 10 fs
        with open(os.path.join(work, "in.lmp"), "w") as f:
            f.write(lammps_input(dt, every))
        run(lmp_command(1), env, work, "LAMMPS NVE (dt %g ps)" % dt)
        runs[dt] = thermo(os.path.join(work, "log.lammps"), np)
    full, half = runs[DT], runs[DT / 2]
    to_eV_per_ps2 = 1.0 / (SI_MASS * MVV2E)  # sum |F|^2 / m in eV/ps^2
    A = full[:, 4] * to_eV_per_ps2
    dH = full[:, 3] - full[0, 3]
    t = full[:, 1]

    # 1. the ratio on the common window
    n = int(round(WINDOW / (t[1] - t[0]))) + 1
    if len(half) < n or not np.allclose(half[:n, 1], t[:n]):
        print("the dt/2 run does not sample the first %g ps at the times of the dt run" % WINDOW)
        return 1
    rms = lambda x: float(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    ratio = rms(dH[:n]) / rms(half[:n, 3] - half[0, 3])
    settled = t >= 0.2  # after the first vibrations have shared the energy out
    omega2 = A[settled].mean() / (2 * full[settled, 2].mean())  # 1/ps^2
    ratio_tol = 10 * omega2 * DT ** 2
    ok_ratio = abs(ratio / 4 - 1) <= ratio_tol
    # 2. the size
    size_bound = DT ** 2 * A.max() / 4
    ok_size = np.abs(dH).max() <= size_bound
    # 3. the drift
    late = t >= t[-1] - 1.5
    drift = abs(np.polyfit(t[late], full[late, 3], 1)[0]) * 1.5
    drift_bound = DT ** 2 * A[settled].mean() / 24
    ok_drift = drift <= drift_bound

    T_kin = 2 * full[settled, 2].mean() / (3 * 512 * 8.617333262e-5)
    print("512 Si atoms, %d steps of %g fs and %d of %g fs, mean temperature %.0f K after 0.2 ps" %
          (STEPS, DT * 1e3, STEPS, DT * 5e2, T_kin))
    print("omega dt = %.3f  (omega = %.1f /ps from <sum F^2/m> / <sum m v^2>)" % (np.sqrt(omega2) * DT, np.sqrt(omega2)))
    print("%s RMS(H - H0) ratio dt : dt/2 over %g ps = %.4f (4 within %.2f%%)" %
          ("ok  " if ok_ratio else "FAIL", WINDOW, ratio, 100 * ratio_tol))
    print("%s max |H - H0| = %.3e eV (bound dt^2 max(A)/4 = %.3e eV; %.2e eV/atom)" %
          ("ok  " if ok_size else "FAIL", np.abs(dH).max(), size_bound, np.abs(dH).max() / 512))
    print("%s drift over the last 1.5 ps = %.3e eV (bound dt^2 <A>/24 = %.3e eV)" %
          ("ok  " if ok_drift else "FAIL", drift, drift_bound))
    return 0 if ok_ratio and ok_size and ok_drift else 1


if __name__ == "__main__":
    sys.exit(main())
