"""Writes the PyTorch golden fixture of ferrite-optim: parameter trajectories of SGD, Adam and AdamW
under fixed gradients, and the learning rates of StepLR and CosineAnnealingLR.

Run from the repository root with the reference venv's python (`cargo xtask golden` does this):

    $TORCH_VENV/bin/python tests/golden/gen_optim.py

Output, committed: tests/golden/optim.safetensors, holding
  init/p<j>             the initial parameters (p0 is 3x4, p1 has 4 elements), f32
  grad/s<k>/p<j>        the gradient of parameter j at step k (the same for every case), f32
  <case>/s<k>/p<j>      parameter j after step k of the case, f32
  sched/<name>          a scheduler case's lrs, f64 [epochs + 1, groups]: row 0 after construction,
                        row e after the e-th scheduler.step()
and, in the header's metadata under "manifest", a JSON object: "optim_cases" and "sched_cases" (lists
describing each case, which crates/ferrite-optim/tests/golden.rs builds its optimizers and schedulers
from) and "torch_version". Reruns are byte-identical.

An optimizer case is {name, optimizer, defaults, groups, skip}: `defaults` are the constructor's
keyword arguments, `groups` (null for one group of all parameters) lists each group's parameter
indices and overrides, and `skip` lists [step, param] pairs whose gradient is None at that step.
Every optimizer runs its single-tensor implementation (foreach=False), the one ferrite follows.
"""

import json
import os
import warnings

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.safetensors")
STEPS = 5
SHAPES = [(3, 4), (4,)]

OPTIM_CASES = [
    {"name": "sgd", "optimizer": "SGD", "defaults": {"lr": 0.1}},
    {"name": "sgd_momentum", "optimizer": "SGD", "defaults": {"lr": 0.1, "momentum": 0.9}},
    {"name": "sgd_dampening", "optimizer": "SGD", "defaults": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}},
    {"name": "sgd_nesterov", "optimizer": "SGD", "defaults": {"lr": 0.1, "momentum": 0.9, "nesterov": True}},
    {"name": "sgd_weight_decay", "optimizer": "SGD", "defaults": {"lr": 0.1, "weight_decay": 0.01}},
    {"name": "sgd_maximize", "optimizer": "SGD", "defaults": {"lr": 0.1, "momentum": 0.9, "maximize": True}},
    {
        "name": "sgd_all",
        "optimizer": "SGD",
        "defaults": {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1, "maximize": True},
    },
    {
        "name": "sgd_groups",
        "optimizer": "SGD",
        "defaults": {"lr": 0.1, "momentum": 0.9},
        "groups": [{"params": [0], "weight_decay": 0.1}, {"params": [1], "lr": 0.01}],
    },
    {"name": "sgd_skip", "optimizer": "SGD", "defaults": {"lr": 0.1, "momentum": 0.9}, "skip": [[1, 1], [2, 1]]},
    {"name": "adam", "optimizer": "Adam", "defaults": {"lr": 0.01}},
    {"name": "adam_amsgrad", "optimizer": "Adam", "defaults": {"lr": 0.01, "amsgrad": True}},
    {"name": "adam_weight_decay", "optimizer": "Adam", "defaults": {"lr": 0.01, "weight_decay": 0.1}},
    {
        # beta1 = 0.3 makes lerp's weight 0.7, its other branch.
        "name": "adam_betas",
        "optimizer": "Adam",
        "defaults": {"lr": 0.01, "betas": [0.3, 0.8], "eps": 1e-6, "maximize": True},
    },
    {
        "name": "adam_groups",
        "optimizer": "Adam",
        "defaults": {"lr": 0.01},
        "groups": [
            {"params": [0], "lr": 0.001, "weight_decay": 0.1},
            {"params": [1], "betas": [0.8, 0.99], "amsgrad": True},
        ],
    },
    {"name": "adam_skip", "optimizer": "Adam", "defaults": {"lr": 0.01}, "skip": [[1, 1], [2, 1]]},
    {"name": "adamw", "optimizer": "AdamW", "defaults": {"lr": 0.01}},
    {"name": "adamw_amsgrad", "optimizer": "AdamW", "defaults": {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}},
]

SCHED_CASES = [
    # gamma = 0.1 makes the recursive lr * gamma differ from the closed form base * gamma**k.
    {"name": "steplr", "scheduler": "StepLR", "args": {"step_size": 3, "gamma": 0.1}, "lrs": [0.1], "epochs": 20},
    {"name": "steplr_groups", "scheduler": "StepLR", "args": {"step_size": 1, "gamma": 0.9}, "lrs": [0.1, 0.03], "epochs": 20},
    # 30 epochs with T_max = 7 pass the trough at epoch 8 and 22 (the special branch) and come back up.
    {"name": "cosine", "scheduler": "CosineAnnealingLR", "args": {"T_max": 7, "eta_min": 0.001}, "lrs": [0.1, 0.05], "epochs": 30},
    {"name": "cosine_zero_min", "scheduler": "CosineAnnealingLR", "args": {"T_max": 10, "eta_min": 0.0}, "lrs": [0.5], "epochs": 20},
]

OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}
SCHEDULERS = {"StepLR": torch.optim.lr_scheduler.StepLR, "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR}


def kwargs(options):
    return {k: tuple(v) if k == "betas" else v for k, v in options.items()}


def run_optim(case, init, grads, out):
    params = [torch.nn.Parameter(t.clone()) for t in init]
    if case.get("groups") is None:
        groups = params
    else:
        groups = [{"params": [params[i] for i in g["params"]], **kwargs({k: v for k, v in g.items() if k != "params"})} for g in case["groups"]]
    opt = OPTIMIZERS[case["optimizer"]](groups, foreach=False, **kwargs(case["defaults"]))
    skip = {tuple(s) for s in case.get("skip", [])}
    for k in range(STEPS):
        opt.zero_grad()
        for j, p in enumerate(params):
            p.grad = None if (k, j) in skip else grads[k][j].clone()
        opt.step()
        for j, p in enumerate(params):
            out[f"{case['name']}/s{k}/p{j}"] = p.detach().clone()


def run_sched(case, out):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in case["lrs"]]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, case["lrs"])], lr=1.0)
    sched = SCHEDULERS[case["scheduler"]](opt, **case["args"])
    rows = [sched.get_last_lr()]
    for _ in range(case["epochs"]):
        opt.step()  # no gradients: nothing moves, but PyTorch wants the optimizer stepped first
        sched.step()
        rows.append(sched.get_last_lr())
    out[f"sched/{case['name']}"] = torch.tensor(rows, dtype=torch.float64)


def main():
    warnings.simplefilter("error")  # a deprecation here would mean the cases no longer say what they mean
    gen = torch.Generator().manual_seed(20240601)
    init = [torch.randn(s, generator=gen) for s in SHAPES]
    grads = [[torch.randn(s, generator=gen) for s in SHAPES] for _ in range(STEPS)]
    out = {f"init/p{j}": t for j, t in enumerate(init)}
    for k in range(STEPS):
        for j, g in enumerate(grads[k]):
            out[f"grad/s{k}/p{j}"] = g
    for case in OPTIM_CASES:
        run_optim(case, init, grads, out)
    for case in SCHED_CASES:
        run_sched(case, out)
    # One metadata key: safetensors writes several in hash order, which would make reruns differ.
    manifest = {"optim_cases": OPTIM_CASES, "sched_cases": SCHED_CASES, "torch_version": torch.__version__}
    metadata = {"manifest": json.dumps(manifest)}
    save_file({k: v.contiguous() for k, v in sorted(out.items())}, OUT, metadata=metadata)
    print(f"wrote {OUT}: {len(OPTIM_CASES)} optimizer cases, {len(SCHED_CASES)} scheduler cases")


if __name__ == "__main__":
    main()
