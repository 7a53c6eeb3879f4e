#!/usr/bin/env python3
"""Paired timing of W1-W3: PyTorch and ferrite in one process, alternating batch by batch.

`cargo xtask bench --paired` runs it once per thread count, with the reference's interpreter
(TORCH_VENV); by hand, after `cargo build --release -p ferrite-bench`:

    "$TORCH_VENV/bin/python" crates/ferrite-bench/torch_paired.py \\
        --lib target/release/libferrite_bench.so --threads 1 --out paired-t1.json

Why: this host's speed changes within seconds (one thread, n = 1024: 58 or 88 GFLOP/s from one
run to the next), so two processes timed seconds apart can differ by more than the code does.
Here ferrite's side is the `ferrite-bench` library, loaded with ctypes (src/paired.rs), and each
round times a batch of calls of one side, then of the other, the order swapped every round. The
ratio of a round compares two batches measured a fraction of a second apart; the report gives the
median ratio over the rounds and their middle half.

Each batch comes after a pause (--gap, 10 ms) so that the other side's worker threads, which
spin a while after their last task (OpenMP's and rayon's), have gone to sleep and take no CPU
from the side being timed. The first call of a batch may then pay a thread wake-up, as a program
that runs one such call after other work does.

The cases are torch_bench.py's, with its definitions and seeds:
  W1 matmul         a @ b, a and b randn(n, n), n = 256, 512, 1024, 2048: GFLOP/s
  W2 mlp_train_step Flatten, Linear(784,256), ReLU, Linear(256,10); CrossEntropyLoss; SGD lr 0.1;
                    batch 256; forward, loss, zero_grad, backward, step: steps/s
  W3 mlp_infer      the same net, eval(), batch 1024, under torch.no_grad(): samples/s
ferrite's side builds the same shapes with its own generator (crates/ferrite-bench/src/workloads).

Options: --lib PATH (the cdylib), --threads N (torch.set_num_threads, OMP/MKL env, rayon's pool),
--out FILE.json, --rounds R (default 21), --gap SECONDS (default 0.01), --only W1,W3 (the
workloads to time), --quick (small sizes, 3 rounds; a smoke test).
"""
import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lib", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rounds", type=int, default=21)
    p.add_argument("--gap", type=float, default=0.01)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default=None, help="comma list of workload ids (W1, W2, W3)")
    p.add_argument("--processes", type=int, default=3)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if min(args.rounds, args.threads, args.processes) < 1 or args.gap < 0:
        p.error("--rounds, --threads and --processes take counts > 0, --gap a time >= 0")
    return args


ARGS = parse_args()


def pooled(docs):
    """One document from the processes' own: their rounds pooled, each process's median ratio kept."""
    doc = dict(docs[0])
    doc["processes"] = len(docs)
    doc["total_wall_s"] = sum(d["total_wall_s"] for d in docs)
    results = []
    for i, first in enumerate(docs[0]["results"]):
        runs = [d["results"][i] for d in docs]
        rec = {k: first[k] for k in ("workload", "case", "metric", "unit", "calls_per_batch")}
        rec.update(summary([x for r in runs for x in r["ferrite_rounds"]],
                           [x for r in runs for x in r["torch_rounds"]]))
        rec["process_ratios"] = [r["ratio"] for r in runs]
        results.append(rec)
    doc["results"] = results
    return doc


def run_processes():
    """Runs this script once per process (each loads torch and ferrite afresh) and pools them."""
    import subprocess
    import tempfile
    docs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(ARGS.processes):
            out = os.path.join(tmp, f"p{i}.json")
            argv = list(sys.argv[1:])
            argv[argv.index("--out") + 1] = out
            subprocess.run([sys.executable, __file__, *argv, "--child"], check=True)
            with open(out) as f:
                docs.append(json.load(f))
    write(ARGS.out, pooled(docs))


def write(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def summary(ferrite_rounds, torch_rounds):
    """Each side's median round and the rounds' ratios (ferrite's speed over PyTorch's)."""
    ratios = [f / t for f, t in zip(ferrite_rounds, torch_rounds)]
    q1, q3 = quartiles(ratios)
    return {
        "ferrite": statistics.median(ferrite_rounds), "torch": statistics.median(torch_rounds),
        "ratio": statistics.median(ratios), "ratio_q1": q1, "ratio_q3": q3,
        "ratio_min": min(ratios), "ratio_max": max(ratios),
        "ferrite_rounds": ferrite_rounds, "torch_rounds": torch_rounds,
    }


if ARGS.processes > 1 and not ARGS.child:
    run_processes()
    sys.exit(0)
# Set before torch loads so OpenMP / MKL pools are created with the right size.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(ARGS.threads)
perf = time.perf_counter
Q = ARGS.quick
ROUNDS = 3 if Q else ARGS.rounds
# Each batch of calls lasts about this long (at least one call).
BATCH_S = 0.005 if Q else 0.05


class Ferrite:
    """ferrite's side: the C functions of crates/ferrite-bench/src/paired.rs."""

    def __init__(self, path, threads):
        self.lib = ctypes.CDLL(path)
        self.lib.ferrite_paired_threads.argtypes = [ctypes.c_size_t]
        self.lib.ferrite_paired_setup.argtypes = [ctypes.c_uint32, ctypes.c_size_t]
        self.lib.ferrite_paired_run.argtypes = [ctypes.c_size_t]
        self.check("threads", self.lib.ferrite_paired_threads(threads))

    @staticmethod
    def check(what, code):
        if code != 0:
            sys.exit(f"torch_paired.py: ferrite's {what} failed (its error is above)")

    def case(self, workload, size):
        self.check("setup", self.lib.ferrite_paired_setup(workload, size))
        return lambda calls: self.check("run", self.lib.ferrite_paired_run(calls))


def make_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def torch_matmul(n):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    return lambda: a @ b


def torch_train(batch):
    torch.manual_seed(0)
    net = make_mlp()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch_infer(batch):
    torch.manual_seed(0)
    net = make_mlp().eval()
    x = torch.randn(batch, 1, 28, 28)

    def fwd():
        with torch.no_grad():
            return net(x)

    return fwd


def cases():
    """(workload, case, metric, unit, work per call, ferrite's id and size, PyTorch's call)."""
    sizes = (64, 128) if Q else (256, 512, 1024, 2048)
    out = [("W1_matmul", f"n={n}", "throughput", "GFLOP/s", 2 * n**3 / 1e9, (1, n), lambda n=n: torch_matmul(n))
           for n in sizes]
    out.append(("W2_mlp_train_step", "batch=256", "steps_per_s", "steps/s", 1, (2, 256), lambda: torch_train(256)))
    out.append(("W3_mlp_infer", "batch=1024", "samples_per_s", "samples/s", 1024, (3, 1024),
                lambda: torch_infer(1024)))
    return out


def timed(run, calls):
    """Seconds per call of `calls` calls, after the pause."""
    time.sleep(ARGS.gap)
    t0 = perf()
    run(calls)
    return (perf() - t0) / calls


def pair(ferrite, workload, case, metric, unit, work, ids, make_torch):
    torch_call = make_torch()
    sides = {
        "torch": lambda calls: [torch_call() for _ in range(calls)],
        "ferrite": ferrite.case(*ids),
    }
    # Warm-up, then as many calls per batch as fill BATCH_S on PyTorch's side.
    for run in sides.values():
        run(2)
    calls = max(1, round(BATCH_S / timed(sides["torch"], 1)))
    per_call = {"torch": [], "ferrite": []}
    for r in range(ROUNDS):
        order = ("torch", "ferrite") if r % 2 == 0 else ("ferrite", "torch")
        for side in order:
            per_call[side].append(timed(sides[side], calls))
    rec = {"workload": workload, "case": case, "metric": metric, "unit": unit, "calls_per_batch": calls}
    rec.update(summary([work / s for s in per_call["ferrite"]], [work / s for s in per_call["torch"]]))
    print(f"{workload:>18} {case:>10} t={ARGS.threads}: ferrite {rec['ferrite']:10.1f} torch {rec['torch']:10.1f} "
          f"{unit:<9} ratio {rec['ratio']:.3f} (middle half {rec['ratio_q1']:.3f}-{rec['ratio_q3']:.3f})", flush=True)
    return rec


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    ferrite = Ferrite(ARGS.lib, ARGS.threads)
    start = perf()
    only = None if ARGS.only is None else [w.strip() for w in ARGS.only.split(",")]
    results = [pair(ferrite, *c) for c in cases() if only is None or c[0].split("_")[0] in only]
    doc = {
        "framework": "paired",
        "threads": ARGS.threads,
        "rounds": ROUNDS,
        "gap_s": ARGS.gap,
        "batch_s": BATCH_S,
        "quick": Q,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "torch_backend": "MKL" if torch.backends.mkl.is_available() else "no MKL",
        "cpu_model": cpu_model(),
        "processes": 1,
        "total_wall_s": perf() - start,
        "results": results,
    }
    write(ARGS.out, doc)


if __name__ == "__main__":
    main()
