#!/usr/bin/env python3
"""PyTorch side of ferrite's GPU workloads (G1..G4), on the same GPU as `ferrite-bench --device cuda`.

`cargo xtask bench --device cuda` runs it beside ferrite-bench; on a GPU machine without Rust,
`cargo xtask gpu-pack` packs both and its `bench.sh` runs them. By hand:

    python3 crates/ferrite-bench/torch_gpu.py --out torch-cuda.json [--quick] [--only G1,G3]

--device cpu runs the same code on the CPU (a smoke test of this script where there is no GPU;
its figures mean nothing).

The records have torch_bench.py's layout (`rec`, medians of timed reps after warm-up,
time.perf_counter) and the case names of crates/ferrite-bench/src/workloads/gpu.rs. GPU work is
asynchronous, so every timed rep ends with torch.cuda.synchronize(), as ferrite's does.

Workloads:
  G1 matmul            a @ b, square f32, n = 4096 and 8192, with allow_tf32 False and True: TFLOP/s
  G2 elementwise       a + b on 256M f32 elements (3 x 4 bytes per element), and a.clone() (2 x 4
                       bytes), the bandwidth ceiling: GB/s
  G3 mlp_train_step    d2l's MLP (Flatten, Linear(784,256), ReLU, Linear(256,10)), CrossEntropyLoss,
                       SGD(lr=0.1) with PyTorch's defaults, batch 256 and 4096: steps/s
  G4 host_to_device    a 256 MiB f32 tensor from pageable host memory, x.to('cuda'): GB/s
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default=None, help="comma list of workload ids; ids not here are ignored")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    # Accepted so the same options can be passed to every script; host threads matter little here.
    p.add_argument("--threads", type=int, default=None)
    return p.parse_args()


ARGS = parse_args()
DEV = torch.device("cuda:0" if ARGS.device == "cuda" else "cpu")
Q = ARGS.quick
perf = time.perf_counter
if ARGS.threads:
    torch.set_num_threads(ARGS.threads)


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize(DEV)


def only(w):
    return ARGS.only is None or w in [x.strip() for x in ARGS.only.split(",")]


def rec(workload, case, metric, value, unit, times, warmup, note=""):
    """torch_bench.py's record, field for field."""
    return {
        "workload": workload,
        "case": case,
        "metric": metric,
        "value": value,
        "unit": unit,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "reps": len(times),
        "warmup": warmup,
        "note": note,
    }


def time_gpu(warmup, reps, fn, calls=1):
    """torch_bench.py's time_reps, each timed rep being `calls` calls then one synchronize."""

    def rep():
        for _ in range(calls):
            r = fn()
        sync()
        return r

    for _ in range(warmup):
        rep()
    times = []
    for _ in range(reps):
        t0 = perf()
        r = rep()
        dt = perf() - t0
        del r
        times.append(dt)
    return times


def uniform(*shape):
    return (torch.rand(*shape) * 2 - 1).to(DEV)


def g1_matmul():
    cases = [(256, 1, 3), (512, 1, 3)] if Q else [(4096, 3, 10), (8192, 2, 5)]
    out = []
    for n, warmup, reps in cases:
        a, b = uniform(n, n), uniform(n, n)
        for math, tf32 in (("f32", False), ("tf32", True)):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            times = time_gpu(warmup, reps, lambda: a @ b)
            torch.backends.cuda.matmul.allow_tf32 = False
            out.append(rec("G1_matmul", f"n={n} {math}", "throughput", 2 * n**3 / statistics.median(times) / 1e12,
                           "TFLOP/s", times, warmup, "a @ b, output allocated each call; cuBLAS"))
    return out


def g2_elementwise():
    n, warmup, reps = (1 << 20, 1, 3) if Q else (256 << 20, 2, 10)
    a, b = uniform(n), uniform(n)
    add = time_gpu(warmup, reps, lambda: a + b)
    copy = time_gpu(warmup, reps, lambda: a.clone())
    return [
        rec("G2_elementwise", f"add n={n}", "bandwidth", 3 * 4 * n / statistics.median(add) / 1e9, "GB/s",
            add, warmup, "a + b: 2 reads + 1 write of 4 bytes per element"),
        rec("G2_elementwise", f"copy n={n}", "bandwidth", 2 * 4 * n / statistics.median(copy) / 1e9, "GB/s",
            copy, warmup, "a.clone(): 1 read + 1 write per element, the ceiling for add"),
    ]


def g3_mlp_train_step():
    warmup, steps, repeats = (1, 5, 1) if Q else (10, 50, 5)
    out = []
    for batch in (256, 4096):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).to(DEV)
        loss_fn = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        x = torch.randn(batch, 1, 28, 28, device=DEV)
        y = torch.randint(0, 10, (batch,), device=DEV)

        def step():
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        for _ in range(warmup):
            step()
        sync()
        times = []
        for _ in range(repeats):
            t0 = perf()
            for _ in range(steps):
                loss = step()
            sync()
            times.append(perf() - t0)
        note = (f"{steps} steps per repeat (then one wait) after {warmup} warm-up steps; "
                f"SGD(lr=0.1), PyTorch's defaults; final loss {loss.item():.4f}")
        out.append(rec("G3_mlp_train_step", f"batch={batch}", "steps_per_s", steps / statistics.median(times),
                       "steps/s", times, warmup, note))
    return out


def g4_host_to_device():
    n, warmup, reps = (1 << 20, 1, 3) if Q else (64 << 20, 2, 10)
    host = torch.rand(n) * 2 - 1
    times = time_gpu(warmup, reps, lambda: host.to(DEV))
    return [rec("G4_host_to_device", f"n={n} f32", "bandwidth", 4 * n / statistics.median(times) / 1e9, "GB/s",
                times, warmup, "x.to('cuda') from pageable memory")]


def main():
    if DEV.type == "cuda" and not torch.cuda.is_available():
        print("torch_gpu.py: no GPU (torch.cuda.is_available() is False); --device cpu for a smoke test",
              file=sys.stderr)
        return 1
    t0 = perf()
    recs = []
    for wid, fn in (("G1", g1_matmul), ("G2", g2_elementwise), ("G3", g3_mlp_train_step),
                    ("G4", g4_host_to_device)):
        if only(wid):
            recs.extend(fn())
    total = perf() - t0
    gpu = torch.cuda.get_device_name(DEV) if DEV.type == "cuda" else None
    cuda = torch.version.cuda
    print(f"framework=torch {torch.__version__} (torch_gpu.py) device={DEV} ({gpu}) CUDA {cuda} quick={Q}")
    print(f"{'workload':<26} {'case':<34} {'value':>14} {'unit':<10} {'median_ms':>11} {'reps':>5}")
    for r in recs:
        v = r["value"]
        vs = f"{v:.1f}" if abs(v) >= 1000 else f"{v:.4g}"
        print(f"{r['workload']:<26} {r['case']:<34} {vs:>14} {r['unit']:<10} "
              f"{r['median_s'] * 1e3:>11.3f} {r['reps']:>5}")
    print(f"total wall time {total:.1f} s")
    doc = {
        "framework": "torch",
        "script": "crates/ferrite-bench/torch_gpu.py",
        "backend": f"CUDA {cuda}, cuBLAS, eager" if DEV.type == "cuda" else "CPU (smoke test)",
        "device": str(DEV),
        "gpu": gpu,
        "versions": {"torch": torch.__version__, "cuda": cuda, "python": platform.python_version()},
        "quick": Q,
        "dtype": "float32",
        "timer": "time.perf_counter, median of timed reps after warm-up, each ending with torch.cuda.synchronize()",
        "skipped": [],
        "total_wall_s": total,
        "results": recs,
    }
    d = os.path.dirname(ARGS.out)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(ARGS.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
