//! The workload table: one entry per workload id of torch_bench.py, in its order, then our own
//! workloads (W9, W10) whose PyTorch side is `torch_extra.py` beside this crate's manifest.
//!
//! To add a workload: write `fn(quick: bool) -> Result<Vec<Record>>` in a file of this folder, with
//! the PyTorch script's case names, metrics, units, sizes, reps and warm-ups (its `--quick` sizes
//! too), and point the entry's `run` at it. A workload whose input data is missing says so on
//! stderr and returns no record; it is then listed as skipped.
//!
//! `--device cuda` runs [`GPU_WORKLOADS`] instead, whose PyTorch side is `torch_gpu.py`.

mod autograd;
mod elementwise;
mod fashion;
mod gpu;
mod linreg;
pub mod matmul;
pub mod mlp;
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

/// The CPU workloads, in the reference's order, then ours.
pub const WORKLOADS: &[Workload] = &[
    Workload { id: "W1", name: "W1_matmul", run: Some(matmul::w1_matmul) },
    Workload { id: "W2", name: "W2_mlp_train_step", run: Some(mlp::w2_mlp_train_step) },
    Workload { id: "W3", name: "W3_mlp_infer", run: Some(mlp::w3_mlp_infer) },
    Workload { id: "W4", name: "W4_elementwise", run: Some(elementwise::w4_elementwise) },
    Workload { id: "W5", name: "W5_reduce", run: Some(reduce::w5_reduce) },
    Workload { id: "W6", name: "W6_autograd_overhead", run: Some(autograd::w6_autograd_overhead) },
    Workload { id: "W7", name: "W7_save_load", run: Some(save_load::w7_save_load) },
    Workload { id: "W8", name: "W8_d2l_linear_regression", run: Some(linreg::w8_d2l_linear_regression) },
    // Ours, not the reference's: the PyTorch side is torch_extra.py. They need Fashion-MNIST.
    Workload { id: "W9", name: "W9_mlp_fashion_mnist_epoch", run: Some(fashion::w9_mlp_fashion_mnist_epoch) },
    Workload { id: "W10", name: "W10_dataloader_throughput", run: Some(fashion::w10_dataloader_throughput) },
    // Hardware ceilings are measured by the reference only; they frame both columns.
    Workload { id: "C", name: "C_ceiling", run: None },
];

/// The workloads of `--device cuda`, on GPU 0 (PyTorch side: `torch_gpu.py`).
pub const GPU_WORKLOADS: &[Workload] = &[
    Workload { id: "G1", name: "G1_matmul", run: Some(gpu::g1_matmul) },
    Workload { id: "G2", name: "G2_elementwise", run: Some(gpu::g2_elementwise) },
    Workload { id: "G3", name: "G3_mlp_train_step", run: Some(gpu::g3_mlp_train_step) },
    Workload { id: "G4", name: "G4_host_to_device", run: Some(gpu::g4_host_to_device) },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_runs_quick_and_names_its_records() -> Result<()> {
        for w in WORKLOADS {
            let Some(run) = w.run else { continue };
            let records = run(true)?;
            if records.is_empty() {
                // Only the Fashion-MNIST workloads may skip, and only without the files.
                use ferrite::data::vision::FashionMnist;
                let missing = FashionMnist::new(FashionMnist::default_dir(), true).is_err();
                assert!(matches!(w.id, "W9" | "W10") && missing, "{} wrote no records", w.name);
            }
            for r in records {
                assert_eq!(r.workload, w.name);
                assert!(r.value.is_finite() && r.value > 0.0, "{} {}: value {}", w.name, r.case, r.value);
            }
        }
        Ok(())
    }

    #[test]
    fn gpu_workloads_run_quick_where_there_is_a_gpu() -> Result<()> {
        if ferrite::cuda::device_count() == 0 {
            eprintln!("gpu_workloads_run_quick_where_there_is_a_gpu: skipped, no GPU (or no `cuda` feature)");
            return Ok(());
        }
        for w in GPU_WORKLOADS {
            let run = w.run.expect("every GPU workload runs");
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
