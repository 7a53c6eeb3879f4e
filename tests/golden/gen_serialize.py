"""Fixtures for ferrite-serialize: files PyTorch writes, and malformed files every loader must refuse.

Run with the repo's torch venv (`cargo xtask golden` runs every tests/golden/gen*.py):
    ~/.venvs/torch/bin/python tests/golden/gen_serialize.py

Writes into crates/ferrite-serialize/tests/data/:
- py_dtypes.safetensors + py_dtypes.json: safetensors.torch.save_file of every dtype ferrite has,
  with 0-d and empty tensors; the JSON lists each tensor's dtype, shape and flat values.
- mlp.pt: torch.save(net.state_dict()) of d2l's MLP (Linear(20,256), ReLU, Linear(256,10)), seed 0;
  mlp.safetensors: the same weights via save_file, which the Rust test compares against.
- views.pt: torch.save of a dict whose tensors are strided views sharing one storage, plus
  one tensor per dtype; views.json holds the expected values.
- tests/golden/files/mlp.params + mlp_io.safetensors: d2l's MLP (hidden, output) saved by
  torch.save(net.state_dict(), 'mlp.params'), with its input X and output Y, for the d2l file cells.
- malformed/*: files each loader must refuse with a clear error; malformed/expected.json maps
  each file to a substring its error must contain.

The reverse direction (a file ferrite writes opening in Python) is checked by `check_rust_file`
below when given a path: `python gen_serialize.py --check FILE.safetensors` asserts that
safetensors.torch.load_file reads it (the Rust test `python_reads_ferrite_files` prints such a
file's path when FERRITE_KEEP_FILES is set).
"""

import json
import os
import struct
import sys
import zipfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

OUT = Path(__file__).resolve().parents[2] / "crates" / "ferrite-serialize" / "tests" / "data"
D2L = Path(__file__).resolve().parent / "files"


def flat(t):
    if t.dtype == torch.bool:
        return [bool(x) for x in t.flatten().tolist()]
    return t.flatten().tolist()


def describe(d):
    return {k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": flat(v)} for k, v in d.items()}


def py_dtypes():
    d = {
        "f32": torch.tensor([[1.5, -2.0, 3.25], [0.0, 1e-8, -7.0]], dtype=torch.float32),
        "f64": torch.tensor([3.141592653589793, -1e300], dtype=torch.float64),
        "i64": torch.arange(4),
        "bool": torch.tensor([True, False, True]),
        "u8": torch.tensor([0, 7, 255], dtype=torch.uint8),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save_file(d, OUT / "py_dtypes.safetensors")
    (OUT / "py_dtypes.json").write_text(json.dumps(describe(d), indent=1) + "\n")


def mlp():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    sd = net.state_dict()
    torch.save(sd, OUT / "mlp.pt")
    save_file({k: v.contiguous() for k, v in sd.items()}, OUT / "mlp.safetensors")
    back = torch.load(OUT / "mlp.pt", weights_only=True)
    assert list(back) == ["0.weight", "0.bias", "2.weight", "2.bias"]


class MLP(nn.Module):
    """d2l's MLP of the "reading and writing files" section."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.output = nn.Linear(256, 10)

    def forward(self, x):
        return self.output(torch.relu(self.hidden(x)))


def d2l_mlp_params():
    """d2l's cells: torch.save(net.state_dict(), 'mlp.params'), with the X and Y = net(X) that a
    ferrite clone must reproduce after loading the file."""
    torch.manual_seed(1)
    net = MLP()
    X = torch.randn(size=(2, 20))
    Y = net(X).detach()
    torch.save(net.state_dict(), D2L / "mlp.params")
    save_file({"X": X, "Y": Y}, D2L / "mlp_io.safetensors")


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    d = {
        "base": base,
        "t": base.t(),
        "rows": base[1:3],
        "stepped": base[1:, ::2],
        "elem": base[2, 3],
        "f64": torch.linspace(0, 1, 5, dtype=torch.float64),
        "i64": torch.tensor([-3, 0, 1 << 40]),
        "bool": torch.tensor([[True], [False]]),
        "u8": torch.tensor([1, 2, 250], dtype=torch.uint8),
        "empty": torch.zeros(2, 0),
    }
    torch.save(d, OUT / "views.pt")
    (OUT / "views.json").write_text(json.dumps(describe(d), indent=1) + "\n")


def st_file(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def zip_with_pickle(path, pkl, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def malformed():
    m = OUT / "malformed"
    m.mkdir(exist_ok=True)
    f32 = lambda s, b, e: {"dtype": "F32", "shape": s, "data_offsets": [b, e]}  # noqa: E731
    cases = {
        # safetensors
        "too_short.safetensors": (b"\x08\x00\x00", "file is truncated"),
        "header_too_large.safetensors": (struct.pack("<Q", 1 << 62) + b"{}", "header claims"),
        "header_truncated.safetensors": (struct.pack("<Q", 100) + b'{"a":', "header claims"),
        "bad_json.safetensors": (st_file(None, raw_header=b'{"a": [1, 2'), "not valid safetensors JSON"),
        "not_an_object.safetensors": (st_file([1, 2]), "not valid safetensors JSON"),
        "non_utf8_name.safetensors": (
            st_file(None, b"\0" * 4, raw_header=b'{"\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'),
            "not UTF-8",
        ),
        "unknown_dtype.safetensors": (
            st_file({"a": {"dtype": "Q42", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "unknown dtype 'Q42'",
        ),
        "unsupported_dtype.safetensors": (
            st_file({"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
            "dtype F16 is not supported",
        ),
        "offsets_out_of_range.safetensors": (st_file({"a": f32([4], 0, 16)}, b"\0" * 8), "run past the 8 data bytes"),
        "reversed_offsets.safetensors": (st_file({"a": f32([0], 8, 4)}, b"\0" * 8), "end before they begin"),
        "overlap.safetensors": (st_file({"a": f32([2], 0, 8), "b": f32([2], 4, 12)}, b"\0" * 12), "overlap"),
        "hole.safetensors": (st_file({"a": f32([1], 0, 4), "b": f32([1], 8, 12)}, b"\0" * 12), "belong to no tensor"),
        "size_mismatch.safetensors": (st_file({"a": f32([2, 2], 0, 8)}, b"\0" * 8), "need 16 bytes"),
        "huge_shape.safetensors": (
            st_file({"a": f32([1 << 40, 1 << 40, 1 << 40], 0, 8)}, b"\0" * 8),
            "overflows 64 bits",
        ),
        "huge_claimed_size.safetensors": (
            st_file({"a": f32([1 << 30, 1 << 20], 0, 1 << 52)}, b"\0" * 8),
            "run past the 8 data bytes",
        ),
        "duplicate_name.safetensors": (
            st_file(None, b"\0" * 8, raw_header=b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                    b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'),
            "two tensors are named 'a'",
        ),
        "bad_bool.safetensors": (
            st_file({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x02"),
            "bool byte 2",
        ),
        "bad_kind.safetensors": (
            st_file({"__metadata__": {"ferrite.kind": "set"}, "a": f32([1], 0, 4)}, b"\0" * 4),
            "unknown kind 'set'",
        ),
        "bad_list_names.safetensors": (
            st_file({"__metadata__": {"ferrite.kind": "list"}, "0": f32([1], 0, 4), "2": f32([1], 4, 8)}, b"\0" * 8),
            "list element named '2'",
        ),
    }
    expected = {}
    for name, (data, needle) in cases.items():
        (m / name).write_bytes(data)
        expected[name] = needle
        # Python's own loader refuses each too (except the ferrite-only metadata cases).
        if not any(s in name for s in ("kind", "list", "bool", "unsupported")):
            try:
                load_file(m / name)
            except Exception:
                pass
            else:
                raise AssertionError(f"safetensors accepted {name}")

    # PyTorch checkpoints. A pickle asking for builtins.eval (never executed here).
    zip_with_pickle(m / "forbidden_global.pt", b"\x80\x02cbuiltins\neval\nq\x00X\x03\x00\x00\x001+1q\x01\x85q\x02Rq\x03.")
    expected["forbidden_global.pt"] = "global 'builtins.eval'"
    # os.system through STACK_GLOBAL (protocol 4 spelling).
    zip_with_pickle(m / "forbidden_stack_global.pt",
                    b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02ls\x85R.")
    expected["forbidden_stack_global.pt"] = "global 'os.system'"
    # A zip bomb: 16 MiB of zeros deflated to a few KiB.
    zip_with_pickle(m / "zip_bomb.pt", b"\0" * (16 << 20), compress=zipfile.ZIP_DEFLATED)
    expected["zip_bomb.pt"] = "is compressed"
    # The MLP checkpoint cut in half: the central directory is gone.
    whole = (OUT / "mlp.pt").read_bytes()
    (m / "truncated.pt").write_bytes(whole[: len(whole) // 2])
    expected["truncated.pt"] = "no end-of-central-directory"
    # One flipped bit in the first weight's raw storage: the zip's CRC-32 no longer matches.
    with zipfile.ZipFile(OUT / "mlp.pt") as z:
        info = next(i for i in z.infolist() if i.filename.endswith("/data/0"))
    # The local header's extra field (PyTorch's alignment padding) differs from the central one's.
    nlen, elen = struct.unpack_from("<HH", whole, info.header_offset + 26)
    at = info.header_offset + 30 + nlen + elen + 5
    flipped = bytearray(whole)
    flipped[at] ^= 0x10
    (m / "bad_crc.pt").write_bytes(bytes(flipped))
    expected["bad_crc.pt"] = "is corrupted: its CRC-32"
    # (torch.load does not check CRCs and loads this file with one weight changed; ferrite refuses.)
    # A pickle that stops mid-string.
    zip_with_pickle(m / "truncated_pickle.pt", b"\x80\x02}q\x00X\xff\x00\x00\x00abc")
    expected["truncated_pickle.pt"] = "bad pickle"
    # A storage whose raw data is missing from the archive.
    zip_with_pickle(m / "missing_storage.pt",
                    b"\x80\x02}(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
                    b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85"
                    b"\x89ccollections\nOrderedDict\n)RtRu.")
    expected["missing_storage.pt"] = "no entry 'archive/data/0'"
    for name in ["forbidden_global.pt", "forbidden_stack_global.pt", "zip_bomb.pt", "truncated.pt"]:
        try:
            torch.load(m / name, weights_only=True)
        except Exception:
            pass
        else:
            raise AssertionError(f"torch.load(weights_only=True) accepted {name}")
    (m / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def check_rust_file(path):
    """The reverse direction: a safetensors file that ferrite wrote opens in Python."""
    d = load_file(path)
    for k, v in d.items():
        print(k, v.dtype, tuple(v.shape))
    return d


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check_rust_file(sys.argv[2])
        sys.exit(0)
    OUT.mkdir(parents=True, exist_ok=True)
    py_dtypes()
    mlp()
    D2L.mkdir(exist_ok=True)
    d2l_mlp_params()
    views()
    malformed()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    assert total < 400_000, f"fixtures total {total} bytes"
    print(f"wrote {OUT} ({total} bytes)")
