#!/usr/bin/env python3
"""Compiles ferrite-cuda's kernels (kernels/*.cu) to PTX (ptx/*.ptx) with NVRTC, or checks them.

Run through `cargo xtask kernels [--check]`, which passes the paths.

    build_ptx.py build  KERNELS_DIR PTX_DIR   compile every .cu with libnvrtc (needs $CUDA_VENV)
    build_ptx.py check  KERNELS_DIR PTX_DIR   fail when a PTX is missing or stale; then, when
                                              ptxas is found, assemble each PTX for sm_80 and sm_90

Each PTX starts with a comment recording the SHA-256 of its source, of the shared headers and of
the compile options, so `check` needs no CUDA at all: only the assembly step does.

NVRTC needs no GPU: the PyPI wheels carry it (and ptxas):
    python3 -m venv ~/.venvs/cuda
    ~/.venvs/cuda/bin/pip install 'nvidia-cuda-nvrtc==13.0.*' 'nvidia-cuda-nvcc==13.0.*'
    export CUDA_VENV=~/.venvs/cuda
Keep NVRTC at 13.0: the GPU machines' driver (CUDA 13.0) rejects PTX of a newer ISA version.
"""

import ctypes
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ARCH = "compute_80"
# --fmad=false: a * b + c rounds twice, as on the CPU; fused multiply-adds are written as fma().
# 186: "pointless comparison of unsigned integer with zero", from templates instantiated for u8.
OPTIONS = [f"--gpu-architecture={ARCH}", "--std=c++17", "--fmad=false", "--diag-suppress=186"]
HEADER = "// ferrite-cuda kernel module {name}: source sha256 {digest}"
ASSEMBLE_FOR = ["sm_80", "sm_90"]


def die(message):
    print(f"build_ptx.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def sources(kernels):
    return sorted(f for f in os.listdir(kernels) if f.endswith(".cu"))


def digest(kernels, source):
    """SHA-256 over the source, every shared header and the options: any change makes PTX stale."""
    h = hashlib.sha256()
    for name in [source] + sorted(f for f in os.listdir(kernels) if f.endswith(".cuh")):
        with open(os.path.join(kernels, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    h.update(" ".join(OPTIONS).encode())
    return h.hexdigest()


def venv_file(pattern):
    venv = os.environ.get("CUDA_VENV")
    if not venv:
        return None
    hits = sorted(glob.glob(os.path.join(os.path.expanduser(venv), "lib", "python3*", "site-packages", "nvidia", pattern)))
    return hits[-1] if hits else None


def load_nvrtc():
    path = os.environ.get("NVRTC_LIB") or venv_file("cu13/lib/libnvrtc.so.13") or venv_file("cuda_nvrtc/lib/libnvrtc.so.*")
    if not path:
        die(
            "libnvrtc not found. Install NVRTC 13.0 from PyPI (no GPU needed) and point CUDA_VENV at it:\n"
            "    python3 -m venv ~/.venvs/cuda\n"
            "    ~/.venvs/cuda/bin/pip install 'nvidia-cuda-nvrtc==13.0.*' 'nvidia-cuda-nvcc==13.0.*'\n"
            "    export CUDA_VENV=~/.venvs/cuda\n"
            "(or set NVRTC_LIB to a libnvrtc.so)"
        )
    # libnvrtc dlopens its builtins by name: load them first from the same folder.
    for builtins in sorted(glob.glob(os.path.join(os.path.dirname(path), "libnvrtc-builtins.so.*"))):
        if ".alt." not in builtins:
            ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)
    return ctypes.CDLL(path), path


def compile_one(nvrtc, kernels, name):
    with open(os.path.join(kernels, name), "rb") as f:
        src = f.read()
    prog = ctypes.c_void_p()
    check(nvrtc, nvrtc.nvrtcCreateProgram(ctypes.byref(prog), src, name.encode(), 0, None, None), "create")
    opts = OPTIONS + [f"--include-path={kernels}"]
    argv = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
    status = nvrtc.nvrtcCompileProgram(prog, len(opts), argv)
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    if status != 0:
        die(f"{name} failed to compile:\n{log.value.decode(errors='replace')}")
    if log.value.strip():
        print(log.value.decode(errors="replace"))
    check(nvrtc, nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(size)), "ptx size")
    ptx = ctypes.create_string_buffer(size.value)
    check(nvrtc, nvrtc.nvrtcGetPTX(prog, ptx), "ptx")
    nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    return ptx.value.decode()


def check(nvrtc, status, what):
    if status != 0:
        nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p
        die(f"nvrtc {what}: {nvrtc.nvrtcGetErrorString(status).decode()}")


def build(kernels, ptx_dir):
    nvrtc, path = load_nvrtc()
    major, minor = ctypes.c_int(), ctypes.c_int()
    nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    print(f"nvrtc {major.value}.{minor.value} ({path}), {' '.join(OPTIONS)}")
    if (major.value, minor.value) != (13, 0):
        print(f"warning: NVRTC {major.value}.{minor.value} is not 13.0: the GPU machines' driver may reject its PTX")
    os.makedirs(ptx_dir, exist_ok=True)
    for name in sources(kernels):
        ptx = compile_one(nvrtc, kernels, name)
        stem = name[: -len(".cu")]
        header = HEADER.format(name=stem, digest=digest(kernels, name))
        with open(os.path.join(ptx_dir, stem + ".ptx"), "w") as f:
            f.write(f"{header}\n// Generated by `cargo xtask kernels` from kernels/{name} (NVRTC {major.value}.{minor.value}); do not edit.\n")
            f.write(ptx)
        entries = sum(1 for line in ptx.splitlines() if line.startswith(".visible .entry") or line.startswith(".entry"))
        print(f"  {name} -> ptx/{stem}.ptx ({len(ptx)} bytes, {entries} kernels)")


def find_ptxas():
    return os.environ.get("PTXAS") or venv_file("cu13/bin/ptxas") or venv_file("cuda_nvcc/bin/ptxas") or shutil.which("ptxas")


def check_all(kernels, ptx_dir):
    stale = []
    for name in sources(kernels):
        stem = name[: -len(".cu")]
        path = os.path.join(ptx_dir, stem + ".ptx")
        want = HEADER.format(name=stem, digest=digest(kernels, name))
        try:
            with open(path) as f:
                first = f.readline().rstrip("\n")
        except FileNotFoundError:
            first = None
        if first != want:
            stale.append(f"ptx/{stem}.ptx ({'missing' if first is None else 'stale'})")
    orphans = [p for p in sorted(os.listdir(ptx_dir)) if p.endswith(".ptx") and p[:-4] + ".cu" not in sources(kernels)]
    if stale or orphans:
        die(
            "PTX out of date with its CUDA source: "
            + ", ".join(stale + [f"ptx/{o} (no source)" for o in orphans])
            + "\nrun `cargo xtask kernels` (needs CUDA_VENV, see crates/ferrite-cuda/kernels/build_ptx.py) and commit ptx/"
        )
    print(f"kernels: {len(sources(kernels))} PTX modules match their sources")
    ptxas = find_ptxas()
    if not ptxas:
        print("kernels: ptxas not found (set CUDA_VENV or PTXAS): PTX not assembled")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in sources(kernels):
            stem = name[: -len(".cu")]
            for arch in ASSEMBLE_FOR:
                out = os.path.join(tmp, f"{stem}.{arch}.cubin")
                run = subprocess.run([ptxas, f"-arch={arch}", os.path.join(ptx_dir, stem + ".ptx"), "-o", out], capture_output=True, text=True)
                if run.returncode != 0:
                    die(f"ptxas -arch={arch} ptx/{stem}.ptx failed:\n{run.stdout}{run.stderr}")
    print(f"kernels: every PTX module assembled with ptxas for {', '.join(ASSEMBLE_FOR)} ({ptxas})")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("build", "check"):
        die("usage: build_ptx.py build|check KERNELS_DIR PTX_DIR")
    _, mode, kernels, ptx_dir = sys.argv
    if mode == "build":
        build(kernels, ptx_dir)
    else:
        check_all(kernels, ptx_dir)


if __name__ == "__main__":
    main()
