"""What the KIM tests share: skipping, running a command, an "environment" collection inside the
test's scratch folder (never $HOME), exporting and installing eipnn models, a small trained model,
reading a checkpoint's records, and running lmp on input that must stop it on its error path.
"""
import importlib.util
import os
import shutil
import signal
import struct
import subprocess
import sys

SKIP = 77
TIME_LIMIT = 120  # s per lmp run expected to stop; each takes about a second, so only a hang reaches it
CHECKPOINT_HEADER = 8 + 4 + 8  # io/checkpoint.hpp: magic, u32 version, u64 payload length
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


def checkpoint_records(raw):
    """The records of a checkpoint file's bytes (io/checkpoint.hpp's layout), in file order, as
    (type byte, name, record bytes, value): int for b"I", a list of floats for b"R", bytes for b"S"."""
    (length,) = struct.unpack_from("<Q", raw, 12)
    payload, pos, out = raw[CHECKPOINT_HEADER:CHECKPOINT_HEADER + length], 0, []
    while pos < len(payload):
        kind = payload[pos:pos + 1]
        (name_len,) = struct.unpack_from("<I", payload, pos + 1)
        name = payload[pos + 5:pos + 5 + name_len].decode()
        body = pos + 5 + name_len
        if kind == b"I":
            end = body + 8
            (value,) = struct.unpack_from("<q", payload, body)
        else:
            (n,) = struct.unpack_from("<Q", payload, body)
            end = body + 8 + n * (8 if kind == b"R" else 1)
            value = list(struct.unpack_from("<%dd" % n, payload, body + 8)) if kind == b"R" else payload[body + 8:end]
        out.append((kind, name, payload[pos:end], value))
        pos = end
    return out


def checkpoint_array(path, name):
    """The float64 array record NAME of the checkpoint file PATH (e.g. "model.head_ref")."""
    with open(path, "rb") as f:
        raw = f.read()
    for kind, record_name, _, value in checkpoint_records(raw):
        if kind == b"R" and record_name == name:
            return value
    print("%s has no array record %s" % (path, name))
    sys.exit(1)


def stops_cleanly(label, script, ranks, expected, env, work):
    """Runs lmp on the input text SCRIPT and checks that it stopped on an error path (exit status 1,
    no signal, within TIME_LIMIT) with every expected text in its output; prints one line and
    returns True when it did."""
    with open(os.path.join(work, "in.lmp"), "w") as f:
        f.write(script)
    log = os.path.join(work, "log.lammps")
    if os.path.exists(log):
        os.remove(log)  # so that only this run's messages count
    # its own process group, so a hung mpirun goes with every lmp it started
    proc = subprocess.Popen(lmp_command(ranks), env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        print("FAIL %-28s ranks=%d: still running after %d s (a hang)" % (label, ranks, TIME_LIMIT))
        return False
    text = stdout + stderr
    if os.path.exists(log):  # -screen none: LAMMPS' own ERROR line is here
        with open(log) as f:
            text += f.read()
    missing = [e for e in expected if e not in text]
    # a negative status is a signal (subprocess' convention); mpirun reports a killed rank as 128+n
    ok = proc.returncode == 1 and not missing and "signal" not in text.lower()
    first = next((line for line in text.splitlines() if "eipnn" in line and "ERROR" in line),
                 next((line for line in text.splitlines() if line.startswith("ERROR")), "(no ERROR line)"))
    print("%s %-28s ranks=%d exit=%d: %s" % ("ok  " if ok else "FAIL", label, ranks, proc.returncode, first[:200]))
    if not ok:
        print("  missing: %s\n%s" % (missing, text[-3000:]))
    return ok
