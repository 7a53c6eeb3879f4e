//! ferrite-bench's library: the workloads behind the `ferrite-bench` binary, and [`paired`], the C
//! functions through which `torch_paired.py` times ferrite and PyTorch in one process
//! (`cargo xtask bench --paired`). Built as an rlib for the binary and as a cdylib for Python.

mod input;
pub mod paired;
pub mod record;
pub mod workloads;
