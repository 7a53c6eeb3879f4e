//! `cargo xtask bench`: runs ferrite-bench and, when `TORCH_VENV` is set, PyTorch's torch_bench.py
//! and our torch_extra.py (the PyTorch side of the workloads the reference lacks) on the same
//! workloads in the same run, then prints and records the side-by-side table.

mod gpu;
mod paired;
mod report;

use crate::{Result, cargo, project_root, reference, run_checked};
use report::{BenchFile, Run};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask bench [--threads 1,2] [--quick] [--only W1,W4] [--rounds N] [--device cpu|cuda] [--from DIR] [--paired] | --report";

/// Rounds of each short workload by default: ferrite then PyTorch, three times over, each side's
/// median round kept. On a shared host whose speed drifts by tens of percent within minutes, one
/// round decides a ratio near 1.0 by the drift; three, interleaved, by the code.
const DEFAULT_ROUNDS: usize = 3;
/// Workloads run once whatever `--rounds` says: each takes tens of seconds a side and its ratio is
/// far from 1.0.
const ONE_ROUND: &[&str] = &["W9", "W10"];

/// The command line, passed on to both benchmarks.
struct Options {
    threads: Vec<usize>,
    quick: bool,
    only: Option<String>,
    /// `--device cuda`: the GPU workloads instead of the CPU ones.
    cuda: bool,
    /// `--from DIR` (GPU only): the records `gpu-pack`'s bench.sh wrote on a GPU machine.
    from: Option<PathBuf>,
    /// `--rounds N`: how many times each short workload runs on each side.
    rounds: usize,
    /// `--report`: rewrite docs/performance.md from the records in docs/bench, running nothing.
    report: bool,
    /// `--paired`: W1-W3 with both sides in one process (`paired.rs`) instead of the main table.
    paired: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            threads: default_threads(),
            quick: false,
            only: None,
            cuda: false,
            from: None,
            rounds: 0,
            report: false,
            paired: false,
        };
        let mut args = args.iter();
        // Any option but `--report`: `--report` would ignore it.
        let mut runs_something = false;
        while let Some(arg) = args.next() {
            runs_something |= arg != "--report";
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--report" => options.report = true,
                "--paired" => options.paired = true,
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
                "--rounds" => {
                    let n = args.next().ok_or(format!("--rounds needs a value\n{USAGE}"))?;
                    options.rounds = n
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--rounds takes a count > 0, not `{n}`"))?;
                }
                "--from" => {
                    options.from =
                        Some(PathBuf::from(args.next().ok_or(format!("--from needs a folder\n{USAGE}"))?))
                }
                other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
            }
        }
        if options.report && runs_something {
            return Err(format!("--report takes no other option: it reads docs/bench as it is\n{USAGE}"));
        }
        if options.from.is_some() && !options.cuda {
            return Err(format!("--from reads GPU records: it needs --device cuda\n{USAGE}"));
        }
        if options.paired {
            if options.cuda || options.from.is_some() {
                return Err(format!("--paired times the CPU workloads W1-W3 only\n{USAGE}"));
            }
            let ids =
                options.only.as_deref().map_or(Vec::new(), |only| only.split(',').map(str::trim).collect());
            if let Some(bad) = ids.iter().find(|id| !paired::WORKLOADS.contains(id)) {
                return Err(format!("--paired times {}, not `{bad}`", paired::WORKLOADS.join(", ")));
            }
            // Its rounds are the script's own unless given.
            return Ok(options);
        }
        if options.rounds == 0 {
            options.rounds = if options.quick { 1 } else { DEFAULT_ROUNDS };
        }
        Ok(options)
    }

    /// The CPU workloads to run: `--only`'s, in the table's order, or all of them.
    fn workload_ids(&self) -> Result<Vec<String>> {
        let Some(only) = &self.only else { return Ok(WORKLOAD_IDS.iter().map(|s| s.to_string()).collect()) };
        let wanted: Vec<&str> = only.split(',').map(str::trim).collect();
        if let Some(bad) = wanted.iter().find(|id| !WORKLOAD_IDS.contains(id)) {
            return Err(format!("unknown workload `{bad}` in --only (known: {})", WORKLOAD_IDS.join(", ")));
        }
        Ok(WORKLOAD_IDS.iter().filter(|id| wanted.contains(id)).map(|s| s.to_string()).collect())
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
    if options.report {
        return report_again(&project_root());
    }
    if options.cuda {
        return gpu::run(options.quick, options.from.as_deref(), &options.common_args());
    }
    let root = project_root();
    if options.paired {
        let paired = paired::Paired {
            threads: &options.threads,
            quick: options.quick,
            only: options.only.as_deref(),
            rounds: (options.rounds > 0).then_some(options.rounds),
        };
        return paired::run(&root, &paired);
    }
    let python = reference::torch_python()?;
    let scripts = python.as_ref().map(|_| torch_scripts(&root)).transpose()?;
    if python.is_none() {
        shout_no_comparison("follow");
    }
    let out_dir = root.join("target/bench");
    fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;

    // Build once up front so a compile error stops the run before any timing starts.
    run_checked(cargo().args(["build", "--release", "--package", "ferrite-bench"]))?;
    let parts = out_dir.join("parts");
    fs::create_dir_all(&parts).map_err(|e| format!("cannot create {}: {e}", parts.display()))?;
    let ids = options.workload_ids()?;
    let quick: &[&str] = if options.quick { &["--quick"] } else { &[] };
    let mut runs = Vec::new();
    for &threads in &options.threads {
        let t = threads.to_string();
        // Workload by workload, ferrite then PyTorch, in rounds: the two sides of a row are
        // measured minutes apart at most and alternately, so a machine whose speed drifts (a shared
        // host) skews a row less than when each side runs all its workloads in one go.
        let mut ferrite_parts = Vec::new();
        let mut torch_parts: Vec<Vec<PathBuf>> = vec![Vec::new(); scripts.as_ref().map_or(0, Vec::len)];
        for id in &ids {
            let rounds = if ONE_ROUND.contains(&id.as_str()) { 1 } else { options.rounds };
            let mut ferrite_rounds = Vec::new();
            let mut torch_rounds: Vec<Vec<PathBuf>> = vec![Vec::new(); torch_parts.len()];
            for round in 0..rounds {
                let out = parts.join(format!("{FERRITE_PREFIX}{threads}-{id}-r{round}.json"));
                run_checked(
                    cargo()
                        .args(["run", "--quiet", "--release", "--package", "ferrite-bench", "--"])
                        .args(["--threads", &t, "--only", id, "--out"])
                        .arg(&out)
                        .args(quick),
                )?;
                ferrite_rounds.push(out);
                let (Some(python), Some(scripts)) = (&python, &scripts) else { continue };
                for (i, (script, prefix, handles)) in scripts.iter().enumerate() {
                    if !handles.contains(&id.as_str()) {
                        continue;
                    }
                    let out = parts.join(format!("{prefix}{threads}-{id}-r{round}.json"));
                    run_checked(
                        Command::new(python)
                            .arg(script)
                            .args(["--threads", &t, "--only", id, "--out"])
                            .arg(&out)
                            .args(quick)
                            .current_dir(&root),
                    )?;
                    torch_rounds[i].push(out);
                }
            }
            let out = parts.join(format!("{FERRITE_PREFIX}{threads}-{id}.json"));
            median_round(&ferrite_rounds, &out)?;
            ferrite_parts.push(out);
            for (((_, prefix, _), files), to) in
                scripts.iter().flatten().zip(&torch_rounds).zip(&mut torch_parts)
            {
                if files.is_empty() {
                    continue;
                }
                let out = parts.join(format!("{prefix}{threads}-{id}.json"));
                median_round(files, &out)?;
                to.push(out);
            }
        }
        let ferrite_out = out_dir.join(format!("{FERRITE_PREFIX}{threads}.json"));
        merge(&ferrite_parts, &ferrite_out)?;
        let ferrite = BenchFile::load(&ferrite_out)?;
        let mut torch = Vec::new();
        // The reference first, then ours; their records share one torch column.
        for ((_, prefix, _), files) in scripts.iter().flatten().zip(&torch_parts) {
            if files.is_empty() {
                continue;
            }
            let out = out_dir.join(format!("{prefix}{threads}.json"));
            merge(files, &out)?;
            torch.push(BenchFile::load(&out)?);
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

/// The CPU workloads, in the reference's order, then ours.
const WORKLOAD_IDS: &[&str] = &["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10", "C"];

/// A PyTorch script, the prefix of its output files and the workloads it runs.
type Script = (PathBuf, &'static str, &'static [&'static str]);

/// The PyTorch scripts: the reference's torch_bench.py, then torch_extra.py (W9, W10), which lives
/// here because the reference folder is not ours.
fn torch_scripts(root: &Path) -> Result<Vec<Script>> {
    let extra = root.join("crates/ferrite-bench/torch_extra.py");
    if !extra.is_file() {
        return Err(format!("{} does not exist", extra.display()));
    }
    Ok(vec![
        (
            reference::torch_bench_script()?,
            TORCH_PREFIX,
            &["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "C"],
        ),
        (extra, TORCH_EXTRA_PREFIX, &["W9", "W10"]),
    ])
}

/// Joins the per-workload outputs of one program into one file: the first one's metadata, every
/// file's records and skipped workloads in order, the wall times summed.
fn merge(parts: &[PathBuf], out: &Path) -> Result<()> {
    let mut merged: Option<serde_json::Value> = None;
    for part in parts {
        let text = fs::read_to_string(part).map_err(|e| format!("cannot read {}: {e}", part.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", part.display()))?;
        let Some(m) = merged.as_mut() else {
            merged = Some(doc);
            continue;
        };
        for key in ["results", "skipped"] {
            if let (Some(to), Some(from)) = (m[key].as_array_mut(), doc[key].as_array()) {
                to.extend(from.iter().cloned());
            }
        }
        let wall = m["total_wall_s"].as_f64().unwrap_or(0.0) + doc["total_wall_s"].as_f64().unwrap_or(0.0);
        m["total_wall_s"] = wall.into();
    }
    let merged = merged.ok_or(format!("no outputs to merge into {}", out.display()))?;
    let text =
        serde_json::to_string_pretty(&merged).map_err(|e| format!("cannot encode {}: {e}", out.display()))?;
    write(out, &format!("{text}\n"))
}

/// Joins the rounds of one workload on one side: the first round's metadata with `rounds` set, and
/// for each record the round whose value is the median (the lower one for an even count), so its
/// value, median time and samples stay together, with every round's value in `round_values`.
fn median_round(rounds: &[PathBuf], out: &Path) -> Result<()> {
    let docs = rounds
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| format!("{} is not JSON: {e}", p.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut merged = docs.first().cloned().ok_or(format!("no rounds to join into {}", out.display()))?;
    let key = |r: &serde_json::Value| {
        (r["workload"].clone(), r["case"].clone(), r["unit"].clone(), r["metric"].clone())
    };
    if let Some(results) = merged["results"].as_array_mut() {
        for record in results.iter_mut() {
            let mut same: Vec<&serde_json::Value> = docs
                .iter()
                .filter_map(|d| d["results"].as_array()?.iter().find(|r| key(r) == key(record)))
                .collect();
            let values: Vec<serde_json::Value> = same.iter().map(|r| r["value"].clone()).collect();
            same.sort_by(|a, b| {
                a["value"].as_f64().unwrap_or(f64::NAN).total_cmp(&b["value"].as_f64().unwrap_or(f64::NAN))
            });
            *record = same[(same.len() - 1) / 2].clone();
            record["round_values"] = values.into();
        }
    }
    merged["rounds"] = docs.len().into();
    merged["total_wall_s"] =
        docs.iter().map(|d| d["total_wall_s"].as_f64().unwrap_or(0.0)).sum::<f64>().into();
    let text =
        serde_json::to_string_pretty(&merged).map_err(|e| format!("cannot encode {}: {e}", out.display()))?;
    write(out, &format!("{text}\n"))
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
    // The paired and GPU sections come from other runs (`--paired`, `--device cuda`): keep them.
    let old = fs::read_to_string(&doc).unwrap_or_default();
    let (cpu_section, gpu_section) = gpu::split(&old);
    let (_, paired_section) = paired::split(cpu_section);
    if !paired_section.is_empty() {
        markdown.push('\n');
        markdown.push_str(paired_section.trim_end());
        markdown.push('\n');
    }
    if !gpu_section.is_empty() {
        markdown.push('\n');
        markdown.push_str(gpu_section);
    }
    write(&doc, &markdown)?;
    println!("bench: wrote {}", doc.display());
    // `--report` reads the records from docs/bench: they are already there.
    if let Some(dir) = json_dir.filter(|_| !options.report) {
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

/// `--report`: the table of the records already in docs/bench, written to docs/performance.md
/// again (after a change to the report's layout), with the threads those records ran at.
fn report_again(root: &Path) -> Result<()> {
    let dir = root.join("docs/bench");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    // The thread counts come from ferrite's record names, `ferrite-t{threads}.json`.
    let mut threads: Vec<usize> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_prefix(FERRITE_PREFIX)?.strip_suffix(".json")?.parse().ok())
        .collect();
    threads.sort_unstable();
    let mut runs = Vec::new();
    for threads in threads {
        let path = |prefix: &str| dir.join(format!("{prefix}{threads}.json"));
        let ferrite = BenchFile::load(&path(FERRITE_PREFIX))?;
        let torch = [TORCH_PREFIX, TORCH_EXTRA_PREFIX]
            .iter()
            .map(|p| path(p))
            .filter(|p| p.exists())
            .map(|p| BenchFile::load(&p))
            .collect::<Result<Vec<_>>>()?;
        runs.push(Run { threads, ferrite, torch });
    }
    if runs.is_empty() {
        return Err(format!("no {FERRITE_PREFIX}N.json in {}: run `cargo xtask bench` first", dir.display()));
    }
    let options = Options {
        threads: runs.iter().map(|r| r.threads).collect(),
        quick: false,
        only: None,
        cuda: false,
        from: None,
        rounds: 0,
        report: true,
        paired: false,
    };
    let rows = report::rows(&runs);
    println!("\n{}", report::text_table(&rows));
    publish(root, &options, &runs, &rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_merge_into_one_file_in_order() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-merge-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let part = |name: &str, body: &str| {
            let path = dir.join(name);
            fs::write(&path, body).unwrap();
            path
        };
        let a = part(
            "a.json",
            r#"{"threads": 1, "total_wall_s": 1.5, "skipped": [], "results": [{"case": "a"}]}"#,
        );
        let b = part(
            "b.json",
            r#"{"threads": 9, "total_wall_s": 2.0, "skipped": ["C"], "results": [{"case": "b"}]}"#,
        );
        let out = dir.join("merged.json");
        merge(&[a, b], &out).unwrap();
        let merged: serde_json::Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(merged["threads"], 1, "the first part's metadata");
        assert_eq!(merged["total_wall_s"], 3.5);
        assert_eq!(merged["skipped"], serde_json::json!(["C"]));
        assert_eq!(merged["results"], serde_json::json!([{"case": "a"}, {"case": "b"}]));
        assert!(merge(&[], &dir.join("none.json")).is_err());
    }

    #[test]
    fn rounds_keep_each_records_median_round() {
        let dir = std::env::temp_dir().join(format!("xtask-rounds-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let round = |name: &str, a: f64, b: f64| {
            let p = dir.join(name);
            let doc = serde_json::json!({"threads": 1, "total_wall_s": 1.0, "results": [
                {"workload": "W1", "case": "n=256", "unit": "GFLOP/s", "value": a, "median_ms": a},
                {"workload": "W1", "case": "n=512", "unit": "GFLOP/s", "value": b, "median_ms": b},
            ]});
            fs::write(&p, doc.to_string()).unwrap();
            p
        };
        let files = [round("r0", 3.0, 10.0), round("r1", 1.0, 30.0), round("r2", 2.0, 20.0)];
        let out = dir.join("joined.json");
        median_round(&files, &out).unwrap();
        let joined: serde_json::Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        assert!(median_round(&[], &out).is_err());
        fs::remove_dir_all(&dir).unwrap();
        let r = &joined["results"];
        assert_eq!((r[0]["value"].as_f64(), r[0]["median_ms"].as_f64()), (Some(2.0), Some(2.0)));
        assert_eq!(r[1]["value"].as_f64(), Some(20.0));
        assert_eq!(r[0]["round_values"], serde_json::json!([3.0, 1.0, 2.0]));
        assert_eq!((joined["rounds"].as_u64(), joined["total_wall_s"].as_f64()), (Some(3), Some(3.0)));
    }

    #[test]
    fn rounds_default_to_three_and_one_for_a_smoke_test() {
        let parse = |args: &[&str]| Options::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parse(&[]).unwrap().rounds, DEFAULT_ROUNDS);
        assert_eq!(parse(&["--quick"]).unwrap().rounds, 1);
        assert_eq!(parse(&["--rounds", "5"]).unwrap().rounds, 5);
        assert!(parse(&["--rounds", "0"]).is_err());
    }

    #[test]
    fn paired_takes_its_own_workloads_and_keeps_the_scripts_rounds() {
        let parse = |args: &[&str]| Options::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let p = parse(&["--paired", "--threads", "1", "--only", "W1,W3"]).unwrap();
        assert!(p.paired && p.rounds == 0, "the script's default rounds");
        assert_eq!(parse(&["--paired", "--rounds", "9"]).unwrap().rounds, 9);
        assert!(parse(&["--paired", "--only", "W4"]).err().is_some_and(|e| e.contains("not `W4`")));
        assert!(parse(&["--paired", "--device", "cuda"]).is_err());
    }

    #[test]
    fn report_stands_alone() {
        let parse = |args: &[&str]| Options::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(parse(&["--report"]).unwrap().report);
        assert!(!parse(&[]).unwrap().report);
        assert!(parse(&["--report", "--threads", "2"]).is_err());
        assert!(parse(&["--rounds", "3", "--report"]).is_err());
    }

    #[test]
    fn only_keeps_the_table_order_and_rejects_unknown_ids() {
        let options = |only: &str| Options::parse(&["--only".to_string(), only.to_string()]).unwrap();
        assert_eq!(options("W9, W1,C").workload_ids().unwrap(), ["W1", "W9", "C"]);
        assert!(options("W42").workload_ids().is_err());
    }
}
