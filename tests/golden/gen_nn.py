"""Writes ferrite's PyTorch golden fixtures for modules (d2l's "deep learning computation" chapter).

Run from the repository root with the reference venv's python:

    $TORCH_VENV/bin/python tests/golden/gen_nn.py

Outputs, in tests/golden/ and committed (tests/tests/nn_golden.rs and the d2l_* tests read them):
  nn_modules.json  {case: {repr, named_parameters, state_dict}}: PyTorch's `repr(net)`, the
                   `(name, shape)` of `net.named_parameters()` (a shared parameter once) and of
                   `net.state_dict()` (a shared parameter under every name), for each architecture.
                   nn_golden.rs builds the same architecture in Rust for each case name.
  nn_values.json   {case: repr}: reprs that hold values (Parameter, state_dict, weights after
                   init), from tensors set to fixed numbers, so no random value is compared.
  nn_tied.json     d2l's shared-layer net with fixed weights and input: every weight, the input
                   and PyTorch's gradients of `net(X).sum()` (the shared weight's gradient is the sum
                   of both uses).

Nothing here depends on PyTorch's random numbers: weights that matter are set explicitly, and the
random ones only fix shapes. The reprs need Python < 3.12, whose OrderedDict prints as
`OrderedDict([('weight', ...)])`, as the d2l notes show.
"""

import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
assert sys.version_info < (3, 12), "OrderedDict's repr changed in Python 3.12; use 3.11 as d2l's notes do"


# ---------------------------------------------------------------------------------------------
# d2l's blocks (the Rust versions are in tests/tests/nn_golden.rs under the same names).


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.out = nn.Linear(256, 10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self._modules[str(idx)] = module

    def forward(self, X):
        for block in self._modules.values():
            X = block(X)
        return X


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20), requires_grad=False)
        self.linear = nn.Linear(20, 20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(torch.mm(X, self.rand_weight) + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X):
        return self.linear(self.net(X))


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return F.relu(torch.matmul(X, self.weight.data) + self.bias.data)


class MyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 1, 1)
        self.conv2 = nn.Conv2d(3, 32, 3, 1, 1)
        self.dense1 = nn.Linear(32 * 3 * 3, 128)
        self.dense2 = nn.Linear(128, 10)


def block1():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())


def block2():
    net = nn.Sequential()
    for i in range(4):
        net.add_module(f"block {i}", block1())
    return net


def shared_net():
    shared = nn.Linear(8, 8)
    return nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1)
    )


def lazy_net():
    return nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))


def lazy_after():
    net = lazy_net()
    net(torch.rand(2, 20))
    return net


def module_list_shared():
    s = nn.Linear(8, 8)
    return nn.ModuleList([nn.Linear(4, 8), s, s, nn.ReLU()])


def module_dict():
    return nn.ModuleDict({"conv": nn.Conv2d(1, 4, 3), "pool": nn.MaxPool2d(2), "act": nn.ReLU()})


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )


# Every architecture: name -> constructor. nn_golden.rs has one arm per name.
MODULES = {
    "d2l_net": lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)),
    "rgnet": lambda: nn.Sequential(block2(), nn.Linear(4, 1)),
    "shared": shared_net,
    "lazy_before": lazy_net,
    "lazy_after": lazy_after,
    "mlp": MLP,
    "my_sequential": lambda: MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10)),
    "fixed_hidden_mlp": FixedHiddenMLP,
    "nest_mlp": NestMLP,
    "chimera": lambda: nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP()),
    "centered_net": lambda: nn.Sequential(nn.Linear(8, 128), CenteredLayer()),
    "my_linear": lambda: MyLinear(5, 3),
    "my_linear_net": lambda: nn.Sequential(MyLinear(64, 8), MyLinear(8, 1)),
    "my_net": MyNet,
    "lenet": lenet,
    "conv_variants": lambda: nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1),
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), bias=False),
        nn.Conv2d(4, 8, 3, dilation=2, groups=2),
        nn.Conv2d(2, 2, 1, stride=3),
    ),
    "pool_variants": lambda: nn.Sequential(
        nn.MaxPool2d(2),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.MaxPool2d((2, 3)),
        nn.MaxPool2d(3, stride=1, dilation=2, ceil_mode=True),
        nn.AvgPool2d(2),
        nn.AvgPool2d(3, stride=1, padding=1),
        nn.AvgPool2d((2, 3), stride=(1, 2)),
    ),
    "simple_layers": lambda: nn.Sequential(
        nn.Identity(), nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1),
        nn.Flatten(), nn.Flatten(0, 2), nn.Dropout(0.5), nn.Dropout(0.1),
        nn.Linear(3, 2, bias=False),
    ),
    "module_list_shared": module_list_shared,
    "module_dict": module_dict,
    "empty_sequential": nn.Sequential,
}


def shape_pairs(items):
    return [[name, list(t.shape)] for name, t in items]


def modules_fixture():
    out = {}
    for name, make in MODULES.items():
        torch.manual_seed(0)
        net = make()
        case = {"repr": repr(net)}
        if name != "lazy_before":  # an UninitializedParameter has no shape
            case["named_parameters"] = shape_pairs(net.named_parameters())
            case["state_dict"] = shape_pairs(net.state_dict().items())
        out[name] = case
    return out


# ---------------------------------------------------------------------------------------------
# Values: fixed numbers, so the reprs are exact.


def fixed(shape, mul=7, modulus=17, off=8.0, div=16.0):
    """((i * mul) % modulus - off) / div: exact binary fractions, the same in Rust."""
    n = 1
    for d in shape:
        n *= d
    vals = [((i * mul) % modulus - off) / div for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def set_fixed(net):
    """Sets every parameter, in named_parameters order, to `fixed` with a per-index multiplier."""
    with torch.no_grad():
        for k, (_, p) in enumerate(net.named_parameters()):
            p.copy_(fixed(p.shape, mul=7 + 2 * k))


def values_fixture():
    out = OrderedDict()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    set_fixed(net)
    out["net2_state_dict"] = repr(net[2].state_dict())
    out["net_state_dict"] = repr(net.state_dict())
    out["net2_bias"] = repr(net[2].bias)
    out["net2_bias_data"] = repr(net[2].bias.data)
    out["net0_weight"] = repr(net[0].weight)
    out["net2_bias_key"] = repr(net.state_dict()["2.bias"].data)
    out["net0_weight_slice"] = repr(net[0].weight[:2])
    out["parameter_arange"] = repr(nn.Parameter(torch.arange(6.0).reshape(2, 3)))
    out["parameter_scalar"] = repr(nn.Parameter(torch.tensor(0.5)))
    out["uninitialized_parameter"] = repr(nn.LazyLinear(3).weight)
    # d2l's direct edits on a fixed weight: `[:] += 1` then `[0, 0] = 42`.
    with torch.no_grad():
        net[0].weight.data[:] += 1
        net[0].weight.data[0, 0] = 42
    out["net0_weight_edited"] = repr(net[0].weight.data)
    # d2l's custom init mask on fixed numbers in [-10, 10].
    w = fixed([2, 4], mul=5, modulus=21, off=10.0, div=1.0) + 0.5
    w *= w.abs() >= 5
    out["my_init_mask"] = repr(w)
    # CenteredLayer on d2l's input.
    out["centered"] = repr(CenteredLayer()(torch.FloatTensor([1, 2, 3, 4, 5])))
    return out


# ---------------------------------------------------------------------------------------------
# Tied gradients: d2l's shared net, fixed weights and input.


def tied_fixture():
    net = shared_net()
    set_fixed(net)
    X = fixed([2, 4], mul=3, modulus=11, off=5.0, div=8.0)
    y = net(X)
    y.sum().backward()
    params = [[n, list(p.shape), p.detach().flatten().tolist()] for n, p in net.named_parameters()]
    grads = [[n, p.grad.flatten().tolist()] for n, p in net.named_parameters()]
    # The gradient of each use alone, by untying: a second copy of the shared layer at position 4.
    untied = nn.Sequential(*[nn.Linear(m.in_features, m.out_features) if isinstance(m, nn.Linear) else m
                             for m in net])
    with torch.no_grad():
        for a, b in zip(untied, net):
            if isinstance(a, nn.Linear):
                a.weight.copy_(b.weight)
                a.bias.copy_(b.bias)
    untied(X).sum().backward()
    return {
        "x": X.flatten().tolist(),
        "x_shape": list(X.shape),
        "y": y.detach().flatten().tolist(),
        "params": params,
        "grads": grads,
        "untied_grad_2_weight": untied[2].weight.grad.flatten().tolist(),
        "untied_grad_4_weight": untied[4].weight.grad.flatten().tolist(),
        "untied_grad_2_bias": untied[2].bias.grad.flatten().tolist(),
        "untied_grad_4_bias": untied[4].bias.grad.flatten().tolist(),
    }


def write(name, obj):
    obj = dict(obj)
    obj["torch_version"] = torch.__version__.split("+")[0]
    with open(os.path.join(OUT_DIR, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


def main():
    torch.set_num_threads(1)
    write("nn_modules.json", modules_fixture())
    write("nn_values.json", values_fixture())
    write("nn_tied.json", tied_fixture())


if __name__ == "__main__":
    main()
