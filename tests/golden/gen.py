"""Writes ferrite's PyTorch golden fixtures: forward values and tensor reprs.

Run from the repository root with the reference venv's python (`cargo xtask golden` does this):

    $TORCH_VENV/bin/python tests/golden/gen.py

Outputs, all in tests/golden/ and committed:
  forward.safetensors  inputs and PyTorch's outputs of every case, keyed "<case>/in<i>", "<case>/out<i>"
  forward.json         the cases: name, op (the ferrite method), args, input and output keys, rtol, atol
  display.json         {case: {expr, repr}}: a Python expression and PyTorch's repr of its value
  backward.safetensors PyTorch's input gradients of every differentiable float case, "<case>/grad<i>",
                       and the inputs of backward-only cases, "grad_<name>/in<i>"
  backward.json        the backward cases: name, op, args, inputs, gouts (upstream gradient patterns),
                       grads (keys or null), rtol, atol

Every case is computed by `run_op` from its op name and args, the same table that
crates/ferrite-tensor/tests/golden.rs dispatches on, so the manifest cannot drift from what PyTorch
computed. Each case draws its random inputs from a generator seeded by a hash of its name, so adding a
case leaves every other fixture byte-identical.
"""

import json
import math
import os
import warnings
import zlib

import torch
from safetensors.torch import save_file

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {
    "bool": torch.bool,
    "u8": torch.uint8,
    "i64": torch.int64,
    "f32": torch.float32,
    "f64": torch.float64,
}
FLOATS = [torch.float32, torch.float64]
SHORT = {torch.float32: "f32", torch.float64: "f64", torch.int64: "i64", torch.bool: "bool", torch.uint8: "u8"}

# Tolerances by kind: elementwise math, reductions/products (accumulation order differs), exact.
TOL = {
    ("ew", torch.float32): (1e-5, 1e-6),
    ("ew", torch.float64): (1e-10, 1e-12),
    ("red", torch.float32): (1e-5, 1e-5),
    ("red", torch.float64): (1e-10, 1e-10),
    ("big", torch.float32): (1e-4, 1e-3),
    ("big", torch.float64): (1e-10, 1e-9),
}


# ---------------------------------------------------------------------------------------------
# The op table: what each ferrite op name means in PyTorch.


def _dim_tuple(x, dims):
    return tuple(dims) if dims else tuple(range(x.dim()))


def _prod(x, dims, keepdim):
    if not dims:
        return x.prod()
    out = x
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        out = out.prod(d, keepdim=keepdim)
    return out


def _slice(x, a):
    d = a["dim"] % x.dim()
    idx = [slice(None)] * d + [slice(a["start"], a["end"], a["step"])]
    return x[tuple(idx)]


def _scalar_or_tensor(xs, a):
    """The right operand: the second input tensor, or the `scalar` arg (a Python number)."""
    return xs[1] if len(xs) > 1 else a["scalar"]


def _as_tensor_operand(xs, a):
    # torch.maximum / logical_* take no Python number; a 0-d tensor of the number's default dtype
    # promotes exactly as a wrapped number does for these dtypes.
    return xs[1] if len(xs) > 1 else torch.tensor(a["scalar"])


def _p(v):
    return {"inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else v


BINARY = {
    "add": lambda xs, a: torch.add(xs[0], _scalar_or_tensor(xs, a)),
    "sub": lambda xs, a: torch.sub(xs[0], _scalar_or_tensor(xs, a)),
    "rsub": lambda xs, a: torch.rsub(xs[0], _scalar_or_tensor(xs, a)),
    "mul": lambda xs, a: torch.mul(xs[0], _scalar_or_tensor(xs, a)),
    "div": lambda xs, a: torch.div(xs[0], _scalar_or_tensor(xs, a)),
    "pow": lambda xs, a: torch.pow(xs[0], _scalar_or_tensor(xs, a)),
    "maximum": lambda xs, a: torch.maximum(xs[0], _as_tensor_operand(xs, a)),
    "minimum": lambda xs, a: torch.minimum(xs[0], _as_tensor_operand(xs, a)),
    "eq": lambda xs, a: torch.eq(xs[0], _scalar_or_tensor(xs, a)),
    "ne": lambda xs, a: torch.ne(xs[0], _scalar_or_tensor(xs, a)),
    "lt": lambda xs, a: torch.lt(xs[0], _scalar_or_tensor(xs, a)),
    "le": lambda xs, a: torch.le(xs[0], _scalar_or_tensor(xs, a)),
    "gt": lambda xs, a: torch.gt(xs[0], _scalar_or_tensor(xs, a)),
    "ge": lambda xs, a: torch.ge(xs[0], _scalar_or_tensor(xs, a)),
    "logical_and": lambda xs, a: torch.logical_and(xs[0], _as_tensor_operand(xs, a)),
    "logical_or": lambda xs, a: torch.logical_or(xs[0], _as_tensor_operand(xs, a)),
    "logical_xor": lambda xs, a: torch.logical_xor(xs[0], _as_tensor_operand(xs, a)),
}

UNARY = {
    "neg": torch.neg,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "sign": torch.sign,
    "reciprocal": torch.reciprocal,
    "square": torch.square,
    "logical_not": torch.logical_not,
}

OTHER = {
    "clamp": lambda xs, a: torch.clamp(xs[0], a["min"], a["max"]),
    # ferrite's `x.where_(cond, other)` is torch.where(cond, x, other); inputs are [x, cond(, other)].
    "where_": lambda xs, a: torch.where(xs[1], xs[0], xs[2] if len(xs) > 2 else a["scalar"]),
    # Reductions.
    "sum": lambda xs, a: xs[0].sum(_dim_tuple(xs[0], a["dims"]), keepdim=a["keepdim"]),
    "sum_all": lambda xs, a: xs[0].sum(),
    "mean": lambda xs, a: xs[0].mean(_dim_tuple(xs[0], a["dims"]), keepdim=a["keepdim"]),
    "mean_all": lambda xs, a: xs[0].mean(),
    "prod": lambda xs, a: _prod(xs[0], a["dims"], a["keepdim"]),
    "max_all": lambda xs, a: xs[0].max(),
    "min_all": lambda xs, a: xs[0].min(),
    "amax": lambda xs, a: torch.amax(xs[0], _dim_tuple(xs[0], a["dims"]), keepdim=a["keepdim"]),
    "max": lambda xs, a: list(torch.max(xs[0], a["dim"], keepdim=a["keepdim"])),
    "min": lambda xs, a: list(torch.min(xs[0], a["dim"], keepdim=a["keepdim"])),
    "argmax": lambda xs, a: torch.argmax(xs[0], a["dim"], keepdim=a["keepdim"]),
    "argmin": lambda xs, a: torch.argmin(xs[0], a["dim"], keepdim=a["keepdim"]),
    "cumsum": lambda xs, a: torch.cumsum(xs[0], a["dim"]),
    "logsumexp": lambda xs, a: torch.logsumexp(xs[0], a["dim"], keepdim=a["keepdim"]),
    "softmax": lambda xs, a: torch.softmax(xs[0], a["dim"]),
    "log_softmax": lambda xs, a: torch.log_softmax(xs[0], a["dim"]),
    "var": lambda xs, a: torch.var(
        xs[0], a["dims"] or None, correction=int(a["unbiased"]), keepdim=a["keepdim"]
    ),
    "std": lambda xs, a: torch.std(
        xs[0], a["dims"] or None, correction=int(a["unbiased"]), keepdim=a["keepdim"]
    ),
    "norm": lambda xs, a: torch.linalg.vector_norm(xs[0]),
    "norm_p": lambda xs, a: torch.linalg.vector_norm(
        xs[0], _p(a["p"]), a["dims"] or None, keepdim=a["keepdim"]
    ),
    # Linear algebra.
    "matmul": lambda xs, a: torch.matmul(xs[0], xs[1]),
    "dot": lambda xs, a: torch.dot(xs[0], xs[1]),
    "mv": lambda xs, a: torch.mv(xs[0], xs[1]),
    "mm": lambda xs, a: torch.mm(xs[0], xs[1]),
    "bmm": lambda xs, a: torch.bmm(xs[0], xs[1]),
    # Shapes and views.
    "reshape": lambda xs, a: xs[0].reshape(a["shape"]),
    "view": lambda xs, a: xs[0].view(a["shape"]),
    "transpose": lambda xs, a: xs[0].transpose(a["dim0"], a["dim1"]),
    "t": lambda xs, a: xs[0].t(),
    "permute": lambda xs, a: xs[0].permute(a["dims"]),
    "expand": lambda xs, a: xs[0].expand(a["shape"]),
    "broadcast_to": lambda xs, a: xs[0].broadcast_to(a["shape"]),
    "narrow": lambda xs, a: xs[0].narrow(a["dim"], a["start"], a["len"]),
    "slice": lambda xs, a: _slice(xs[0], a),
    "select": lambda xs, a: xs[0].select(a["dim"], a["index"]),
    "flatten": lambda xs, a: xs[0].flatten(a["start_dim"], a["end_dim"]),
    "flatten_all": lambda xs, a: xs[0].flatten(),
    "squeeze": lambda xs, a: xs[0].squeeze(a["dim"]),
    "squeeze_all": lambda xs, a: xs[0].squeeze(),
    "unsqueeze": lambda xs, a: xs[0].unsqueeze(a["dim"]),
    "contiguous": lambda xs, a: xs[0].contiguous(),
    "cat": lambda xs, a: torch.cat(xs, a["dim"]),
    "stack": lambda xs, a: torch.stack(xs, a["dim"]),
    "split": lambda xs, a: list(torch.split(xs[0], a["size"], a["dim"])),
    "split_sizes": lambda xs, a: list(torch.split(xs[0], a["sizes"], a["dim"])),
    "chunk": lambda xs, a: list(torch.chunk(xs[0], a["chunks"], a["dim"])),
    "index_select": lambda xs, a: torch.index_select(xs[0], a["dim"], xs[1]),
    "gather": lambda xs, a: torch.gather(xs[0], a["dim"], xs[1]),
    "to_dtype": lambda xs, a: xs[0].to(DTYPES[a["dtype"]]),
    # Creation (no inputs).
    "arange": lambda xs, a: torch.arange(a["end"]),
    "arange_step": lambda xs, a: torch.arange(a["start"], a["end"], a["step"]),
    "linspace": lambda xs, a: torch.linspace(a["start"], a["end"], a["steps"]),
    "eye": lambda xs, a: torch.eye(a["n"]),
    "full": lambda xs, a: torch.full(a["shape"], a["value"], dtype=DTYPES[a["dtype"]]),
}


def run_op(op, xs, args):
    if op in BINARY:
        return BINARY[op](xs, args)
    if op in UNARY:
        return UNARY[op](xs[0])
    return OTHER[op](xs, args)


# ---------------------------------------------------------------------------------------------
# Case collection.


class Pattern:
    """A large input both sides compute instead of storing it: element i (row-major) is
    `((i * 7919) % 1009) / 1009 - 0.5` in f64, cast to the dtype. It repeats every 1009 elements, so
    max/argmax see ties. In the manifest it is an object in place of a tensor key."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = list(shape), dtype

    def tensor(self):
        i = torch.arange(math.prod(self.shape), dtype=torch.int64)
        v = ((i * 7919) % 1009).to(torch.float64) / 1009.0 - 0.5
        return v.to(self.dtype).reshape(self.shape)

    def spec(self):
        return {"pattern": "mod1009", "shape": self.shape, "dtype": SHORT[self.dtype]}


class Cases:
    def __init__(self):
        self.cases = []
        self.tensors = {}
        self.names = set()

    def gen(self, name):
        """A generator seeded by the case name, so cases are independent of each other's order."""
        return torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def add(self, name, op, inputs=(), args=None, kind="ew", prep=None):
        """Runs `op` on `inputs` with `args` and records the case.

        `prep` (one entry per input, or None) names a view the Rust side applies to the stored input
        before the op: "t" is `transpose(-2, -1)`, to test non-contiguous inputs. The stored tensor is
        the contiguous base; PyTorch also runs on the view.
        """
        assert name not in self.names, f"duplicate case {name}"
        self.names.add(name)
        args = args or {}
        views = []
        for i, x in enumerate(inputs):
            x = x.tensor() if isinstance(x, Pattern) else x
            p = prep[i] if prep else None
            views.append(x.transpose(-2, -1) if p == "t" else x)
        out = run_op(op, views, args)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        in_keys, out_keys = [], []
        for i, x in enumerate(inputs):
            if isinstance(x, Pattern):
                in_keys.append(x.spec())
                continue
            key = f"{name}/in{i}"
            self.tensors[key] = x.detach().contiguous().clone()
            in_keys.append(key)
        for i, y in enumerate(outs):
            key = f"{name}/out{i}"
            self.tensors[key] = y.detach().contiguous().clone()
            out_keys.append(key)
        dt = outs[0].dtype
        if kind == "exact" or not dt.is_floating_point:
            rtol, atol = 0.0, 0.0
        else:
            rtol, atol = TOL[(kind, dt)]
        case = {
            "name": name,
            "op": op,
            "args": args,
            "inputs": in_keys,
            "outputs": out_keys,
            "rtol": rtol,
            "atol": atol,
        }
        if prep:
            case["prep"] = list(prep)
        self.cases.append(case)

    # Input makers, all drawing from the case's own generator.
    def randn(self, g, shape, dtype=torch.float32, scale=1.0):
        return (torch.randn(shape, generator=g, dtype=torch.float64) * scale).to(dtype)

    def uniform(self, g, shape, lo, hi, dtype=torch.float32):
        return (torch.rand(shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(dtype)

    def randint(self, g, shape, lo, hi, dtype=torch.int64):
        return torch.randint(lo, hi, shape, generator=g).to(dtype)


def tensor_dtype_cases(c):
    # Unary math over a sensible domain, f32 and f64, plus special values.
    domains = {
        "neg": (-3, 3),
        "exp": (-5, 5),
        "log": (0.05, 10),
        "sqrt": (0.0, 10),
        "abs": (-3, 3),
        "sin": (-6, 6),
        "cos": (-6, 6),
        "relu": (-3, 3),
        "sigmoid": (-8, 8),
        "tanh": (-4, 4),
        "sign": (-3, 3),
        "reciprocal": (0.2, 5),
        "square": (-3, 3),
    }
    for op, (lo, hi) in domains.items():
        for dt in FLOATS:
            name = f"{op}_{SHORT[dt]}"
            g = c.gen(name)
            c.add(name, op, [c.uniform(g, (3, 4), lo, hi, dt)])
    special = torch.tensor([-math.inf, -100.0, -1.0, -0.0, 0.0, 1.0, 100.0, math.inf, math.nan])
    for op in ["neg", "exp", "abs", "relu", "sigmoid", "tanh", "sign"]:
        c.add(f"{op}_special_f32", op, [special.clone()])
    c.add("log_special_f32", "log", [torch.tensor([0.0, 1.0, math.inf, -1.0])])
    c.add("sqrt_special_f32", "sqrt", [torch.tensor([0.0, 4.0, math.inf, -1.0])])
    c.add("reciprocal_special_f32", "reciprocal", [torch.tensor([0.0, -0.0, 2.0, math.inf])])
    c.add("sigmoid_large_f64", "sigmoid", [torch.tensor([-800.0, -40.0, 40.0, 800.0], dtype=torch.float64)])
    # Integer inputs to float-only ops compute in the default float, as PyTorch.
    c.add("exp_i64", "exp", [torch.tensor([0, 1, 2, -1])])
    c.add("sqrt_i64", "sqrt", [torch.tensor([0, 1, 4, 9])])
    c.add("sigmoid_i64", "sigmoid", [torch.tensor([-2, 0, 2])])
    c.add("neg_i64", "neg", [torch.tensor([3, -2, 0])])
    c.add("abs_i64", "abs", [torch.tensor([3, -2, 0])])
    c.add("sign_i64", "sign", [torch.tensor([3, -2, 0])])
    c.add("relu_i64", "relu", [torch.tensor([3, -2, 0])])
    c.add("square_i64", "square", [torch.tensor([3, -2, 0])])
    c.add("exp_strided_f32", "exp", [c.uniform(c.gen("exp_strided_f32"), (4, 3), -2, 2)], prep=["t"])
    c.add("logical_not_f32", "logical_not", [torch.tensor([0.0, 1.5, -2.0, 0.0])])
    c.add("logical_not_bool", "logical_not", [torch.tensor([True, False])])
    c.add("logical_not_i64", "logical_not", [torch.tensor([0, 3, -1])])

    # clamp.
    for dt in FLOATS:
        x = c.uniform(c.gen(f"clamp_{SHORT[dt]}"), (3, 4), -3, 3, dt)
        c.add(f"clamp_both_{SHORT[dt]}", "clamp", [x], {"min": -1.0, "max": 0.5})
        c.add(f"clamp_min_{SHORT[dt]}", "clamp", [x], {"min": 0.0, "max": None})
        c.add(f"clamp_max_{SHORT[dt]}", "clamp", [x], {"min": None, "max": 1.25})
    c.add("clamp_i64_int", "clamp", [torch.tensor([-5, 0, 3, 9])], {"min": -1, "max": 4})
    c.add("clamp_i64_frac", "clamp", [torch.tensor([-5, 0, 3, 9])], {"min": -1.5, "max": 4.5})
    c.add("clamp_nan_f32", "clamp", [torch.tensor([math.nan, -2.0, 2.0])], {"min": -1.0, "max": 1.0})


def binary_cases(c):
    shapes = {
        "same": ((3, 4), (3, 4)),
        "bcast_col_row": ((3, 1), (1, 2)),
        "bcast_row": ((2, 3), (3,)),
        "bcast_3d": ((4, 1, 3), (2, 1)),
        "bcast_0d": ((2, 3), ()),
    }
    for op in ["add", "sub", "mul", "div", "maximum", "minimum"]:
        for dt in FLOATS:
            for sname, (sa, sb) in shapes.items():
                name = f"{op}_{sname}_{SHORT[dt]}"
                g = c.gen(name)
                a = c.randn(g, sa, dt)
                b = c.uniform(g, sb, 0.5, 2.0, dt) * (1 if op == "div" else torch.sign(c.randn(g, sb, dt)))
                c.add(name, op, [a, b])
            name = f"{op}_scalar_{SHORT[dt]}"
            c.add(name, op, [c.randn(c.gen(name), (2, 3), dt)], {"scalar": 1.5})
            name = f"{op}_int_scalar_{SHORT[dt]}"
            c.add(name, op, [c.randn(c.gen(name), (2, 3), dt)], {"scalar": 3})
    for dt in FLOATS:
        name = f"add_strided_{SHORT[dt]}"
        g = c.gen(name)
        c.add(name, "add", [c.randn(g, (4, 3), dt), c.randn(g, (3, 4), dt)], prep=["t", None])
        name = f"rsub_scalar_{SHORT[dt]}"
        c.add(name, "rsub", [c.randn(c.gen(name), (2, 3), dt)], {"scalar": 2.0})
        # pow: positive bases for tensor and fractional exponents; any base for integer exponents.
        name = f"pow_tensor_{SHORT[dt]}"
        g = c.gen(name)
        c.add(name, "pow", [c.uniform(g, (3, 1), 0.5, 3, dt), c.uniform(g, (1, 4), -2, 3, dt)])
        for e in [2, 3, 0.5, -1.5, 2.0, 0]:
            name = f"pow_scalar_{str(e).replace('.', 'p').replace('-', 'm')}_{SHORT[dt]}"
            g = c.gen(name)
            x = c.randn(g, (2, 3), dt) if isinstance(e, int) else c.uniform(g, (2, 3), 0.2, 3, dt)
            c.add(name, "pow", [x], {"scalar": e})
    c.add("pow_neg_base_frac_f32", "pow", [torch.tensor([-2.0, 2.0, -0.0])], {"scalar": 0.5})
    c.add("pow_i64_int", "pow", [torch.tensor([1, -2, 3, 0])], {"scalar": 3})
    c.add("pow_i64_frac", "pow", [torch.tensor([1, 2, 9, 0])], {"scalar": 0.5})
    c.add("pow_i64_tensor", "pow", [torch.tensor([2, 3, -2]), torch.tensor([3, 0, 3])])
    c.add("div_by_zero_f32", "div", [torch.tensor([1.0, -1.0, 0.0]), torch.tensor([0.0, 0.0, 0.0])])
    nan = torch.tensor([math.nan, 1.0, -2.0, math.nan])
    c.add("maximum_nan_f32", "maximum", [nan, torch.tensor([0.0, math.nan, 3.0, 1.0])])
    c.add("minimum_nan_f32", "minimum", [nan, torch.tensor([0.0, math.nan, 3.0, 1.0])])

    # Comparisons: integer-valued floats so that ties occur.
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        for dt in FLOATS:
            name = f"{op}_{SHORT[dt]}"
            g = c.gen(name)
            c.add(name, op, [c.randint(g, (3, 4), -2, 3, dt), c.randint(g, (3, 4), -2, 3, dt)])
            name = f"{op}_bcast_{SHORT[dt]}"
            g = c.gen(name)
            c.add(name, op, [c.randint(g, (3, 1), -2, 3, dt), c.randint(g, (4,), -2, 3, dt)])
            name = f"{op}_scalar_{SHORT[dt]}"
            c.add(name, op, [c.randint(c.gen(name), (2, 5), -2, 3, dt)], {"scalar": 1.0})
        name = f"{op}_i64"
        g = c.gen(name)
        c.add(name, op, [c.randint(g, (3, 4), -2, 3), c.randint(g, (3, 4), -2, 3)])
        c.add(f"{op}_i64_frac_scalar", op, [torch.tensor([0, 1, 2, 3])], {"scalar": 1.5})
        c.add(f"{op}_nan_f32", op, [torch.tensor([math.nan, 1.0, math.nan]), torch.tensor([math.nan, 1.0, 1.0])])
    c.add("eq_bool", "eq", [torch.tensor([True, False, True]), torch.tensor([True, True, False])])
    c.add("lt_f32_f64", "lt", [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.5, 2.0, 2.5], dtype=torch.float64)])

    # Logic.
    for op in ["logical_and", "logical_or", "logical_xor"]:
        c.add(f"{op}_bool", op, [torch.tensor([True, True, False, False]), torch.tensor([True, False, True, False])])
        c.add(f"{op}_f32", op, [torch.tensor([0.0, 1.5, -2.0, 0.0]), torch.tensor([3.0, 0.0, 1.0, 0.0])])
        c.add(f"{op}_bcast_i64", op, [torch.tensor([[0], [2]]), torch.tensor([0, 1, -1])])
        c.add(f"{op}_scalar_bool", op, [torch.tensor([True, False])], {"scalar": True})

    # where.
    for dt in FLOATS:
        name = f"where_{SHORT[dt]}"
        g = c.gen(name)
        cond = c.randn(g, (3, 4)) > 0
        c.add(name, "where_", [c.randn(g, (3, 4), dt), cond, c.randn(g, (3, 4), dt)])
        name = f"where_bcast_{SHORT[dt]}"
        g = c.gen(name)
        c.add(name, "where_", [c.randn(g, (1, 4), dt), c.randn(g, (3, 1)) > 0, c.randn(g, (3, 4), dt)])
        name = f"where_scalar_{SHORT[dt]}"
        g = c.gen(name)
        c.add(name, "where_", [c.randn(g, (2, 3), dt), c.randn(g, (2, 3)) > 0], {"scalar": 0.0})
    c.add(
        "where_i64_float_scalar",
        "where_",
        [torch.tensor([1, 2, 3]), torch.tensor([True, False, True])],
        {"scalar": 0.5},
    )
    c.add(
        "where_mixed_dtypes",
        "where_",
        [torch.tensor([1, 2, 3]), torch.tensor([True, False, True]), torch.tensor([0.5, 1.5, 2.5])],
    )


def promotion_cases(c):
    i64 = torch.tensor([1, 2, 3])
    c.add("promote_i64_add_float", "add", [i64], {"scalar": 1.5})
    c.add("promote_i64_add_int", "add", [i64], {"scalar": 2})
    c.add("promote_i64_mul_float", "mul", [i64], {"scalar": 2.5})
    c.add(
        "promote_f32_add_f64",
        "add",
        [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)],
    )
    c.add("promote_f32_add_f64_0d", "add", [torch.tensor([1.0, 2.0, 3.0]), torch.tensor(0.1, dtype=torch.float64)])
    c.add("promote_i64_add_f64_0d", "add", [i64, torch.tensor(0.5, dtype=torch.float64)])
    c.add("promote_f64_add_f32_0d", "add", [torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor(0.25)])
    c.add("promote_0d_f32_add_0d_f64", "add", [torch.tensor(1.0), torch.tensor(0.1, dtype=torch.float64)])
    c.add("promote_i64_add_f32", "add", [i64, torch.tensor([0.5, 0.25, 0.125])])
    c.add("promote_i64_div_i64", "div", [torch.tensor([1, 7, -7, 6]), torch.tensor([2, 2, 2, 3])])
    c.add("promote_i64_div_int", "div", [torch.tensor([1, 7, -7])], {"scalar": 2})
    c.add(
        "promote_bool_add_bool",
        "add",
        [torch.tensor([True, True, False, False]), torch.tensor([True, False, True, False])],
    )
    c.add("promote_bool_mul_bool", "mul", [torch.tensor([True, True, False]), torch.tensor([True, False, False])])
    c.add("promote_bool_add_int", "add", [torch.tensor([True, False])], {"scalar": 1})
    c.add("promote_bool_add_float", "add", [torch.tensor([True, False])], {"scalar": 0.5})
    c.add("promote_u8_add_i64", "add", [torch.tensor([1, 200], dtype=torch.uint8), torch.tensor([1, 2])])
    c.add(
        "promote_u8_add_u8_wraps",
        "add",
        [torch.tensor([200, 10], dtype=torch.uint8), torch.tensor([100, 5], dtype=torch.uint8)],
    )
    c.add("promote_u8_add_int_scalar", "add", [torch.tensor([250, 1], dtype=torch.uint8)], {"scalar": 10})
    c.add("promote_f64_add_float_scalar", "add", [torch.tensor([1.0, 2.0], dtype=torch.float64)], {"scalar": 0.1})
    c.add("promote_f32_mul_bool", "mul", [torch.tensor([1.5, 2.5]), torch.tensor([True, False])])
    c.add("promote_i64_sub_i64", "sub", [torch.tensor([5, -3]), torch.tensor([7, 2])])
    c.add("promote_i64_maximum_f32", "maximum", [torch.tensor([1, 5]), torch.tensor([2.5, 3.5])])
    # Casts: floats truncate toward zero; nonzero is true.
    c.add("to_i64_from_f32", "to_dtype", [torch.tensor([-2.7, -0.5, 0.5, 2.7, 3.0])], {"dtype": "i64"})
    c.add("to_f32_from_f64", "to_dtype", [torch.tensor([0.1, 1e-40, 1e39], dtype=torch.float64)], {"dtype": "f32"})
    c.add("to_bool_from_f32", "to_dtype", [torch.tensor([0.0, -0.0, 0.1, math.nan])], {"dtype": "bool"})
    c.add("to_f32_from_bool", "to_dtype", [torch.tensor([True, False])], {"dtype": "f32"})
    c.add("to_u8_from_i64", "to_dtype", [torch.tensor([0, 255, 256, 300])], {"dtype": "u8"})
    c.add("to_f64_from_i64", "to_dtype", [torch.tensor([2**53 + 1, -3])], {"dtype": "f64"})


def reduction_cases(c):
    for dt in FLOATS:
        s = SHORT[dt]
        x = c.randn(c.gen(f"reduce_{s}"), (3, 4, 5), dt)
        for op in ["sum", "mean"]:
            c.add(f"{op}_all_{s}", f"{op}_all", [x], kind="red")
            c.add(f"{op}_empty_dims_{s}", op, [x], {"dims": [], "keepdim": False}, kind="red")
            c.add(f"{op}_d0_{s}", op, [x], {"dims": [0], "keepdim": False}, kind="red")
            c.add(f"{op}_d1_keep_{s}", op, [x], {"dims": [1], "keepdim": True}, kind="red")
            c.add(f"{op}_dm1_{s}", op, [x], {"dims": [-1], "keepdim": False}, kind="red")
            c.add(f"{op}_d02_{s}", op, [x], {"dims": [0, 2], "keepdim": False}, kind="red")
            c.add(f"{op}_d02_keep_{s}", op, [x], {"dims": [0, 2], "keepdim": True}, kind="red")
            c.add(f"{op}_all_dims_keep_{s}", op, [x], {"dims": [0, 1, 2], "keepdim": True}, kind="red")
        c.add(f"sum_strided_{s}", "sum", [x[0]], {"dims": [1], "keepdim": False}, kind="red", prep=["t"])
        p = c.uniform(c.gen(f"prod_{s}"), (3, 4), 0.5, 1.5, dt)
        c.add(f"prod_all_{s}", "prod", [p], {"dims": [], "keepdim": False}, kind="red")
        c.add(f"prod_d1_{s}", "prod", [p], {"dims": [1], "keepdim": False}, kind="red")
        c.add(f"prod_d0_keep_{s}", "prod", [p], {"dims": [0], "keepdim": True}, kind="red")
        # Extremes (random floats: no ties).
        c.add(f"max_all_{s}", "max_all", [x], kind="exact")
        c.add(f"min_all_{s}", "min_all", [x], kind="exact")
        c.add(f"amax_d1_{s}", "amax", [x], {"dims": [1], "keepdim": False}, kind="exact")
        c.add(f"amax_d02_keep_{s}", "amax", [x], {"dims": [0, 2], "keepdim": True}, kind="exact")
        c.add(f"amax_all_{s}", "amax", [x], {"dims": [], "keepdim": False}, kind="exact")
        for op in ["max", "min"]:
            c.add(f"{op}_dim0_{s}", op, [x], {"dim": 0, "keepdim": False}, kind="exact")
            c.add(f"{op}_dim2_keep_{s}", op, [x], {"dim": 2, "keepdim": True}, kind="exact")
            c.add(f"{op}_dimm2_{s}", op, [x], {"dim": -2, "keepdim": False}, kind="exact")
        for op in ["argmax", "argmin"]:
            c.add(f"{op}_all_{s}", op, [x], {"dim": None, "keepdim": False})
            c.add(f"{op}_d1_{s}", op, [x], {"dim": 1, "keepdim": False})
            c.add(f"{op}_d2_keep_{s}", op, [x], {"dim": 2, "keepdim": True})
            c.add(f"{op}_strided_{s}", op, [x[0]], {"dim": 1, "keepdim": False}, prep=["t"])
        for d in [0, 1, -1]:
            c.add(f"cumsum_d{d}_{s}".replace("-", "m"), "cumsum", [x[0]], {"dim": d}, kind="red")
        for unbiased in [True, False]:
            u = "unbiased" if unbiased else "biased"
            c.add(f"var_all_{u}_{s}", "var", [x], {"dims": [], "unbiased": unbiased, "keepdim": False}, kind="red")
            c.add(f"var_d1_{u}_{s}", "var", [x], {"dims": [1], "unbiased": unbiased, "keepdim": False}, kind="red")
            c.add(
                f"std_d02_keep_{u}_{s}",
                "std",
                [x],
                {"dims": [0, 2], "unbiased": unbiased, "keepdim": True},
                kind="red",
            )
            c.add(f"std_all_{u}_{s}", "std", [x], {"dims": [], "unbiased": unbiased, "keepdim": False}, kind="red")
        # Softmax family, including large inputs that overflow a naive exp.
        y = c.randn(c.gen(f"softmax_{s}"), (3, 5), dt, scale=3.0)
        big = torch.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], dtype=dt)
        for op in ["softmax", "log_softmax"]:
            c.add(f"{op}_d1_{s}", op, [y], {"dim": 1}, kind="red")
            c.add(f"{op}_d0_{s}", op, [y], {"dim": 0}, kind="red")
            c.add(f"{op}_dm1_3d_{s}", op, [x], {"dim": -1}, kind="red")
            c.add(f"{op}_large_{s}", op, [big], {"dim": 1}, kind="red")
        c.add(f"logsumexp_d1_{s}", "logsumexp", [y], {"dim": 1, "keepdim": False}, kind="red")
        c.add(f"logsumexp_d0_keep_{s}", "logsumexp", [y], {"dim": 0, "keepdim": True}, kind="red")
        c.add(f"logsumexp_large_{s}", "logsumexp", [big], {"dim": 1, "keepdim": False}, kind="red")
        # Norms.
        c.add(f"norm_{s}", "norm", [x], kind="red")
        for p in [1, 2, "inf", 3]:
            c.add(f"norm_p{p}_all_{s}", "norm_p", [x], {"p": p, "dims": [], "keepdim": False}, kind="red")
            c.add(f"norm_p{p}_d1_{s}", "norm_p", [x], {"p": p, "dims": [1], "keepdim": False}, kind="red")
            c.add(f"norm_p{p}_d2_keep_{s}", "norm_p", [x], {"p": p, "dims": [2], "keepdim": True}, kind="red")

    # Integer and bool reductions accumulate as i64.
    xi = torch.tensor([[3, -1, 4], [1, -5, 9]])
    c.add("sum_all_i64", "sum_all", [xi])
    c.add("sum_d0_i64", "sum", [xi], {"dims": [0], "keepdim": False})
    c.add("sum_all_bool", "sum_all", [torch.tensor([True, False, True, True])])
    c.add("sum_d1_u8", "sum", [torch.tensor([[200, 100], [1, 2]], dtype=torch.uint8)], {"dims": [1], "keepdim": False})
    c.add("prod_d1_i64", "prod", [xi], {"dims": [1], "keepdim": False})
    c.add("cumsum_i64", "cumsum", [xi], {"dim": 1})
    c.add("cumsum_bool", "cumsum", [torch.tensor([True, False, True])], {"dim": 0})
    c.add("max_dim1_i64", "max", [xi], {"dim": 1, "keepdim": False})
    c.add("max_all_i64", "max_all", [xi])
    c.add("amax_d0_i64", "amax", [xi], {"dims": [0], "keepdim": False})
    # Ties: PyTorch returns the first extreme index.
    ties = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    c.add("argmax_ties_f32", "argmax", [ties], {"dim": 1, "keepdim": False})
    c.add("argmin_ties_f32", "argmin", [ties], {"dim": 1, "keepdim": False})
    c.add("argmax_all_ties_f32", "argmax", [ties], {"dim": None, "keepdim": False})
    c.add("max_ties_f32", "max", [ties], {"dim": 1, "keepdim": False})
    c.add("min_ties_f32", "min", [ties], {"dim": 1, "keepdim": False})
    # NaN propagates through max/amax and is what argmax picks.
    nan = torch.tensor([[1.0, math.nan, 3.0], [4.0, 5.0, 6.0]])
    c.add("max_all_nan_f32", "max_all", [nan])
    c.add("amax_d1_nan_f32", "amax", [nan], {"dims": [1], "keepdim": False})
    c.add("argmax_d1_nan_f32", "argmax", [nan], {"dim": 1, "keepdim": False})
    c.add("max_d1_nan_f32", "max", [nan], {"dim": 1, "keepdim": False})
    c.add("sum_all_nan_f32", "sum_all", [nan])
    # 0-d and -inf rows.
    c.add("sum_all_0d_f32", "sum_all", [torch.tensor(2.5)])
    c.add("max_dim_0d_f32", "max", [torch.tensor(2.5)], {"dim": 0, "keepdim": False})
    c.add("argmax_0d_f32", "argmax", [torch.tensor(2.5)], {"dim": None, "keepdim": False})
    c.add(
        "logsumexp_neg_inf_f32",
        "logsumexp",
        [torch.tensor([[-math.inf, -math.inf], [0.0, -math.inf]])],
        {"dim": 1, "keepdim": False},
    )
    c.add("softmax_neg_inf_f32", "softmax", [torch.tensor([[0.0, -math.inf, 1.0]])], {"dim": 1}, kind="red")
    c.add("sum_empty_f32", "sum_all", [torch.zeros(0)])
    c.add("sum_empty_d1_f32", "sum", [torch.zeros(2, 0)], {"dims": [1], "keepdim": False})
    c.add("prod_empty_f32", "prod", [torch.zeros(0)], {"dims": [], "keepdim": False})
    c.add("mean_large_count_f32", "mean_all", [torch.full((1000,), 0.1)], kind="red")


def linalg_cases(c):
    shapes = {
        "1d_1d": ((4,), (4,)),
        "2d_1d": ((3, 4), (4,)),
        "1d_2d": ((4,), (4, 3)),
        "2d_2d": ((3, 4), (4, 5)),
        "3d_3d": ((2, 3, 4), (2, 4, 5)),
        "4d_3d_bcast": ((2, 1, 3, 4), (5, 4, 2)),
        "3d_2d": ((2, 3, 4), (4, 5)),
        "2d_3d": ((3, 4), (2, 4, 5)),
        "1d_3d": ((4,), (2, 4, 3)),
        "3d_1d": ((2, 3, 4), (4,)),
        "bcast_batch1": ((1, 3, 4), (3, 4, 2)),
    }
    for dt in FLOATS:
        s = SHORT[dt]
        for sname, (sa, sb) in shapes.items():
            name = f"matmul_{sname}_{s}"
            g = c.gen(name)
            c.add(name, "matmul", [c.randn(g, sa, dt), c.randn(g, sb, dt)], kind="red")
        name = f"matmul_strided_{s}"
        g = c.gen(name)
        c.add(name, "matmul", [c.randn(g, (4, 3), dt), c.randn(g, (5, 4), dt)], kind="red", prep=["t", "t"])
        name = f"matmul_big_{s}"
        g = c.gen(name)
        c.add(name, "matmul", [c.randn(g, (17, 33), dt), c.randn(g, (33, 9), dt)], kind="red")
        named = {"dot": ((5,), (5,)), "mv": ((3, 5), (5,)), "mm": ((3, 5), (5, 2)), "bmm": ((2, 3, 5), (2, 5, 2))}
        for op, (sa, sb) in named.items():
            name = f"{op}_{s}"
            g = c.gen(name)
            c.add(name, op, [c.randn(g, sa, dt), c.randn(g, sb, dt)], kind="red")
    c.add("mm_i64", "mm", [torch.tensor([[1, 2], [3, 4]]), torch.tensor([[5, -6], [7, 8]])])
    c.add("matmul_empty_k_f32", "matmul", [torch.zeros(2, 0), torch.zeros(0, 3)])


def shape_cases(c):
    x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    xd = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4) / 7
    xi = torch.arange(12).reshape(3, 4)
    ex = "exact"
    c.add("reshape_4_6", "reshape", [x], {"shape": [4, 6]}, ex)
    c.add("reshape_infer", "reshape", [x], {"shape": [-1, 8]}, ex)
    c.add("reshape_0d", "reshape", [torch.tensor([5.0])], {"shape": []}, ex)
    c.add("reshape_of_transposed", "reshape", [xi], {"shape": [12]}, ex, prep=["t"])
    c.add("view_f64", "view", [xd], {"shape": [6, 4]}, ex)
    c.add("transpose_01", "transpose", [x], {"dim0": 0, "dim1": 1}, ex)
    c.add("transpose_m1_0_f64", "transpose", [xd], {"dim0": -1, "dim1": 0}, ex)
    c.add("t_2d_i64", "t", [xi], {}, ex)
    c.add("t_1d", "t", [torch.arange(3.0)], {}, ex)
    c.add("permute_201", "permute", [x], {"dims": [2, 0, 1]}, ex)
    c.add("permute_neg", "permute", [xd], {"dims": [-1, -3, -2]}, ex)
    c.add("expand_row", "expand", [torch.arange(3.0).reshape(1, 3)], {"shape": [4, 3]}, ex)
    c.add("expand_new_dims", "expand", [torch.arange(3.0).reshape(3, 1)], {"shape": [2, 3, 5]}, ex)
    c.add("expand_keep", "expand", [torch.arange(3.0).reshape(3, 1)], {"shape": [-1, 4]}, ex)
    c.add("broadcast_to_i64", "broadcast_to", [torch.tensor([1, 2])], {"shape": [3, 2]}, ex)
    c.add("narrow_d1", "narrow", [x], {"dim": 1, "start": 1, "len": 2}, ex)
    c.add("narrow_dm1", "narrow", [xd], {"dim": -1, "start": 2, "len": 2}, ex)
    for name, (d, s, e, st) in {
        "slice_step2": (2, 0, None, 2),
        "slice_step3_off": (2, 1, None, 3),
        "slice_neg_start": (1, -2, None, 1),
        "slice_neg_end": (2, None, -1, 1),
        "slice_clamped": (1, -10, 10, 2),
        "slice_empty": (2, 3, 1, 1),
        "slice_d0_step": (0, None, None, 2),
    }.items():
        c.add(name, "slice", [x], {"dim": d, "start": s, "end": e, "step": st}, ex)
    c.add("slice_of_transposed", "slice", [xi], {"dim": 0, "start": 1, "end": None, "step": 2}, ex, prep=["t"])
    c.add("select_d0", "select", [x], {"dim": 0, "index": 1}, ex)
    c.add("select_neg", "select", [xd], {"dim": -1, "index": -1}, ex)
    c.add("flatten_12", "flatten", [x], {"start_dim": 1, "end_dim": 2}, ex)
    c.add("flatten_01", "flatten", [xd], {"start_dim": 0, "end_dim": 1}, ex)
    c.add("flatten_all", "flatten_all", [x], {}, ex)
    c.add("flatten_0d", "flatten_all", [torch.tensor(3.0)], {}, ex)
    y = torch.arange(6.0).reshape(1, 2, 1, 3)
    c.add("squeeze_d0", "squeeze", [y], {"dim": 0}, ex)
    c.add("squeeze_noop", "squeeze", [y], {"dim": 1}, ex)
    c.add("squeeze_neg", "squeeze", [y], {"dim": -2}, ex)
    c.add("squeeze_all", "squeeze_all", [y], {}, ex)
    c.add("unsqueeze_0", "unsqueeze", [xi], {"dim": 0}, ex)
    c.add("unsqueeze_end", "unsqueeze", [xi], {"dim": -1}, ex)
    c.add("unsqueeze_mid", "unsqueeze", [xi], {"dim": 1}, ex)
    c.add("contiguous_of_transposed", "contiguous", [x[0]], {}, ex, prep=["t"])

    a = torch.arange(6.0).reshape(2, 3)
    b = torch.arange(6.0, 12.0).reshape(2, 3)
    c.add("cat_d0", "cat", [a, b], {"dim": 0}, ex)
    c.add("cat_d1", "cat", [a, b, a], {"dim": 1}, ex)
    c.add("cat_dm1_uneven", "cat", [a, torch.arange(4.0).reshape(2, 2)], {"dim": -1}, ex)
    c.add("cat_promote", "cat", [torch.tensor([1, 2]), torch.tensor([0.5])], {"dim": 0}, ex)
    c.add("cat_strided", "cat", [xi, xi], {"dim": 0}, ex, prep=["t", "t"])
    c.add("stack_d0", "stack", [a, b], {"dim": 0}, ex)
    c.add("stack_d1", "stack", [a, b], {"dim": 1}, ex)
    c.add("stack_dm1", "stack", [a, b, a], {"dim": -1}, ex)
    c.add("split_2_d1", "split", [torch.arange(10.0).reshape(2, 5)], {"size": 2, "dim": 1}, ex)
    c.add("split_3_d0", "split", [torch.arange(14).reshape(7, 2)], {"size": 3, "dim": 0}, ex)
    c.add("split_sizes", "split_sizes", [torch.arange(12.0).reshape(6, 2)], {"sizes": [1, 3, 2], "dim": 0}, ex)
    c.add("chunk_3_of_7", "chunk", [torch.arange(7.0)], {"chunks": 3, "dim": 0}, ex)
    c.add("chunk_4_of_5", "chunk", [torch.arange(5.0)], {"chunks": 4, "dim": 0}, ex)
    c.add("chunk_2_d1", "chunk", [torch.arange(12.0).reshape(2, 6)], {"chunks": 2, "dim": 1}, ex)

    c.add("index_select_d0", "index_select", [x, torch.tensor([1, 0, 1])], {"dim": 0}, ex)
    c.add("index_select_d2", "index_select", [xd, torch.tensor([3, 0])], {"dim": 2}, ex)
    c.add("index_select_neg_dim", "index_select", [xi, torch.tensor([2])], {"dim": -1}, ex)
    c.add("index_select_strided", "index_select", [xi, torch.tensor([0, 2])], {"dim": 0}, ex, prep=["t", None])
    c.add("gather_d1", "gather", [a, torch.tensor([[2, 0], [1, 1]])], {"dim": 1}, ex)
    c.add("gather_d0", "gather", [a, torch.tensor([[1, 0, 1]])], {"dim": 0}, ex)
    c.add(
        "gather_d2l_pick",
        "gather",
        [torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]), torch.tensor([[0], [2]])],
        {"dim": 1},
        ex,
    )
    c.add("gather_3d", "gather", [xd, torch.tensor([[[0, 3], [1, 1], [2, 0]]])], {"dim": 2}, ex)


def creation_cases(c):
    ex = "exact"
    c.add("arange_12", "arange", [], {"end": 12}, ex)
    c.add("arange_4f", "arange", [], {"end": 4.0}, ex)
    c.add("arange_m8_8_0p1", "arange_step", [], {"start": -8, "end": 8, "step": 0.1}, kind="red")
    c.add("arange_0_1_0p1", "arange_step", [], {"start": 0, "end": 1, "step": 0.1}, kind="red")
    c.add("arange_1_10_3", "arange_step", [], {"start": 1, "end": 10, "step": 3}, ex)
    c.add("arange_10_0_m2", "arange_step", [], {"start": 10, "end": 0, "step": -2}, ex)
    c.add("arange_0_5_0p5", "arange_step", [], {"start": 0.0, "end": 5.0, "step": 0.5}, ex)
    c.add("arange_1_2p5_0p5", "arange_step", [], {"start": 1, "end": 2.5, "step": 0.5}, ex)
    c.add("arange_empty", "arange_step", [], {"start": 3, "end": 3, "step": 1}, ex)
    c.add("linspace_0_1_5", "linspace", [], {"start": 0.0, "end": 1.0, "steps": 5}, kind="red")
    c.add("linspace_m1_1_7", "linspace", [], {"start": -1.0, "end": 1.0, "steps": 7}, kind="red")
    c.add("linspace_0_10_1", "linspace", [], {"start": 0.0, "end": 10.0, "steps": 1}, ex)
    c.add("linspace_0_1_100", "linspace", [], {"start": 0.0, "end": 1.0, "steps": 100}, kind="red")
    c.add("eye_3", "eye", [], {"n": 3}, ex)
    c.add("eye_1", "eye", [], {"n": 1}, ex)
    c.add("full_f64", "full", [], {"shape": [2, 3], "value": 1.5, "dtype": "f64"}, ex)
    c.add("full_i64", "full", [], {"shape": [2], "value": 7, "dtype": "i64"}, ex)
    c.add("full_bool", "full", [], {"shape": [3], "value": True, "dtype": "bool"}, ex)


def large_cases(c):
    """Inputs past the CPU backend's parallel threshold (65536 elements, 2^18 matmul flops), with
    small outputs so that the fixtures stay small."""
    for dt in FLOATS:
        s = SHORT[dt]
        x = Pattern((300, 300), dt)
        c.add(f"large_sum_all_{s}", "sum_all", [x], kind="big")
        c.add(f"large_sum_d0_{s}", "sum", [x], {"dims": [0], "keepdim": False}, kind="big")
        c.add(f"large_sum_d1_{s}", "sum", [x], {"dims": [1], "keepdim": False}, kind="big")
        c.add(f"large_sum_strided_d0_{s}", "sum", [x], {"dims": [0], "keepdim": False}, kind="big", prep=["t"])
        c.add(f"large_mean_all_{s}", "mean_all", [x], kind="big")
        c.add(f"large_var_d1_{s}", "var", [x], {"dims": [1], "unbiased": True, "keepdim": False}, kind="big")
        c.add(f"large_norm_p3_d0_{s}", "norm_p", [x], {"p": 3, "dims": [0], "keepdim": False}, kind="big")
        c.add(f"large_logsumexp_d1_{s}", "logsumexp", [x], {"dim": 1, "keepdim": False}, kind="big")
        c.add(f"large_max_all_{s}", "max_all", [x], kind="exact")
        c.add(f"large_amax_d1_{s}", "amax", [x], {"dims": [1], "keepdim": False}, kind="exact")
        c.add(f"large_max_d0_{s}", "max", [x], {"dim": 0, "keepdim": False}, kind="exact")
        c.add(f"large_min_d1_strided_{s}", "min", [x], {"dim": 1, "keepdim": False}, kind="exact", prep=["t"])
        c.add(f"large_argmax_all_{s}", "argmax", [x], {"dim": None, "keepdim": False})
        c.add(f"large_argmin_d1_{s}", "argmin", [x], {"dim": 1, "keepdim": False})
        c.add(f"large_matmul_{s}", "matmul", [Pattern((40, 110), dt), Pattern((110, 60), dt)], kind="big")
        c.add(
            f"large_matmul_strided_{s}",
            "matmul",
            [Pattern((110, 40), dt), Pattern((60, 110), dt)],
            kind="big",
            prep=["t", "t"],
        )
        c.add(f"large_matmul_batched_{s}", "matmul", [Pattern((4, 20, 64), dt), Pattern((64, 16), dt)], kind="big")


def edge_cases(c):
    """Corner cases: 0-d and empty tensors, degenerate sizes, and promotion corners."""
    c.add("edge_gather_0d", "gather", [torch.tensor(2.5), torch.tensor(0)], {"dim": 0}, "exact")
    c.add("edge_index_select_0d", "index_select", [torch.tensor(2.5), torch.tensor([0])], {"dim": 0}, "exact")
    c.add("edge_squeeze_0d", "squeeze", [torch.tensor(2.5)], {"dim": 0}, "exact")
    c.add("edge_unsqueeze_0d", "unsqueeze", [torch.tensor(2.5)], {"dim": 0}, "exact")
    c.add("edge_expand_0d", "expand", [torch.tensor(2.5)], {"shape": [2, 3]}, "exact")
    c.add("edge_cumsum_0d", "cumsum", [torch.tensor(2.5)], {"dim": 0})
    c.add("edge_softmax_0d", "softmax", [torch.tensor(2.5)], {"dim": 0})
    c.add("edge_sum_d0_0d", "sum", [torch.tensor(2.5)], {"dims": [0], "keepdim": True})
    c.add("edge_argmax_keepdim_none", "argmax", [torch.arange(6.0).reshape(2, 3)], {"dim": None, "keepdim": True})
    c.add("edge_var_single", "var", [torch.tensor([3.0])], {"dims": [], "unbiased": True, "keepdim": False})
    c.add("edge_sum_dims_neg_pair", "sum", [torch.arange(24.0).reshape(2, 3, 4)], {"dims": [0, -1], "keepdim": False})
    c.add("edge_amax_neg_pair", "amax", [torch.arange(24.0).reshape(2, 3, 4)], {"dims": [-1, -2], "keepdim": True})
    c.add(
        "edge_norm_p0p5",
        "norm_p",
        [torch.tensor([1.0, -4.0, 9.0])],
        {"p": 0.5, "dims": [], "keepdim": False},
        kind="red",
    )
    c.add(
        "edge_logsumexp_inf",
        "logsumexp",
        [torch.tensor([[math.inf, 1.0], [2.0, 3.0]])],
        {"dim": 1, "keepdim": False},
    )
    c.add("edge_softmax_all_neg_inf", "softmax", [torch.tensor([[-math.inf, -math.inf], [0.0, 0.0]])], {"dim": 1})
    c.add("edge_cumsum_strided", "cumsum", [torch.arange(12.0).reshape(3, 4)], {"dim": 1}, prep=["t"])
    c.add(
        "edge_max_keep_strided",
        "max",
        [torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])],
        {"dim": 1, "keepdim": True},
        prep=["t"],
    )
    c.add("edge_cat_empty", "cat", [torch.zeros(0, 3), torch.arange(6.0).reshape(2, 3)], {"dim": 0}, "exact")
    c.add("edge_split_oversized", "split", [torch.arange(4.0)], {"size": 10, "dim": 0}, "exact")
    c.add("edge_chunk_more_than_size", "chunk", [torch.arange(2.0)], {"chunks": 3, "dim": 0}, "exact")
    c.add("edge_narrow_empty", "narrow", [torch.arange(4.0)], {"dim": 0, "start": 4, "len": 0}, "exact")
    c.add("edge_dot_empty", "dot", [torch.zeros(0), torch.zeros(0)])
    c.add("edge_eye_0", "eye", [], {"n": 0}, "exact")
    c.add("edge_arange_neg_float_step", "arange_step", [], {"start": 1.0, "end": 0.0, "step": -0.25}, "exact")
    c.add("edge_arange_0_0p3_0p1", "arange_step", [], {"start": 0, "end": 0.3, "step": 0.1}, kind="red")
    c.add("edge_arange_1_2p2_0p2", "arange_step", [], {"start": 1, "end": 2.2, "step": 0.2}, kind="red")
    c.add("edge_linspace_2", "linspace", [], {"start": 1.0, "end": 3.0, "steps": 2}, "exact")
    c.add("edge_linspace_down", "linspace", [], {"start": 1.0, "end": -1.0, "steps": 5}, kind="red")
    c.add("edge_linspace_0", "linspace", [], {"start": 0.0, "end": 1.0, "steps": 0}, "exact")
    c.add("edge_promote_i64_add_bool", "add", [torch.tensor([1, 2]), torch.tensor([True, False])])
    c.add("edge_promote_bool_add_f32_0d", "add", [torch.tensor([True, False]), torch.tensor(0.5)])
    c.add("edge_promote_u8_add_i64_0d", "add", [torch.tensor([250, 3], dtype=torch.uint8), torch.tensor(10)])
    c.add("edge_promote_0d_f32_add_0d_i64", "add", [torch.tensor(1.5), torch.tensor(2)])
    c.add("edge_promote_bool_add_float", "mul", [torch.tensor([True, False])], {"scalar": 2.5})
    c.add("edge_promote_bool_mul_int", "mul", [torch.tensor([True, False])], {"scalar": 2})
    c.add("edge_promote_i64_div_zero", "div", [torch.tensor([1, -1, 0]), torch.tensor([0, 0, 0])])
    c.add("edge_promote_f32_pow_f64_0d", "pow", [torch.tensor([2.0, 3.0]), torch.tensor(2.0, dtype=torch.float64)])
    c.add("edge_promote_i64_pow_f32", "pow", [torch.tensor([2, 3]), torch.tensor([0.5, 2.0])])
    c.add(
        "edge_promote_where_bool_i64",
        "where_",
        [torch.tensor([True, False]), torch.tensor([True, True]), torch.tensor([5, 6])],
    )


# ---------------------------------------------------------------------------------------------
# Backward: PyTorch's gradients of every differentiable float case, and a few cases that exist only
# here (ties, zeros, bounds) because the forward fixtures must stay byte-identical.

# Ops whose output is not differentiable (bool or index results); their cases are skipped.
NON_DIFFERENTIABLE = {
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "argmax", "argmin",
}
# Ops whose gradients accumulate (sums, products, matmul): reduction tolerances.
GRAD_RED_OPS = {
    "sum", "sum_all", "mean", "mean_all", "prod", "var", "std", "norm", "norm_p", "logsumexp",
    "softmax", "log_softmax", "cumsum", "matmul", "dot", "mv", "mm", "bmm", "pow",
}
GRAD_TOL = {
    ("ew", torch.float32): (1e-5, 1e-6),
    ("ew", torch.float64): (1e-10, 1e-12),
    ("red", torch.float32): (1e-4, 1e-5),
    ("red", torch.float64): (1e-9, 1e-10),
}
# Cases whose gradients would be larger than this many elements in all are left out (the 300x300
# `large_*` inputs and the larger `large_matmul_*` ones), to keep backward.safetensors small.
GRAD_MAX_ELEMENTS = 6200


class GradCases:
    """The backward cases. Each names its inputs like a forward case: a key (looked up in
    backward.safetensors, then forward.safetensors) or a pattern. `gouts` has one entry per output:
    the upstream gradient as a mod1009 pattern of the output's shape and dtype, or None for an
    output that is not backpropagated (max(dim)'s indices). `grads` has one entry per input: the key
    of PyTorch's `.grad`, or None where the input is not float (never requires grad) or PyTorch left
    `.grad` None."""

    def __init__(self, forward):
        self.forward = forward
        self.cases = []
        self.tensors = {}
        self.names = set()
        self.skipped = 0

    def from_forward(self, case):
        """Adds the backward case of a forward case when it is differentiable."""
        if case["op"] in NON_DIFFERENTIABLE or not case["inputs"]:
            return
        bases = []
        for spec in case["inputs"]:
            if isinstance(spec, str):
                bases.append(self.forward[spec])
            else:
                bases.append(Pattern(spec["shape"], DTYPES[spec["dtype"]]).tensor())
        self._record(case["name"], case["op"], case["inputs"], bases, case["args"], case.get("prep"))

    def add(self, name, op, inputs, args=None, prep=None):
        """A backward-only case; its inputs are stored in backward.safetensors."""
        name = f"grad_{name}"
        keys = []
        for i, x in enumerate(inputs):
            keys.append(f"{name}/in{i}")
            self.tensors[keys[-1]] = x.detach().contiguous().clone()
        self._record(name, op, keys, list(inputs), args or {}, prep)

    def _record(self, name, op, in_keys, bases, args, prep):
        if not any(b.dtype.is_floating_point for b in bases):
            return
        if sum(b.numel() for b in bases if b.dtype.is_floating_point) > GRAD_MAX_ELEMENTS:
            self.skipped += 1
            return
        leaves = [b.detach().clone().requires_grad_(b.dtype.is_floating_point) for b in bases]
        views = [x.transpose(-2, -1) if prep and prep[i] == "t" else x for i, x in enumerate(leaves)]
        out = run_op(op, views, args)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        used = [y.dtype.is_floating_point and y.requires_grad for y in outs]
        if not any(used):
            return
        assert name not in self.names, f"duplicate backward case {name}"
        self.names.add(name)
        gouts = [Pattern(y.shape, y.dtype) if u else None for y, u in zip(outs, used)]
        torch.autograd.backward([y for y, u in zip(outs, used) if u], [g.tensor() for g in gouts if g])
        grads, dtypes = [], set()
        for i, x in enumerate(leaves):
            if not x.requires_grad or x.grad is None:
                grads.append(None)
                continue
            key = f"{name}/grad{i}"
            self.tensors[key] = x.grad.detach().contiguous().clone()
            grads.append(key)
            dtypes.add(x.grad.dtype)
        kind = "red" if op in GRAD_RED_OPS else "ew"
        # One tolerance for the case: the loosest of its gradients' dtypes.
        rtol, atol = max(GRAD_TOL[(kind, dt)] for dt in dtypes) if dtypes else (0.0, 0.0)
        case = {
            "name": name,
            "op": op,
            "args": args,
            "inputs": in_keys,
            "gouts": [g.spec() if g else None for g in gouts],
            "grads": grads,
            "rtol": rtol,
            "atol": atol,
        }
        if prep:
            case["prep"] = list(prep)
        self.cases.append(case)


def backward_only_cases(b):
    """Points where a gradient rule must pick PyTorch's value: ties, zeros, bounds, kinks."""
    for dt in FLOATS:
        s = SHORT[dt]
        t = lambda v: torch.tensor(v, dtype=dt)  # noqa: E731
        ties = t([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [3.0, -1.0, 3.0, 3.0]])
        # max_all/min_all/amax split the gradient evenly among ties; max(dim) gives it to one index.
        b.add(f"max_all_ties_{s}", "max_all", [ties])
        b.add(f"min_all_ties_{s}", "min_all", [ties])
        b.add(f"amax_d1_ties_{s}", "amax", [ties], {"dims": [1], "keepdim": False})
        b.add(f"amax_all_ties_keep_{s}", "amax", [ties], {"dims": [], "keepdim": True})
        b.add(f"amax_d0_ties_{s}", "amax", [ties], {"dims": [0], "keepdim": False})
        b.add(f"max_d1_ties_{s}", "max", [ties], {"dim": 1, "keepdim": False})
        b.add(f"min_d0_ties_keep_{s}", "min", [ties], {"dim": 0, "keepdim": True})
        b.add(f"max_d1_ties_strided_{s}", "max", [ties.t().contiguous()], {"dim": 1, "keepdim": False}, prep=["t"])
        b.add(f"maximum_ties_{s}", "maximum", [t([1.0, 2.0, 3.0]), t([2.0, 2.0, 2.0])])
        b.add(f"minimum_ties_bcast_{s}", "minimum", [t([[1.0, 2.0, 3.0], [2.0, 0.0, 5.0]]), t([2.0])])
        b.add(f"maximum_scalar_tie_{s}", "maximum", [t([1.0, 1.5, 3.0])], {"scalar": 1.5})
        b.add(f"norm_pinf_ties_{s}", "norm_p", [t([[1.0, -3.0, 3.0], [2.0, 0.5, -1.0]])], {"p": "inf", "dims": [1], "keepdim": False})
        # prod with zeros: none, one and two zeros per group.
        z = t([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]])
        b.add(f"prod_zeros_d1_{s}", "prod", [z], {"dims": [1], "keepdim": False})
        b.add(f"prod_zeros_d0_keep_{s}", "prod", [z], {"dims": [0], "keepdim": True})
        b.add(f"prod_one_zero_all_{s}", "prod", [t([2.0, 0.0, 3.0, -1.5])], {"dims": [], "keepdim": False})
        b.add(f"prod_two_zeros_all_{s}", "prod", [z], {"dims": [], "keepdim": False})
        # pow at a zero base.
        zb = t([0.0, -0.0, 2.0, -1.5])
        for e in [2, 3, 1, 0, 0.5, 2.0, -1]:
            b.add(f"pow_zero_base_{str(e).replace('.', 'p').replace('-', 'm')}_{s}", "pow", [zb], {"scalar": e})
        b.add(f"pow_tensor_zero_base_{s}", "pow", [t([0.0, 0.0, 0.0, 2.0, 0.0]), t([2.0, 0.0, 1.0, 3.0, 0.5])])
        # clamp exactly at its bounds (PyTorch 2.15 stops the gradient there: min < x < max).
        cb = t([-2.0, -1.0, 0.0, 0.5, 1.0, 1.25, 3.0])
        b.add(f"clamp_at_bounds_{s}", "clamp", [cb], {"min": -1.0, "max": 0.5})
        b.add(f"clamp_min_at_bound_{s}", "clamp", [cb], {"min": 0.0, "max": None})
        b.add(f"clamp_max_at_bound_{s}", "clamp", [cb], {"min": None, "max": 1.25})
        # Kinks at zero.
        k = t([-1.0, -0.0, 0.0, 2.0])
        for op in ["relu", "abs", "sign", "sqrt"]:
            b.add(f"{op}_at_zero_{s}", op, [k.abs() if op == "sqrt" else k])
        # Norms of a zero row / vector.
        zr = t([[0.0, 0.0, 0.0], [3.0, -4.0, 0.0]])
        b.add(f"norm_zero_{s}", "norm", [t([0.0, 0.0])])
        for p in [1, 2, 3, "inf"]:
            b.add(f"norm_p{p}_zero_row_{s}", "norm_p", [zr], {"p": p, "dims": [1], "keepdim": False})
        # Broadcast gradients summed back, including a size-1 dim that is kept.
        g = torch.Generator().manual_seed(zlib.crc32(f"grad_bcast_{s}".encode()))
        r = lambda *sh: torch.randn(sh, generator=g, dtype=torch.float64).to(dt)  # noqa: E731
        b.add(f"mul_bcast_keep1_{s}", "mul", [r(2, 1, 3), r(4, 1)])
        b.add(f"div_bcast_{s}", "div", [r(3, 1), r(1, 4).abs() + 0.5])
        b.add(f"where_bcast_both_{s}", "where_", [r(3, 1), r(1, 4) > 0, r(1)])
        b.add(f"expand_then_mul_{s}", "matmul", [r(1, 3, 2), r(2, 2, 4)])
        b.add(f"slice_step_{s}", "slice", [r(3, 7)], {"dim": 1, "start": 1, "end": None, "step": 3})
        b.add(f"select_neg_{s}", "select", [r(3, 4)], {"dim": 0, "index": -1})
        b.add(f"gather_repeat_{s}", "gather", [r(2, 3), torch.tensor([[0, 0, 2, 0], [1, 1, 1, 2]])], {"dim": 1})
        b.add(f"index_select_repeat_{s}", "index_select", [r(3, 2), torch.tensor([2, 2, 0, 2])], {"dim": 0})
        b.add(f"cumsum_strided_{s}", "cumsum", [r(4, 3)], {"dim": 1}, prep=["t"])
        b.add(f"split_sizes_{s}", "split_sizes", [r(5, 2)], {"sizes": [2, 0, 3], "dim": 0})
        b.add(f"stack_strided_{s}", "stack", [r(2, 3), r(3, 2)], {"dim": 1}, prep=["t", None])
        b.add(f"softmax_strided_{s}", "softmax", [r(4, 3)], {"dim": -1}, prep=["t"])
        b.add(f"logsumexp_strided_{s}", "logsumexp", [r(4, 3)], {"dim": 0, "keepdim": True}, prep=["t"])
    b.add("cat_mixed_f32_f64", "cat", [torch.tensor([1.0, 2.0]), torch.tensor([3.0], dtype=torch.float64)], {"dim": 0})
    b.add("mul_f32_f64_bcast", "mul", [torch.tensor([[1.0], [2.0]]), torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64)])
    b.add("to_f64_from_f32", "to_dtype", [torch.tensor([0.1, -2.5])], {"dtype": "f64"})


def write_backward(c):
    b = GradCases(c.tensors)
    for case in c.cases:
        b.from_forward(case)
    backward_only_cases(b)
    save_file(b.tensors, os.path.join(OUT_DIR, "backward.safetensors"), metadata={"generator": "tests/golden/gen.py"})
    manifest = {"torch_version": torch.__version__.split("+")[0], "cases": b.cases}
    with open(os.path.join(OUT_DIR, "backward.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in ["backward.safetensors", "backward.json"])
    print(f"golden: {len(b.cases)} backward cases ({b.skipped} large ones left out), {size / 1024:.0f} KiB")


# ---------------------------------------------------------------------------------------------
# Display: PyTorch's repr of tensors the Rust side can build exactly (no random values).

DISPLAY = {
    "arange_12": "torch.arange(12)",
    "arange_12_f32": "torch.arange(12, dtype=torch.float32)",
    "reshape_3_4_f32": "torch.arange(12, dtype=torch.float32).reshape(3, 4)",
    "reshape_2_3_4_i64": "torch.arange(24).reshape(2, 3, 4)",
    "zeros_2_3_4": "torch.zeros((2, 3, 4))",
    "ones_2_3": "torch.ones((2, 3))",
    "literal_i64_2d": "torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])",
    "exp_1_2_4_8": "torch.exp(torch.tensor([1.0, 2, 4, 8]))",
    "floats_mixed": "torch.tensor([1.0, 2, 4, 8]) - torch.tensor([2.0, 2, 2, 2])",
    "div_floats": "torch.tensor([1.0, 2, 4, 8]) / torch.tensor([2.0, 2, 2, 2])",
    "pow_floats": "torch.tensor([1.0, 2, 4, 8]) ** torch.tensor([2.0, 2, 2, 2])",
    "decimals": "torch.tensor([0.1, 2.5, -3.25])",
    "negative_floats": "torch.tensor([-1.0, 0.5])",
    "integral_floats": "torch.tensor([1.0, 2.0, 100.0])",
    "f64_vec": "torch.tensor([1.5, 2.25, -3.0], dtype=torch.float64)",
    "f64_thirds": "torch.arange(6, dtype=torch.float64).reshape(2, 3) / 3",
    "f64_integral": "torch.arange(4, dtype=torch.float64)",
    "scalar_f32": "torch.tensor(3.5)",
    "scalar_i64": "torch.tensor(7)",
    "scalar_bool": "torch.tensor(True)",
    "scalar_f64": "torch.tensor(2.0, dtype=torch.float64)",
    "scalar_sum": "torch.arange(12, dtype=torch.float32).sum()",
    "empty_f32": "torch.zeros(0)",
    "empty_2_0": "torch.zeros((2, 0))",
    "empty_i64": "torch.zeros(0, dtype=torch.int64)",
    "bool_vec": "torch.tensor([True, False, True])",
    "bool_eq": (
        "torch.arange(12, dtype=torch.float32).reshape(3, 4)"
        " == torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])"
    ),
    "u8_vec": "torch.tensor([1, 2, 255], dtype=torch.uint8)",
    "i64_negative": "torch.tensor([-5, 10, 300])",
    "i64_large": "torch.tensor([123456789012, -1])",
    "sci_large": "torch.tensor([1e10, 1.0, 2.0])",
    "sci_small": "torch.tensor([1e-5, 1.0])",
    "sci_ratio": "torch.tensor([100000.0, 1.0])",
    "sci_f64": "torch.tensor([1e-10, 1e10], dtype=torch.float64)",
    "nan_inf": "torch.tensor([float('nan'), float('inf'), -float('inf'), 1.0])",
    "summarised_i64_2000": "torch.arange(2000)",
    "summarised_f32_2000": "torch.arange(2000, dtype=torch.float32)",
    "summarised_2d": "torch.arange(2000, dtype=torch.float32).reshape(40, 50)",
    "wrapped_line": "torch.arange(30, dtype=torch.float32) / 7",
    "linspace_0_1_5": "torch.linspace(0, 1, 5)",
    "eye_3": "torch.eye(3)",
    "transposed": "torch.arange(6, dtype=torch.float32).reshape(2, 3).t()",
    "column": "torch.arange(3, dtype=torch.float32).reshape(3, 1)",
    "requires_grad": "torch.arange(4.0, requires_grad=True)",
    "requires_grad_f64": "torch.ones(2, dtype=torch.float64, requires_grad=True)",
    "requires_grad_0d": "torch.tensor(2.0, requires_grad=True)",
    "grad_fn_mul": "torch.arange(4.0, requires_grad=True) * 2",
    "grad_fn_sum": "(torch.arange(4.0, requires_grad=True) * torch.arange(4.0, requires_grad=True)).sum()",
    "grad_fn_f64": "torch.ones(2, dtype=torch.float64, requires_grad=True) + 1",
}


def display_cases():
    out = {}
    for name, expr in DISPLAY.items():
        t = eval(expr, {"torch": torch})  # noqa: S307 - our own fixed expressions
        out[name] = {"expr": expr, "repr": repr(t)}
    return out


def main():
    torch.set_num_threads(1)  # reductions sum in a thread-count-independent order
    # edge_var_single asks for the unbiased variance of one element on purpose (PyTorch gives NaN).
    warnings.filterwarnings("ignore", message=r"var\(\): degrees of freedom")
    torch.set_default_dtype(torch.float32)
    torch.set_printoptions(profile="default")
    c = Cases()
    tensor_dtype_cases(c)
    binary_cases(c)
    promotion_cases(c)
    reduction_cases(c)
    linalg_cases(c)
    shape_cases(c)
    creation_cases(c)
    large_cases(c)
    edge_cases(c)

    save_file(c.tensors, os.path.join(OUT_DIR, "forward.safetensors"), metadata={"generator": "tests/golden/gen.py"})
    manifest = {
        "torch_version": torch.__version__.split("+")[0],
        "cases": c.cases,
    }
    with open(os.path.join(OUT_DIR, "forward.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")
    with open(os.path.join(OUT_DIR, "display.json"), "w") as f:
        json.dump(display_cases(), f, indent=1, allow_nan=False, ensure_ascii=False)
        f.write("\n")
    files = ["forward.safetensors", "forward.json", "display.json"]
    size = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in files)
    print(f"golden: {len(c.cases)} forward cases, {len(DISPLAY)} display cases, {size / 1024:.0f} KiB")
    write_backward(c)


if __name__ == "__main__":
    main()
