#!/usr/bin/env python3
"""PyTorch side of ferrite's own workloads (W9, W10), which the reference's torch_bench.py lacks.

`cargo xtask bench` runs it after torch_bench.py, with the same options and interpreter, and
merges its records into the same report. By hand:

    "$TORCH_VENV/bin/python" crates/ferrite-bench/torch_extra.py --threads 1 --out torch-extra-t1.json

Options: --threads N (torch.set_num_threads and OMP/MKL env), --out FILE.json,
--quick (the first 20 batches' worth of images, smoke test only), --only W9,W10 (other ids are
ignored, so the same --only can be passed to every script).

The records have torch_bench.py's layout (`rec`, `time_reps`: medians of timed reps after
warm-up, time.perf_counter) and the case names of crates/ferrite-bench/src/workloads/fashion.rs.

Data: Fashion-MNIST's training split from $FERRITE_DATA_DIR/fashion-mnist (else ./data/fashion-mnist),
the original gzipped IDX files, decoded with gzip + numpy into a uint8 tensor (torchvision is not
needed). Without the files, W9 and W10 print why and write no record.

The Dataset mirrors torchvision's FashionMNIST with ToTensor(): item i is the (1, 28, 28) float32
image / 255 and the int label (without torchvision's PIL round trip), batched by the default
collate. The DataLoader is d2l's: batch 256, shuffle=True, num_workers = d2l's
get_dataloader_workers() (4) capped at the CPUs this process may use, which is the count the
ferrite side uses too (the case names carry it).

Workloads:
  W9 mlp_fashion_mnist_epoch  one training epoch of d2l's MLP (Flatten, Linear(784,256), ReLU,
                       Linear(256,10); N(0, 0.01) weights), CrossEntropyLoss(mean), SGD lr 0.1,
                       through the DataLoader: seconds, images/s, mean train loss
  W10 dataloader_throughput   one epoch of the DataLoader alone, no model, at 0 workers and at
                       the d2l count: images/s; plus the time to read the training split
"""
import argparse
import gzip
import json
import os
import platform
import statistics
import struct
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default=None, help="comma list of workload ids; ids not here are ignored")
    return p.parse_args()


ARGS = parse_args()
# Set before torch loads so OpenMP / MKL pools are created with the right size.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils import data  # noqa: E402

torch.set_num_threads(ARGS.threads)
perf = time.perf_counter
Q = ARGS.quick
BATCH = 256
QUICK_IMAGES = 20 * BATCH
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
W9 = "W9_mlp_fashion_mnist_epoch"
W10 = "W10_dataloader_throughput"


def only(w):
    if ARGS.only is None:
        return True
    return w in [x.strip() for x in ARGS.only.split(",")]


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


def time_reps(warmup, reps, fn):
    """torch_bench.py's timing loop: fn() warmup times untimed, then reps times timed; the result
    of each timed call is dropped after the clock stops."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = perf()
        r = fn()
        dt = perf() - t0
        del r
        times.append(dt)
    return times


def get_dataloader_workers():
    """d2l's get_dataloader_workers() returns 4; capped at the CPUs this process may use, as
    ferrite's get_dataloader_workers() is, so both sides run the same count."""
    return min(len(os.sched_getaffinity(0)), 4)


def data_dir():
    return os.path.join(os.environ.get("FERRITE_DATA_DIR") or "data", "fashion-mnist")


def locate(directory, gz_name):
    """The gzipped file, else the raw one (as ferrite looks them up)."""
    for name in (gz_name, gz_name[: -len(".gz")]):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def read_idx(path, magic):
    """A uint8 IDX file (gzipped or raw) as a uint8 tensor of the dims its header gives."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    (found,) = struct.unpack(">I", buf[:4])
    if found != magic:
        raise ValueError(f"{path}: bad magic number {found}, expected {magic}")
    ndim = buf[3]
    dims = struct.unpack(f">{ndim}I", buf[4 : 4 + 4 * ndim])
    pixels = np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim)
    if pixels.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {pixels.size} bytes of elements, the header announces {dims}")
    return torch.from_numpy(pixels.reshape(dims).copy())


def read_train_split(workload):
    """(images uint8 (N, 28, 28), labels int64 (N,), seconds to read) or None, after saying why."""
    directory = data_dir()
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    paths = [locate(directory, n) for n in names]
    missing = [n for n, p in zip(names, paths) if p is None]
    if missing:
        print(f"torch_extra: {workload}: skipped: no Fashion-MNIST training files in {directory} "
              f"(missing {', '.join(missing)}); set FERRITE_DATA_DIR to the folder that holds fashion-mnist/",
              file=sys.stderr)
        return None
    t0 = perf()
    images = read_idx(paths[0], IMAGES_MAGIC)
    labels = read_idx(paths[1], LABELS_MAGIC).long()  # torchvision keeps targets as int64
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return images, labels, perf() - t0


class FashionMNIST(data.Dataset):
    """torchvision's FashionMNIST(train=True, transform=ToTensor()), from tensors."""

    def __init__(self, images, targets):
        self.data, self.targets = images, targets

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        # ToTensor: (H, W) uint8 -> (C=1, H, W) float32 in [0, 1].
        return img.unsqueeze(0).to(dtype=torch.float32).div(255), target


def loader(images, labels, n, workers):
    dataset = FashionMNIST(images, labels)
    if n < len(dataset):
        dataset = data.Subset(dataset, range(n))
    return data.DataLoader(dataset, BATCH, shuffle=True, num_workers=workers)


def n_images(labels):
    return min(QUICK_IMAGES, len(labels)) if Q else len(labels)


def init_weights(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


def w9_mlp_epoch():
    split = read_train_split(W9)
    if split is None:
        return []
    images, labels, _ = split
    warmup, reps = (0, 1) if Q else (1, 3)
    n, workers = n_images(labels), get_dataloader_workers()
    train_iter = loader(images, labels, n, workers)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    net.apply(init_weights)
    loss = nn.CrossEntropyLoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    mean_losses = []

    def epoch():
        total, seen = 0.0, 0
        for X, y in train_iter:
            l = loss(net(X), y)  # noqa: E741
            trainer.zero_grad()
            l.backward()
            trainer.step()
            total += l.item() * y.numel()
            seen += y.numel()
        mean_losses.append(total / seen)

    times = time_reps(warmup, reps, epoch)
    t = statistics.median(times)
    note = (f"one epoch = {len(train_iter)} batches: DataLoader(FashionMNIST-like Dataset, batch {BATCH}, "
            f"shuffle, {workers} worker processes), forward, CrossEntropyLoss(mean), zero_grad, backward, "
            f"SGD(lr=0.1).step, loss.item(); the same net trains on across reps; N(0, 0.01) weights; "
            f"mean train loss of the last timed epoch {mean_losses[-1]:.4f}")
    case = f"epoch n={n} batch={BATCH} workers={workers}"
    return [
        rec(W9, case, "seconds", t, "s", times, warmup, note),
        rec(W9, case, "images_per_s", n / t, "images/s", times, warmup, note),
        rec(W9, case, "train_loss", mean_losses[-1], "ce", times, warmup,
            "mean cross-entropy over the last timed epoch (depends on the shuffle and init draws of each framework)"),
    ]


def w10_dataloader():
    split = read_train_split(W10)
    if split is None:
        return []
    images, labels, read_s = split
    warmup, reps = (0, 1) if Q else (1, 3)
    n = n_images(labels)
    out = []
    torch.manual_seed(0)
    for workers in (0, get_dataloader_workers()):
        train_iter = loader(images, labels, n, workers)

        def epoch():
            seen = 0
            for X, _y in train_iter:
                seen += len(X)
            return seen

        times = time_reps(warmup, reps, epoch)
        note = (f"one epoch of DataLoader(FashionMNIST-like Dataset, batch {BATCH}, shuffle, {workers} worker "
                f"processes), no model; per-item __getitem__ (uint8 -> float32 / 255) + default collate")
        out.append(rec(W10, f"epoch n={n} batch={BATCH} workers={workers}", "images_per_s",
                       n / statistics.median(times), "images/s", times, warmup, note))
    out.append(rec(W10, f"read train split n={len(labels)}", "seconds", read_s, "s", [read_s], 0,
                   "extra row: gzip.open().read() + numpy.frombuffer + copy into a uint8 tensor, images and "
                   "labels; one cold-ish run"))
    return out


def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None


def main():
    t0 = perf()
    recs, skipped = [], []
    for wid, name, fn in [("W9", W9, w9_mlp_epoch), ("W10", W10, w10_dataloader)]:
        if only(wid):
            got = fn()
            if not got:
                skipped.append(name)
            recs.extend(got)
    total = perf() - t0

    backend = f"CPU, capability={torch.backends.cpu.get_cpu_capability()}, parallel=OpenMP"
    print(f"framework=torch {torch.__version__} (torch_extra.py) threads={ARGS.threads} "
          f"(torch.get_num_threads={torch.get_num_threads()}) dataloader_workers={get_dataloader_workers()} quick={Q}")
    print(f"{'workload':<26} {'case':<34} {'value':>14} {'unit':<10} {'median_ms':>11} {'reps':>5}")
    for r in recs:
        v = r["value"]
        vs = f"{v:.1f}" if abs(v) >= 1000 else f"{v:.4g}"
        print(f"{r['workload']:<26} {r['case']:<34} {vs:>14} {r['unit']:<10} "
              f"{r['median_s'] * 1e3:>11.3f} {r['reps']:>5}")
    print(f"total wall time {total:.1f} s; OS threads in process at exit: {os_threads()}")

    doc = {
        "framework": "torch",
        "script": "crates/ferrite-bench/torch_extra.py",
        "backend": backend,
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": ARGS.threads,
        "torch_num_threads": torch.get_num_threads(),
        "thread_env": {"OMP_NUM_THREADS": str(ARGS.threads), "MKL_NUM_THREADS": str(ARGS.threads)},
        "dataloader_workers": get_dataloader_workers(),
        "data_dir": data_dir(),
        "os_threads_at_exit": os_threads(),
        "quick": Q,
        "dtype": "float32",
        "timer": "time.perf_counter, median of timed reps after warm-up",
        "skipped": skipped,
        "total_wall_s": total,
        "results": recs,
    }
    d = os.path.dirname(ARGS.out)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(ARGS.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
