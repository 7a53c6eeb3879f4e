//! `cargo xtask bench --paired`: W1-W3 timed by `crates/ferrite-bench/torch_paired.py`, which runs
//! PyTorch and ferrite (the `ferrite-bench` library, through ctypes) in one process, batch for
//! batch (see that script's header for the method). It writes the `## Paired` section of
//! docs/performance.md and docs/bench/paired-t{N}.json; the other sections are kept.
//!
//! Why a second method: the host's speed drifts within seconds, so the main table's two sides,
//! measured in separate processes seconds or minutes apart, can differ by more than the code does.

use super::report::today;
use crate::{Result, cargo, reference, run_checked};
use serde_json::Value;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

/// The heading that starts the paired section; it runs to the GPU section or the end.
pub const HEADING: &str = "## Paired in one process";
/// Records are `paired-t{threads}.json`.
const PREFIX: &str = "paired-t";
/// The workloads torch_paired.py times.
pub const WORKLOADS: &[&str] = &["W1", "W2", "W3"];

/// What `--paired` runs.
pub struct Paired<'a> {
    pub threads: &'a [usize],
    pub quick: bool,
    /// `--only`, passed on (W1, W2, W3 are known).
    pub only: Option<&'a str>,
    /// `--rounds`: rounds per process; `None` for the script's default.
    pub rounds: Option<usize>,
}

/// Builds the library, runs the script at each thread count, then prints and publishes the table.
pub fn run(root: &Path, paired: &Paired) -> Result<()> {
    let python = reference::torch_python()?.ok_or_else(|| {
        format!(
            "--paired runs PyTorch and ferrite in one Python process: set TORCH_VENV.\n{}",
            reference::install_hint()
        )
    })?;
    run_checked(cargo().args(["build", "--release", "--package", "ferrite-bench"]))?;
    let lib = root.join("target/release").join(format!(
        "{}ferrite_bench{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let out_dir = root.join("target/bench");
    fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut files = Vec::new();
    for &threads in paired.threads {
        let out = out_dir.join(format!("{PREFIX}{threads}.json"));
        let mut command = Command::new(&python);
        command
            .arg(root.join("crates/ferrite-bench/torch_paired.py"))
            .arg("--lib")
            .arg(&lib)
            .args(["--threads", &threads.to_string(), "--out"])
            .arg(&out)
            .current_dir(root);
        if paired.quick {
            command.arg("--quick");
        }
        if let Some(only) = paired.only {
            command.args(["--only", only]);
        }
        if let Some(rounds) = paired.rounds {
            command.args(["--rounds", &rounds.to_string()]);
        }
        run_checked(&mut command)?;
        files.push(out);
    }
    let docs = files.iter().map(|f| load(f)).collect::<Result<Vec<_>>>()?;
    let section = section(&command_line(paired), &docs);
    println!("\n{section}");
    if paired.quick {
        let doc = out_dir.join("performance-paired.md");
        write(&doc, &section)?;
        println!("bench: --quick results are smoke tests; wrote {} and left docs/ alone", doc.display());
        return Ok(());
    }
    let doc = root.join("docs/performance.md");
    let old = fs::read_to_string(&doc).unwrap_or_default();
    write(&doc, &splice(&old, &section))?;
    println!("bench: wrote the paired section of {}", doc.display());
    let records = root.join("docs/bench");
    fs::create_dir_all(&records).map_err(|e| format!("cannot create {}: {e}", records.display()))?;
    for entry in
        fs::read_dir(&records).map_err(|e| format!("cannot list {}: {e}", records.display()))?.flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) && name.ends_with(".json") {
            fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    for file in &files {
        let to = records.join(file.file_name().expect("a record is a file"));
        fs::copy(file, &to).map_err(|e| format!("cannot copy to {}: {e}", to.display()))?;
        println!("bench: copied {}", to.display());
    }
    Ok(())
}

fn command_line(paired: &Paired) -> String {
    let threads: Vec<String> = paired.threads.iter().map(|t| t.to_string()).collect();
    let mut line = format!("cargo xtask bench --paired --threads {}", threads.join(","));
    if let Some(rounds) = paired.rounds {
        let _ = write!(line, " --rounds {rounds}");
    }
    if let Some(only) = paired.only {
        let _ = write!(line, " --only {only}");
    }
    if paired.quick {
        line.push_str(" --quick");
    }
    line
}

fn load(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a paired record: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `text` (the report, without its GPU section) cut at its paired section: (before, the section).
pub fn split(text: &str) -> (&str, &str) {
    super::report::split_at_heading(text, HEADING)
}

/// The report `old` with its paired section replaced by `section` (before the GPU section).
fn splice(old: &str, section: &str) -> String {
    let (cpu, gpu) = super::gpu::split(old);
    let (main, _) = split(cpu);
    let main =
        if main.trim().is_empty() { "# Performance\n\nNo CPU run recorded yet." } else { main.trim_end() };
    let gap = if gpu.is_empty() { "" } else { "\n" };
    format!("{main}\n\n{section}{gap}{gpu}")
}

/// The paired section: how the figures were taken, then one row per case and thread count.
fn section(command: &str, docs: &[Value]) -> String {
    let mut md = String::new();
    let w = &mut md;
    let first = docs.first();
    let meta = |pointer: &str| {
        first.and_then(|d| d.pointer(pointer)).map_or("-".to_string(), |v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let _ = writeln!(w, "{HEADING}: W1-W3\n");
    let _ = writeln!(w, "Written by `{command}`; do not edit by hand, rerun it.\n");
    if meta("/quick") == "true" {
        let _ = writeln!(w, "**Smoke test (`--quick`): tiny sizes, not representative.**\n");
    }
    let _ = writeln!(w, "- Date: {} (UTC)", today());
    let _ = writeln!(w, "- CPU: {}", meta("/cpu_model"));
    let _ = writeln!(w, "- PyTorch {} ({})", meta("/versions/torch"), meta("/torch_backend"));
    let batch_ms = first.and_then(|d| d["batch_s"].as_f64()).map_or(0.0, |s| s * 1e3);
    let gap_ms = first.and_then(|d| d["gap_s"].as_f64()).map_or(0.0, |s| s * 1e3);
    let _ = writeln!(
        w,
        "- Method (`crates/ferrite-bench/torch_paired.py`): one Python process runs both sides, PyTorch's as \
         `torch_bench.py` defines them and ferrite's through the `ferrite-bench` library (ctypes). Each round \
         times a batch of calls (about {batch_ms:.0} ms) of one side, then of the other, each after a \
         {gap_ms:.0} ms pause (the other side's worker threads go to sleep), the order swapped every round; \
         {} rounds in each of {} processes, pooled. Values: each side's median round. Ratio: the median of \
         the rounds' ratios of ferrite's speed to PyTorch's (> 1: ferrite is faster), then the middle half of \
         those ratios and each process's median: how far the host moved one comparison and one process.",
        meta("/rounds"),
        meta("/processes"),
    );
    let _ = writeln!(
        w,
        "- The main table above times each side in its own process, seconds to minutes apart; this one \
         compares the two sides a fraction of a second apart.\n"
    );
    let _ = writeln!(
        w,
        "| Workload | Case | Threads | ferrite | PyTorch | Unit | Ratio | Middle half | Per process |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|");
    for doc in docs {
        let threads = doc["threads"].as_u64().unwrap_or(0);
        for r in doc["results"].as_array().into_iter().flatten() {
            let f = |key: &str| r[key].as_f64().unwrap_or(f64::NAN);
            let processes: Vec<String> = r["process_ratios"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .map(ratio)
                .collect();
            let _ = writeln!(
                w,
                "| {} | {} | {threads} | {} | {} | {} | **{}** | {}-{} | {} |",
                r["workload"].as_str().unwrap_or("-"),
                r["case"].as_str().unwrap_or("-"),
                value(f("ferrite")),
                value(f("torch")),
                r["unit"].as_str().unwrap_or("-"),
                ratio(f("ratio")),
                ratio(f("ratio_q1")),
                ratio(f("ratio_q3")),
                if processes.is_empty() { "-".to_string() } else { processes.join(", ") },
            );
        }
    }
    md
}

fn ratio(x: f64) -> String {
    format!("{x:.2}x")
}

fn value(v: f64) -> String {
    if v >= 1000.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(threads: u64, ratio: f64) -> Value {
        serde_json::json!({
            "threads": threads, "rounds": 21, "processes": 3, "batch_s": 0.05, "gap_s": 0.01, "quick": false,
            "cpu_model": "AMD EPYC", "versions": {"torch": "2.15.0"}, "torch_backend": "MKL True",
            "results": [{
                "workload": "W3_mlp_infer", "case": "batch=1024", "unit": "samples/s",
                "ferrite": 171401.3, "torch": 145842.6, "ratio": ratio, "ratio_q1": 1.183, "ratio_q3": 1.293,
                "process_ratios": [1.1, 1.25, 0.97]
            }]
        })
    }

    #[test]
    fn rows_give_values_ratios_and_spreads() {
        let md = section("cargo xtask bench --paired --threads 1,2", &[doc(1, 1.192), doc(2, 0.995)]);
        assert!(md.starts_with("## Paired in one process: W1-W3\n"), "{md}");
        assert!(md.contains("21 rounds in each of 3 processes"), "{md}");
        assert!(md.contains("about 50 ms") && md.contains("10 ms pause"), "{md}");
        assert!(
            md.contains(
                "| W3_mlp_infer | batch=1024 | 1 | 171401 | 145843 | samples/s | **1.19x** | 1.18x-1.29x | 1.10x, 1.25x, 0.97x |"
            ),
            "{md}"
        );
        assert!(md.contains("| 2 | 171401 | 145843 | samples/s | **0.99x** |"), "{md}");
    }

    #[test]
    fn the_section_replaces_its_old_self_before_the_gpu_section() {
        let old =
            "# Performance\n\n| cpu |\n\n## Paired in one process: W1-W3\n\nold\n\n## GPU: H200\n\n| g |\n";
        let new = splice(old, "## Paired in one process: W1-W3\n\nnew\n");
        assert_eq!(
            new,
            "# Performance\n\n| cpu |\n\n## Paired in one process: W1-W3\n\nnew\n\n## GPU: H200\n\n| g |\n"
        );
        // Without a GPU section or an old paired one, it goes at the end.
        assert_eq!(
            splice("# Performance\n\n| cpu |\n", "## Paired\n"),
            "# Performance\n\n| cpu |\n\n## Paired\n"
        );
        assert_eq!(
            split("# P\n\n## Paired in one process: x\n"),
            ("# P\n\n", "## Paired in one process: x\n")
        );
        assert_eq!(split("# P\n"), ("# P\n", ""));
    }
}
