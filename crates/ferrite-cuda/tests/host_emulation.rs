//! Runs every kernel family on the CPU: kernels/host/check.cpp includes kernels/*.cu under a
//! host emulation of the CUDA builtins (single-threaded, and as grids of OS threads meeting at
//! barriers; see kernels/host/emu.h) and checks the results: the kernels' index arithmetic, their
//! scalar semantics and their block-level reductions, without a GPU. Skipped with a message when
//! no C++20 compiler (`$CXX` or `c++`) is found.

use std::path::Path;
use std::process::Command;

#[test]
fn kernels_compute_the_cpu_semantics_under_host_emulation() {
    let host = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels/host");
    if !host.join("check.cpp").exists() {
        // A test binary carried to another machine (`cargo xtask gpu-pack`) has no sources beside it.
        eprintln!(
            "kernels_compute_the_cpu_semantics_under_host_emulation: skipped, {} not found",
            host.display()
        );
        return;
    }
    let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned());
    let exe = std::env::temp_dir().join(format!("ferrite-cuda-host-check-{}", std::process::id()));
    let build = Command::new(&compiler)
        .args(["-std=c++20", "-pthread", "-O0", "-w", "-o"])
        .arg(&exe)
        .arg(host.join("check.cpp"))
        .output();
    let build = match build {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "kernels_compute_the_cpu_semantics_under_host_emulation: skipped, no C++ compiler ({compiler}: {e})"
            );
            return;
        }
    };
    assert!(build.status.success(), "{compiler} failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let run = Command::new(&exe).output().expect("run the host check");
    let _ = std::fs::remove_file(&exe);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "host check failed:\n{stdout}");
    assert!(stdout.contains("all host checks passed"), "{stdout}");
}
