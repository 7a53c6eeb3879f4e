//! `cargo xtask bench --device cuda [--from DIR]`: the GPU workloads (G1..G4) of ferrite-bench
//! beside `torch_gpu.py` on the same GPU, reported as the `## GPU` section of docs/performance.md.
//!
//! On a machine with a GPU and Rust, it builds ferrite-bench with the `cuda` feature and runs both
//! sides. The GPU machines here have no Rust: there `cargo xtask gpu-pack`'s `bench.sh` runs both
//! sides and writes `ferrite-cuda.json` and `torch-cuda.json`, and `--from DIR` reads them back.

use super::report::{self, BenchFile, Run};
use crate::{Result, cargo, project_root, reference, run_checked};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The heading that starts the GPU section; everything from it on is the GPU's.
pub const HEADING: &str = "## GPU";

const FERRITE_FILE: &str = "ferrite-cuda.json";
const TORCH_FILE: &str = "torch-cuda.json";

/// Runs (or, with `from`, reads) both sides, prints the table and publishes it. `common_args` are
/// the options both programs take (`--quick`, `--only`).
pub fn run(quick: bool, from: Option<&Path>, common_args: &[String]) -> Result<()> {
    let root = project_root();
    let dir = match from {
        Some(dir) => dir.to_path_buf(),
        None => measure(&root, common_args)?,
    };
    let ferrite = BenchFile::load(&dir.join(FERRITE_FILE))?;
    let torch_path = dir.join(TORCH_FILE);
    let torch = if torch_path.is_file() { vec![BenchFile::load(&torch_path)?] } else { Vec::new() };
    if torch.is_empty() {
        eprintln!("bench: {} is absent: no comparison with PyTorch", torch_path.display());
    }
    let quick = quick || ferrite.meta("/quick") == "true";
    let runs = [Run { threads: 1, ferrite, torch }];
    let rows = report::rows(&runs);
    println!("\n{}", report::text_table(&rows));

    let mut command = String::from("cargo xtask bench --device cuda");
    for arg in common_args {
        write!(command, " {arg}").expect("writing to a String");
    }
    let section = section(&command, quick, &runs[0], &rows);
    if quick {
        let doc = root.join("target/bench/performance-gpu.md");
        write(&doc, &section)?;
        println!("bench: --quick results are smoke tests; wrote {} and left docs/ alone", doc.display());
        return Ok(());
    }
    let doc = root.join("docs/performance.md");
    let old = fs::read_to_string(&doc).unwrap_or_default();
    let (cpu, _) = split(&old);
    let cpu = if cpu.trim().is_empty() { "# Performance\n\nNo CPU run recorded yet.\n\n" } else { cpu };
    write(&doc, &format!("{cpu}{section}"))?;
    println!("bench: wrote the GPU section of {}", doc.display());
    let records = root.join("docs/bench");
    fs::create_dir_all(&records).map_err(|e| format!("cannot create {}: {e}", records.display()))?;
    for file in runs[0].torch.iter().chain(std::iter::once(&runs[0].ferrite)) {
        let name = file.path.file_name().expect("a bench record is a file");
        let to = records.join(name);
        fs::copy(&file.path, &to).map_err(|e| format!("cannot copy to {}: {e}", to.display()))?;
        println!("bench: copied {}", to.display());
    }
    Ok(())
}

/// Builds and runs ferrite-bench `--device cuda`, then torch_gpu.py when TORCH_VENV is set, here.
fn measure(root: &Path, common_args: &[String]) -> Result<PathBuf> {
    let dir = root.join("target/bench");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let bench = ["--package", "ferrite-bench", "--features", "cuda"];
    run_checked(cargo().args(["build", "--release"]).args(bench))?;
    let out = dir.join(FERRITE_FILE);
    run_checked(
        cargo()
            .args(["run", "--quiet", "--release"])
            .args(bench)
            .args(["--", "--device", "cuda", "--threads", "1", "--out"])
            .arg(&out)
            .args(common_args),
    )?;
    let torch_out = dir.join(TORCH_FILE);
    // A stale PyTorch record must not pass for this run's.
    let _ = fs::remove_file(&torch_out);
    match reference::torch_python()? {
        Some(python) => run_checked(
            Command::new(python)
                .arg(root.join("crates/ferrite-bench/torch_gpu.py"))
                .arg("--out")
                .arg(&torch_out)
                .args(common_args)
                .current_dir(root),
        )?,
        None => eprintln!(
            "bench: TORCH_VENV is not set: no comparison with PyTorch.\n{}",
            reference::install_hint()
        ),
    }
    Ok(dir)
}

/// `text` cut before its GPU section: (what comes before, the section).
pub fn split(text: &str) -> (&str, &str) {
    report::split_at_heading(text, HEADING)
}

/// The GPU section: where and how, the targets, then the table.
fn section(command: &str, quick: bool, run: &Run, rows: &[report::Row]) -> String {
    let mut md = String::new();
    let w = &mut md;
    let gpu = run.ferrite.meta("/gpu");
    let _ = writeln!(w, "{HEADING}: {gpu}\n");
    let _ = writeln!(w, "Written by `{command}`; do not edit by hand, rerun it.\n");
    if quick {
        let _ = writeln!(w, "**Smoke test (`--quick`): tiny sizes, not representative.**\n");
    }
    let _ = writeln!(w, "- Date: {} (UTC)", report::today());
    let _ = writeln!(w, "- GPU: {gpu} (`{}`)", run.ferrite.meta("/device"));
    let _ =
        writeln!(w, "- ferrite {}: {}", run.ferrite.meta("/versions/ferrite"), run.ferrite.meta("/backend"));
    match run.torch.first() {
        Some(t) => {
            let _ = writeln!(w, "- PyTorch {}: {}", t.meta("/versions/torch"), t.meta("/backend"));
        }
        None => {
            let _ = writeln!(w, "- **No comparison with PyTorch was made.**");
        }
    }
    let _ = writeln!(
        w,
        "- Method: `crates/ferrite-bench/src/workloads/gpu.rs` and `crates/ferrite-bench/torch_gpu.py`, the same \
         sizes and reps, one after the other on this GPU; each timed rep ends with a device synchronize; medians. \
         Ratio > 1 means ferrite is faster. Raw records: `docs/bench/{FERRITE_FILE}`, `docs/bench/{TORCH_FILE}`."
    );
    let _ = writeln!(
        w,
        "- Targets: G1 matmul >= 0.9x PyTorch; G2 `add` >= 0.8x of the device copy bandwidth (the `copy` row); \
         G3 MLP step >= 1.5x at batch 256 and >= 1.0x at batch 4096."
    );
    if let Some(share) = add_share_of_copy(rows) {
        let _ = writeln!(w, "- G2: ferrite's `add` reaches {share:.2}x of its own device copy bandwidth.");
    }
    let _ = writeln!(w);
    md.push_str(&report::markdown_table(rows));
    md
}

/// ferrite's `a + b` bandwidth over its device copy bandwidth (G2).
fn add_share_of_copy(rows: &[report::Row]) -> Option<f64> {
    let ferrite = |prefix: &str| {
        rows.iter()
            .find(|r| r.workload() == "G2_elementwise" && r.case().starts_with(prefix))
            .and_then(|r| r.ferrite())
    };
    Some(ferrite("add ")? / ferrite("copy ")?)
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gpu_section_is_split_off_whole() {
        let doc = "# Performance\n\n| a |\n\n## GPU: NVIDIA H200\n\n| g |\n";
        assert_eq!(split(doc), ("# Performance\n\n| a |\n\n", "## GPU: NVIDIA H200\n\n| g |\n"));
        assert_eq!(split("# Performance\n"), ("# Performance\n", ""));
        assert_eq!(split("## GPU: x\n"), ("", "## GPU: x\n"));
        // A heading that merely starts with the same letters inside a line is not the section.
        assert_eq!(split("text ## GPU inline\n"), ("text ## GPU inline\n", ""));
    }
}
