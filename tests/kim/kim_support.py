"""What the KIM tests share: skipping, running a command, an "environment" collection inside the
test's scratch folder (never $HOME), exporting and installing eipnn models, a small trained model.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

SKIP = 77
SI_MASS = 28.0855
DRIVER = "eipnn_model_driver"
TRAIN_FRAMES = (10, 11, 19, 20)  # of mlearn Si test.extxyz: enough for `eipnn train --epochs 1`
MODELS = {
    "schnet": ["--model", "schnet", "--features", "8", "--rbf", "16", "--interactions", "2", "--head-hidden", "8"],
    "soapnet": ["--model", "soapnet", "--n-max", "4", "--l-max", "3", "--features", "8", "--backbone-layers", "2",
                "--head-hidden", "8"],
}


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def require_tools(data):
    """Skips unless lmp, mpirun, the KIM API tools, numpy, ase and the mlearn Si data exist."""
    for tool in ("lmp", "kim-api-collections-management", "mpirun"):
        if shutil.which(tool) is None:
            skip("%s not found (Debian: lammps, libkim-api-dev, openmpi-bin)" % tool)
    for module in ("numpy", "ase"):
        if importlib.util.find_spec(module) is None:
            skip("python module %s missing (Debian: python3-numpy, python3-ase)" % module)
    source = os.path.join(data, "mlearn-si", "test.extxyz")
    if not os.path.exists(source):
        skip("%s not found (the mlearn Si data, ../shared/data)" % source)
    return source


def run(cmd, env, cwd, what):
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        print("%s failed (%s):\n%s\n%s" % (what, " ".join(cmd), out.stdout[-3000:], out.stderr[-3000:]))
        sys.exit(1)
    return out.stdout


def lmp_command(ranks):
    cmd = ["lmp", "-in", "in.lmp", "-screen", "none", "-nocite"]
    if ranks > 1:  # as root Open MPI needs both flags; harmless otherwise
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + cmd
    return cmd


def fresh_collection(work):
    """Empties WORK and returns the environment of a KIM "environment" collection inside it."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "tmp"))
    env = dict(os.environ)
    for var, sub in (("KIM_API_MODEL_DRIVERS_DIR", "md"), ("KIM_API_PORTABLE_MODELS_DIR", "pm"),
                     ("KIM_API_SIMULATOR_MODELS_DIR", "sm")):
        env[var] = os.path.join(work, "collection", sub)
        os.makedirs(env[var])
    env["TMPDIR"] = os.path.join(work, "tmp")  # the item builds of kim-api-collections-management
    env["OMP_NUM_THREADS"] = "1"
    return env


def train_small(eipnn, kind, train_file, ckpt, env, work, extra=()):
    """A model whose weights are as arbitrary as a test needs: one epoch on a few configurations."""
    run([eipnn, "train", "--train", train_file, "--split", "0.75", "0.25", "--epochs", "1", "--threads", "1",
         "--out", ckpt] + MODELS[kind] + list(extra), env, work, "eipnn train")


def export(eipnn, ckpt, name, items, env, work):
    """eipnn export-kim; returns the portable model's folder (its parameter file is NAME.ckpt)."""
    run([eipnn, "export-kim", "--model", ckpt, "--name", name, "--out", items], env, work, "eipnn export-kim")
    return os.path.join(items, name)


def install(item, env, work):
    run(["kim-api-collections-management", "install", "environment", item], env, work,
        "installing %s" % os.path.basename(item))
