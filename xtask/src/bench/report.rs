//! The benchmark records (the layout torch_bench.py writes) and the side-by-side table built from them.

use crate::Result;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// One benchmark output file: top-level metadata plus `results`, as torch_bench.py writes it.
pub struct BenchFile {
    pub path: PathBuf,
    doc: Value,
    records: Vec<Record>,
}

/// The fields of a record that the table uses.
struct Record {
    workload: String,
    case: String,
    metric: String,
    value: f64,
    unit: String,
    /// Every round's value, in run order (`round_values`, which `median_round` adds); empty for a
    /// file of one round.
    rounds: Vec<f64>,
}

impl BenchFile {
    pub fn load(path: &Path) -> Result<BenchFile> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let results = doc["results"].as_array().ok_or(format!("{} has no `results` list", path.display()))?;
        let records = results
            .iter()
            .map(|r| {
                let field = |k: &str| r[k].as_str().map(str::to_string);
                Some(Record {
                    workload: field("workload")?,
                    case: field("case")?,
                    metric: field("metric")?,
                    value: r["value"].as_f64()?,
                    unit: field("unit")?,
                    rounds: r["round_values"]
                        .as_array()
                        .map_or(Vec::new(), |v| v.iter().filter_map(Value::as_f64).collect()),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(format!("{}: a record lacks workload/case/metric/value/unit", path.display()))?;
        Ok(BenchFile { path: path.to_path_buf(), doc, records })
    }

    /// A top-level string field, or "?".
    pub fn meta(&self, pointer: &str) -> String {
        match self.doc.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "?".to_string(),
            Some(other) => other.to_string(),
        }
    }
}

/// Both benchmarks' results at one thread count.
pub struct Run {
    pub threads: usize,
    pub ferrite: BenchFile,
    /// The PyTorch files (torch_bench.py's, then torch_extra.py's), one column; empty without PyTorch.
    pub torch: Vec<BenchFile>,
}

/// One line of the table: a (workload, case, metric) at a thread count.
pub struct Row {
    workload: String,
    case: String,
    threads: usize,
    ferrite: Option<f64>,
    torch: Option<f64>,
    unit: String,
    /// Above 1 when ferrite is faster.
    ratio: Option<f64>,
    /// The lowest and highest ratio of one round's ferrite value to the same round's PyTorch value
    /// (measured back to back), when both sides ran more than one round.
    round_ratios: Option<(f64, f64)>,
    remark: String,
}

impl Row {
    pub fn workload(&self) -> &str {
        &self.workload
    }

    pub fn case(&self) -> &str {
        &self.case
    }

    /// ferrite's value, when it has one.
    pub fn ferrite(&self) -> Option<f64> {
        self.ferrite
    }
}

/// Whether a larger value of `unit` is better: `Some(true)` for rates, `Some(false)` for times,
/// `None` for units that measure no speed (a final loss).
fn higher_is_better(unit: &str) -> Option<bool> {
    match unit {
        "s" | "ms" | "us" | "us/op" | "ns/op" => Some(false),
        u if u.ends_with("/s") => Some(true),
        _ => None,
    }
}

/// The table rows, per thread count in the reference's order; records only one side has get a dash.
pub fn rows(runs: &[Run]) -> Vec<Row> {
    let mut rows = Vec::new();
    for run in runs {
        let mut keys: Vec<&Record> = Vec::new();
        let sides = run.torch.iter().chain(std::iter::once(&run.ferrite));
        for record in sides.flat_map(|f| &f.records) {
            if !keys.iter().any(|k| same_key(k, record)) {
                keys.push(record);
            }
        }
        // Workload numbers order the rows (W1 .. W10), the hardware ceilings (C_) last; the sort is
        // stable, so a workload's cases keep the order their script wrote them in.
        keys.sort_by_key(|k| order(&k.workload));
        let find = |files: &[BenchFile], key: &Record| -> Option<Side> {
            let r = files.iter().flat_map(|f| &f.records).find(|r| same_key(r, key))?;
            Some(Side { value: r.value, unit: r.unit.clone(), rounds: r.rounds.clone() })
        };
        for key in keys {
            let ferrite = find(std::slice::from_ref(&run.ferrite), key);
            let torch = find(&run.torch, key);
            rows.push(row(key, run.threads, ferrite, torch));
        }
    }
    rows
}

/// The sort key of a workload name: `W10_x` after `W9_x` (by number, not text), ceilings last.
fn order(workload: &str) -> (bool, u32, &str) {
    let number = workload.strip_prefix('W').and_then(|rest| {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        rest[..digits].parse().ok()
    });
    (workload.starts_with("C_"), number.unwrap_or(u32::MAX), workload)
}

fn same_key(a: &Record, b: &Record) -> bool {
    a.workload == b.workload && a.case == b.case && a.metric == b.metric
}

/// One side's figure for a row: the kept value, its unit and every round's value.
struct Side {
    value: f64,
    unit: String,
    rounds: Vec<f64>,
}

/// `ferrite` against `torch` with 1 meaning a tie and above 1 ferrite faster; `None` for a unit
/// that measures no speed.
fn speed_ratio(ferrite: f64, torch: f64, unit: &str) -> Option<f64> {
    match higher_is_better(unit)? {
        true => Some(ferrite / torch),
        false => Some(torch / ferrite),
    }
}

/// The lowest and highest of the per-round ratios, pairing round i of one side with round i of the
/// other (they ran back to back); `None` unless both sides have the same number (> 1) of rounds.
fn round_ratio_range(ferrite: &Side, torch: &Side) -> Option<(f64, f64)> {
    if ferrite.rounds.len() < 2 || ferrite.rounds.len() != torch.rounds.len() {
        return None;
    }
    let ratios: Vec<f64> = ferrite
        .rounds
        .iter()
        .zip(&torch.rounds)
        .map(|(&f, &t)| speed_ratio(f, t, &ferrite.unit))
        .collect::<Option<_>>()?;
    Some(ratios.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r))))
}

fn row(key: &Record, threads: usize, ferrite: Option<Side>, torch: Option<Side>) -> Row {
    let mut remark = String::new();
    let mut round_ratios = None;
    let ratio = match (&ferrite, &torch) {
        (Some(f), Some(t)) if f.unit == t.unit => {
            round_ratios = round_ratio_range(f, t);
            speed_ratio(f.value, t.value, &f.unit)
        }
        (Some(f), Some(t)) => {
            remark = format!("unit mismatch: ferrite {}, torch {}", f.unit, t.unit);
            None
        }
        (None, Some(_)) if key.workload.starts_with("C_") => {
            remark = "hardware ceiling, measured by the reference only".to_string();
            None
        }
        (None, Some(_)) => {
            remark = "not in ferrite yet".to_string();
            None
        }
        _ => None,
    };
    Row {
        workload: key.workload.clone(),
        case: key.case.clone(),
        threads,
        ferrite: ferrite.map(|f| f.value),
        torch: torch.map(|t| t.value),
        unit: key.unit.clone(),
        ratio,
        round_ratios,
        remark,
    }
}

const HEADER: [&str; 9] =
    ["workload", "case", "threads", "ferrite", "torch", "unit", "ratio", "ratio by round", "remark"];

fn cells(row: &Row) -> [String; 9] {
    [
        row.workload.clone(),
        row.case.clone(),
        row.threads.to_string(),
        row.ferrite.map_or("-".to_string(), value),
        row.torch.map_or("-".to_string(), value),
        row.unit.clone(),
        row.ratio.map_or("-".to_string(), |r| format!("{r:.2}x")),
        row.round_ratios.map_or("-".to_string(), |(lo, hi)| format!("{lo:.2}-{hi:.2}x")),
        row.remark.clone(),
    ]
}

/// Four significant digits below 1000, one decimal above (as torch_bench.py prints); tiny values in
/// scientific notation.
fn value(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.1}")
    } else if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    }
}

/// The table as aligned plain text for the terminal; numbers are right-aligned.
pub fn text_table(rows: &[Row]) -> String {
    let table: Vec<[String; 9]> = rows.iter().map(cells).collect();
    let mut widths = HEADER.map(str::len);
    for cells in &table {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(str::to_string);
    for cells in std::iter::once(&header).chain(&table) {
        let mut line = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let numeric = matches!(i, 2 | 3 | 4 | 6 | 7);
            if numeric { write!(line, "{c:>w$}  ") } else { write!(line, "{c:<w$}  ") }
                .expect("String write");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("ratio > 1: ferrite is faster (ferrite/torch for rates, torch/ferrite for times)\n");
    out.push_str("ratio by round: the lowest and highest ratio of one round's two sides, run back to back\n");
    out
}

/// `text` cut where a line starts with `heading`: (what comes before, the rest from that line on).
pub fn split_at_heading<'a>(text: &'a str, heading: &str) -> (&'a str, &'a str) {
    let at =
        if text.starts_with(heading) { Some(0) } else { text.find(&format!("\n{heading}")).map(|i| i + 1) };
    match at {
        Some(i) => text.split_at(i),
        None => (text, ""),
    }
}

/// docs/performance.md: where and how the figures were taken, then the table.
/// `records` names where the JSON files are.
pub fn markdown(command: &str, quick: bool, records: &str, runs: &[Run], rows: &[Row]) -> String {
    let mut md = String::new();
    let threads: Vec<String> = runs.iter().map(|r| r.threads.to_string()).collect();
    let first = runs.first();
    let ferrite = first.map(|r| &r.ferrite);
    let torch = first.and_then(|r| r.torch.first());
    let w = &mut md;
    let _ = writeln!(w, "# Performance\n");
    let _ = writeln!(w, "Written by `{command}`; do not edit by hand, rerun it.\n");
    if quick {
        let _ = writeln!(w, "**Smoke test (`--quick`): tiny sizes, not representative.**\n");
    }
    let _ = writeln!(w, "- Date: {} (UTC)", today());
    let _ = writeln!(w, "- CPU: {} ({} logical CPUs)", cpu_model(), logical_cpus());
    let _ = writeln!(w, "- Threads: {}", threads.join(", "));
    if let Some(f) = ferrite {
        let _ = writeln!(w, "- ferrite {}: {}", f.meta("/versions/ferrite"), f.meta("/backend"));
    }
    match torch {
        Some(t) => {
            let _ = writeln!(w, "- PyTorch {}: {}", t.meta("/versions/torch"), t.meta("/backend"));
        }
        None => {
            let _ = writeln!(w, "- **No comparison with PyTorch was made: TORCH_VENV was not set.**");
        }
    }
    let rounds = ferrite.map_or("1".to_string(), |f| f.meta("/rounds"));
    let _ = writeln!(
        w,
        "- Method: the median of timed reps after warm-up, with the sizes, reps and warm-ups of the reference's \
         `torch_bench.py`, run workload by workload on this machine, ferrite then PyTorch, so both sides of a row are \
         measured minutes apart at most; each workload but W9 and W10 in {rounds} such rounds, each side's median \
         round kept (every round's value is in the records' `round_values`), so a host whose speed drifts moves a \
         ratio less. Ratio > 1 means ferrite is faster \
         (ferrite/torch for rates, torch/ferrite for times). \"Ratio by round\" is the lowest and highest ratio \
         of one round's ferrite value to the same round's PyTorch value, measured back to back: how far the host's \
         drift moved a single comparison. Raw records: `{records}`."
    );
    if let Some(run) = first.filter(|_| rows.iter().any(|r| is_extra(&r.workload))) {
        let torch_workers = run
            .torch
            .iter()
            .find(|t| t.doc.get("dataloader_workers").is_some())
            .map(|t| t.meta("/dataloader_workers"));
        let _ = writeln!(
            w,
            "- W9, W10: ferrite's own workloads; their PyTorch side is `crates/ferrite-bench/torch_extra.py` (same \
             record layout and timing loop as `torch_bench.py`), on Fashion-MNIST's training split. DataLoader \
             workers (d2l's `get_dataloader_workers()`, 4, capped at the CPUs): ferrite {} threads, PyTorch {} \
             processes.",
            run.ferrite.meta("/dataloader_workers"),
            torch_workers.as_deref().unwrap_or("-"),
        );
    }
    let _ = writeln!(w);
    md.push_str(&markdown_table(rows));
    md
}

/// The rows as a Markdown table.
pub fn markdown_table(rows: &[Row]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "| {} |", HEADER.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(HEADER.len()));
    for row in rows {
        let _ = writeln!(md, "| {} |", cells(row).join(" | "));
    }
    md
}

/// Whether a workload is one of ours, measured on the PyTorch side by torch_extra.py.
fn is_extra(workload: &str) -> bool {
    workload.starts_with("W9_") || workload.starts_with("W10_")
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string())
}

fn logical_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Today's UTC date as YYYY-MM-DD (civil-from-days, so xtask needs no date crate).
pub fn today() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_above_one_when_ferrite_is_faster() {
        let key = |unit: &str| Record {
            workload: "W".into(),
            case: "c".into(),
            metric: "m".into(),
            value: 0.0,
            unit: unit.into(),
            rounds: Vec::new(),
        };
        let side = |value: f64, unit: &str| Some(Side { value, unit: unit.into(), rounds: Vec::new() });
        let rate = row(&key("GB/s"), 1, side(20.0, "GB/s"), side(10.0, "GB/s"));
        assert_eq!(rate.ratio, Some(2.0));
        let time = row(&key("us/op"), 1, side(5.0, "us/op"), side(10.0, "us/op"));
        assert_eq!(time.ratio, Some(2.0));
        let loss = row(&key("mse"), 1, side(5.0, "mse"), side(10.0, "mse"));
        assert_eq!(loss.ratio, None);
    }

    #[test]
    fn round_ratios_pair_rounds_in_run_order() {
        let side = |unit: &str, rounds: &[f64]| Side {
            value: rounds[0],
            unit: unit.into(),
            rounds: rounds.to_vec(),
        };
        // Rates: round 0 is 1.0x, round 1 is 2.0x, round 2 is 0.5x; sorting either side first
        // would pair other rounds and give another range.
        let f = side("GB/s", &[10.0, 30.0, 10.0]);
        let t = side("GB/s", &[10.0, 15.0, 20.0]);
        assert_eq!(round_ratio_range(&f, &t), Some((0.5, 2.0)));
        // Times: torch/ferrite.
        let f = side("s", &[2.0, 1.0]);
        let t = side("s", &[1.0, 4.0]);
        assert_eq!(round_ratio_range(&f, &t), Some((0.5, 4.0)));
        // Unequal round counts, one round, or no speed: no range.
        assert_eq!(round_ratio_range(&side("s", &[1.0, 2.0]), &side("s", &[1.0, 2.0, 3.0])), None);
        assert_eq!(round_ratio_range(&side("s", &[1.0]), &side("s", &[1.0])), None);
        assert_eq!(round_ratio_range(&side("mse", &[1.0, 2.0]), &side("mse", &[1.0, 2.0])), None);
    }

    #[test]
    fn workloads_sort_by_number_with_ceilings_last() {
        let mut names =
            ["C_ceiling", "W10_dataloader_throughput", "W2_mlp_train_step", "W9_mlp", "W1_matmul"];
        names.sort_by_key(|n| order(n));
        assert_eq!(
            names,
            ["W1_matmul", "W2_mlp_train_step", "W9_mlp", "W10_dataloader_throughput", "C_ceiling"]
        );
    }

    #[test]
    fn values_keep_four_significant_digits() {
        assert_eq!(value(12345.67), "12345.7");
        assert_eq!(value(316.04), "316.0");
        assert_eq!(value(9.4123), "9.412");
        assert_eq!(value(0.012341), "0.01234");
        assert_eq!(value(9.3871e-5), "9.387e-5");
    }
}
