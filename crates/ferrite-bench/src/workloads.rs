//! The workload table: one entry per workload id of torch_bench.py, in its order.
//!
//! To add a workload (W2, W3, W6, W7, W8 land with later issues): write `fn(quick: bool) ->
//! Result<Vec<Record>>` in a file of this folder, with the reference's case names, metrics, units,
//! sizes, reps and warm-ups (its `--quick` sizes too), and point the entry's `run` at it.

mod autograd;
mod elementwise;
mod matmul;
mod mlp;
mod reduce;
mod save_load;

use crate::record::Record;
use ferrite::Result;

/// Runs a workload at full or `--quick` sizes.
pub type RunFn = fn(quick: bool) -> Result<Vec<Record>>;

/// One workload of the reference.
pub struct Workload {
    /// The id `--only` takes (`W1`, ..., `C`).
    pub id: &'static str,
    /// The `workload` field of its records.
    pub name: &'static str,
    /// `None` while ferrite lacks what it needs.
    pub run: Option<RunFn>,
}

pub const WORKLOADS: &[Workload] = &[
    Workload { id: "W1", name: "W1_matmul", run: Some(matmul::w1_matmul) },
    Workload { id: "W2", name: "W2_mlp_train_step", run: Some(mlp::w2_mlp_train_step) },
    Workload { id: "W3", name: "W3_mlp_infer", run: Some(mlp::w3_mlp_infer) },
    Workload { id: "W4", name: "W4_elementwise", run: Some(elementwise::w4_elementwise) },
    Workload { id: "W5", name: "W5_reduce", run: Some(reduce::w5_reduce) },
    Workload { id: "W6", name: "W6_autograd_overhead", run: Some(autograd::w6_autograd_overhead) },
    Workload { id: "W7", name: "W7_save_load", run: Some(save_load::w7_save_load) },
    // Needs a DataLoader, nn.Linear, MSELoss and SGD.
    Workload { id: "W8", name: "W8_d2l_linear_regression", run: None },
    // Hardware ceilings are measured by the reference only; they frame both columns.
    Workload { id: "C", name: "C_ceiling", run: None },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_runs_quick_and_names_its_records() -> Result<()> {
        for w in WORKLOADS {
            let Some(run) = w.run else { continue };
            let records = run(true)?;
            assert!(!records.is_empty(), "{} wrote no records", w.name);
            for r in records {
                assert_eq!(r.workload, w.name);
                assert!(r.value.is_finite() && r.value > 0.0, "{} {}: value {}", w.name, r.case, r.value);
            }
        }
        Ok(())
    }
}
