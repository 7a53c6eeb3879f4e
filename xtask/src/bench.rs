//! `cargo xtask bench`: runs ferrite-bench and, when `TORCH_VENV` is set, PyTorch's torch_bench.py
//! and our torch_extra.py (the PyTorch side of the workloads the reference lacks) on the same
//! workloads in the same run, then prints and records the side-by-side table.

mod gpu;
mod report;

use crate::{Result, cargo, project_root, reference, run_checked};
use report::{BenchFile, Run};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str =
    "usage: cargo xtask bench [--threads 1,2] [--quick] [--only W1,W4] [--device cpu|cuda] [--from DIR]";

/// The command line, passed on to both benchmarks.
struct Options {
    threads: Vec<usize>,
    quick: bool,
    only: Option<String>,
    /// `--device cuda`: the GPU workloads instead of the CPU ones.
    cuda: bool,
    /// `--from DIR` (GPU only): the records `gpu-pack`'s bench.sh wrote on a GPU machine.
    from: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options =
            Options { threads: default_threads(), quick: false, only: None, cuda: false, from: None };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--threads" => {
                    let list = args.next().ok_or(format!("--threads needs a value\n{USAGE}"))?;
                    options.threads = parse_threads(list)?;
                }
                "--only" => {
                    options.only = Some(args.next().ok_or(format!("--only needs a value\n{USAGE}"))?.clone())
                }
                "--device" => {
                    options.cuda = match args.next().map(String::as_str) {
                        Some("cpu") => false,
                        Some("cuda") => true,
                        _ => return Err(format!("--device takes cpu or cuda\n{USAGE}")),
                    }
                }
                "--from" => {
                    options.from =
                        Some(PathBuf::from(args.next().ok_or(format!("--from needs a folder\n{USAGE}"))?))
                }
                other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
            }
        }
        if options.from.is_some() && !options.cuda {
            return Err(format!("--from reads GPU records: it needs --device cuda\n{USAGE}"));
        }
        Ok(options)
    }

    /// The options both benchmark scripts take, after `--threads` and `--out`.
    fn common_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.quick {
            args.push("--quick".to_string());
        }
        if let Some(only) = &self.only {
            args.extend(["--only".to_string(), only.clone()]);
        }
        args
    }
}

/// One thread, and every core the machine has (one entry on a single-core machine).
fn default_threads() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 { vec![1, cores] } else { vec![1] }
}

fn parse_threads(list: &str) -> Result<Vec<usize>> {
    let threads: Vec<usize> = list
        .split(',')
        .map(|t| t.trim().parse().ok().filter(|&n| n > 0))
        .collect::<Option<_>>()
        .ok_or(format!("--threads takes a comma list of positive integers, got `{list}`"))?;
    Ok(threads)
}

pub fn run(args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    if options.cuda {
        return gpu::run(options.quick, options.from.as_deref(), &options.common_args());
    }
    let root = project_root();
    let python = reference::torch_python()?;
    let scripts = python.as_ref().map(|_| torch_scripts(&root)).transpose()?;
    if python.is_none() {
        shout_no_comparison("follow");
    }
    let out_dir = root.join("target/bench");
    fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    // Build once up front so a compile error stops the run before any timing starts.
    run_checked(cargo().args(["build", "--release", "--package", "ferrite-bench"]))?;
    let mut runs = Vec::new();
    for &threads in &options.threads {
        let ferrite_out = format!("target/bench/{FERRITE_PREFIX}{threads}.json");
        run_checked(
            cargo()
                .args(["run", "--quiet", "--release", "--package", "ferrite-bench", "--"])
                .args(["--threads", &threads.to_string(), "--out", &ferrite_out])
                .args(options.common_args()),
        )?;
        let ferrite = BenchFile::load(&root.join(&ferrite_out))?;
        let mut torch = Vec::new();
        if let (Some(python), Some(scripts)) = (&python, &scripts) {
            // The reference first, then ours; their records share one torch column.
            for (script, prefix) in scripts {
                let torch_out = format!("target/bench/{prefix}{threads}.json");
                run_checked(
                    Command::new(python)
                        .arg(script)
                        .args(["--threads", &threads.to_string(), "--out", &torch_out])
                        .args(options.common_args())
                        .current_dir(&root),
                )?;
                torch.push(BenchFile::load(&root.join(&torch_out))?);
            }
        }
        runs.push(Run { threads, ferrite, torch });
    }

    let rows = report::rows(&runs);
    println!("\n{}", report::text_table(&rows));
    publish(&root, &options, &runs, &rows)?;
    if python.is_none() {
        shout_no_comparison("are above");
    }
    Ok(())
}

/// The PyTorch scripts, each with the prefix of its output files: the reference's torch_bench.py,
/// then torch_extra.py (W9, W10), which lives here because the reference folder is not ours.
fn torch_scripts(root: &Path) -> Result<Vec<(PathBuf, &'static str)>> {
    let extra = root.join("crates/ferrite-bench/torch_extra.py");
    if !extra.is_file() {
        return Err(format!("{} does not exist", extra.display()));
    }
    Ok(vec![(reference::torch_bench_script()?, TORCH_PREFIX), (extra, TORCH_EXTRA_PREFIX)])
}

/// Output file names: `{prefix}{threads}.json`.
const FERRITE_PREFIX: &str = "ferrite-t";
const TORCH_PREFIX: &str = "torch-t";
const TORCH_EXTRA_PREFIX: &str = "torch-extra-t";

/// Writes the Markdown report and copies the JSON records. Smoke-test (`--quick`) results stay
/// under target/bench, so they never overwrite the real figures in docs/.
fn publish(root: &Path, options: &Options, runs: &[Run], rows: &[report::Row]) -> Result<()> {
    let (doc, json_dir) = if options.quick {
        (root.join("target/bench/performance.md"), None)
    } else {
        (root.join("docs/performance.md"), Some(root.join("docs/bench")))
    };
    let command = std::iter::once("cargo xtask bench".to_string())
        .chain(std::iter::once(format!(
            "--threads {}",
            options.threads.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")
        )))
        .chain(options.common_args())
        .collect::<Vec<_>>()
        .join(" ");
    let records = if options.quick { "target/bench/*.json" } else { "docs/bench/*.json" };
    let mut markdown = report::markdown(&command, options.quick, records, runs, rows);
    // The GPU section comes from another run (`--device cuda`): keep it.
    let old = fs::read_to_string(&doc).unwrap_or_default();
    let (_, gpu_section) = gpu::split(&old);
    if !gpu_section.is_empty() {
        markdown.push('\n');
        markdown.push_str(gpu_section);
    }
    write(&doc, &markdown)?;
    println!("bench: wrote {}", doc.display());
    if let Some(dir) = json_dir {
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        remove_old_records(&dir)?;
        for run in runs {
            for file in std::iter::once(&run.ferrite).chain(&run.torch) {
                let name = file.path.file_name().expect("a bench output is a file");
                let to = dir.join(name);
                fs::copy(&file.path, &to).map_err(|e| format!("cannot copy to {}: {e}", to.display()))?;
                println!("bench: copied {}", to.display());
            }
        }
    } else {
        println!(
            "bench: --quick results are smoke tests; docs/performance.md and docs/bench/ were left alone"
        );
    }
    Ok(())
}

/// Removes the records of an earlier run, so docs/bench holds exactly the files behind docs/performance.md.
fn remove_old_records(dir: &Path) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = [FERRITE_PREFIX, TORCH_PREFIX, TORCH_EXTRA_PREFIX].iter().any(|p| name.starts_with(p))
            && name.ends_with(".json");
        if ours {
            fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The banner for a run without PyTorch; `where_` says where ferrite's figures are ("follow", "are above").
fn shout_no_comparison(where_: &str) {
    let line = "!".repeat(100);
    eprintln!(
        "\n{line}\n!!! TORCH_VENV IS NOT SET: NO COMPARISON WITH PYTORCH WAS MADE. Only ferrite's own figures {where_}.\n\
         !!! {}\n{line}\n",
        reference::install_hint().replace('\n', "\n!!! "),
    );
}
