//! `cargo xtask kernels [--check]`: compiles crates/ferrite-cuda/kernels/*.cu to the committed
//! PTX in crates/ferrite-cuda/ptx/ with NVRTC, or checks that the PTX is up to date.
//!
//! The work is done by crates/ferrite-cuda/kernels/build_ptx.py (Python's ctypes loads libnvrtc;
//! xtask stays free of CUDA). Compiling needs NVRTC 13.0, which the PyPI wheels carry, no GPU:
//!
//! ```text
//! python3 -m venv ~/.venvs/cuda
//! ~/.venvs/cuda/bin/pip install 'nvidia-cuda-nvrtc==13.0.*' 'nvidia-cuda-nvcc==13.0.*'
//! CUDA_VENV=~/.venvs/cuda cargo xtask kernels
//! ```
//!
//! `--check` compares each PTX's recorded source hash with the sources (no CUDA needed), then,
//! when ptxas is found (in `$CUDA_VENV`, `$PTXAS` or on the PATH), assembles each module for
//! sm_80 and sm_90.

use crate::{Result, project_root, run_checked};
use std::process::Command;

const INSTALL: &str = "NVRTC 13.0 is needed (no GPU): python3 -m venv ~/.venvs/cuda && \
~/.venvs/cuda/bin/pip install 'nvidia-cuda-nvrtc==13.0.*' 'nvidia-cuda-nvcc==13.0.*', then \
CUDA_VENV=~/.venvs/cuda cargo xtask kernels";

pub fn run(args: &[String]) -> Result<()> {
    let mode = match args {
        [] => "build",
        [flag] if flag == "--check" => "check",
        _ => return Err(format!("unexpected arguments {args:?} (usage: cargo xtask kernels [--check])")),
    };
    if mode == "build" && std::env::var_os("CUDA_VENV").is_none() && std::env::var_os("NVRTC_LIB").is_none() {
        return Err(format!("CUDA_VENV is not set. {INSTALL}"));
    }
    let crate_dir = project_root().join("crates/ferrite-cuda");
    let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let mut command = Command::new(python);
    command
        .arg(crate_dir.join("kernels/build_ptx.py"))
        .arg(mode)
        .arg(crate_dir.join("kernels"))
        .arg(crate_dir.join("ptx"));
    run_checked(&mut command).map_err(|e| {
        if mode == "build" {
            format!("{e}\n{INSTALL}")
        } else {
            format!("{e}\nthe committed PTX does not match kernels/*.cu: run `cargo xtask kernels` and commit ptx/")
        }
    })
}
