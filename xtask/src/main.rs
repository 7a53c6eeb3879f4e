//! `cargo xtask`: ferrite's one entry point for chores; each command lives in its own module.
//!
//! xtask depends on none of ferrite's crates, so it builds, and `tidy` runs, even while the
//! library does not compile.

mod bench;
mod ci;
mod golden;
mod gpu_pack;
mod kernels;
mod reference;
mod tidy;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Errors are messages for a person at a terminal; every command reports its own context.
type Result<T, E = String> = std::result::Result<T, E>;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci                          fmt --check, clippy -D warnings (also with the cuda feature), kernels --check,
                              tests (with doctests), docs -D warnings, tidy, examples
                              (--dry-run: print the steps without running them)
  tidy                        check file headers, file sizes and the crates' dependency direction
  golden                      regenerate the PyTorch golden fixtures ($TORCH_VENV/bin/python tests/golden/gen.py)
  bench [--threads 1,2] [--quick] [--only W1,W4] [--rounds N]
                              run ferrite-bench (and torch_bench.py when TORCH_VENV is set), print the
                              side-by-side table, write docs/performance.md and docs/bench/*.json
  bench --report              write docs/performance.md again from docs/bench/*.json, running nothing
  bench --device cuda [--from DIR] [--quick] [--only G1,G3]
                              the GPU workloads beside torch_gpu.py, as docs/performance.md's GPU section;
                              --from: the records gpu-pack's bench.sh wrote on a GPU machine
  kernels [--check]           compile crates/ferrite-cuda/kernels/*.cu to ptx/ with NVRTC ($CUDA_VENV);
                              --check: fail when a PTX is stale, and assemble it with ptxas when found
  gpu-pack                    build the test binaries and examples with the cuda feature into target/gpu-pack/
                              with a run.sh, for a GPU machine without Rust (`bash target/gpu-pack/run.sh`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "ci" => ci::run(rest),
        "tidy" => tidy::run(rest),
        "golden" => golden::run(rest),
        "bench" => bench::run(rest),
        "kernels" => kernels::run(rest),
        "gpu-pack" => gpu_pack::run(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {command}: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask's manifest sits one level below it).
fn project_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("xtask lives in a subfolder of the workspace").to_path_buf()
}

/// `cargo` (the one that runs xtask, so the pinned toolchain is kept), started in the workspace root.
fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(program);
    command.current_dir(project_root());
    command
}

/// A command as a person would type it: env assignments, the program's file name, the arguments.
fn display(command: &Command) -> String {
    let mut words = Vec::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            words.push(format!("{}=\"{}\"", key.to_string_lossy(), value.to_string_lossy()));
        }
    }
    let program = Path::new(command.get_program());
    words.push(program.file_name().unwrap_or(program.as_os_str()).to_string_lossy().into_owned());
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Runs `command` with inherited stdio, echoing it first; a failure names the command and its status.
fn run_checked(command: &mut Command) -> Result<()> {
    let shown = display(command);
    println!("$ {shown}");
    let status = command.status().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{shown}` failed ({status})")) }
}
