//! The op table, as PyTorch's OpInfo: one [`OpInfo`] per public `Tensor` op that autograd can
//! reach, with its PyTorch name, arity, input domain and a closure that calls it with fixed extra
//! arguments. Gradcheck tests (and later golden and device tests) iterate over it, so a new op
//! needs a row here, not a hand-written test.
//!
//! ```
//! use ferrite_autograd::optable::op_table;
//! let table = op_table();
//! let exp = table.iter().find(|op| op.name == "exp").unwrap();
//! assert_eq!((exp.torch, exp.arity, exp.differentiable), ("torch.exp", 1, true));
//! ```

mod entries;
mod shapes;

pub use entries::op_table;

use crate::Result;
use crate::gradcheck::{SplitMix, Tolerance};
use ferrite_tensor::{DType, Tensor};

/// Where an input's values are drawn, so that the op is smooth around them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Uniform in `[-2, 2)`.
    Real,
    /// Uniform in `[0.5, 2.5)` (log, sqrt, the base of a tensor power).
    Positive,
    /// Magnitude in `[0.5, 2)` with either sign (divisors, reciprocal).
    NonZero,
    /// Like `Real`, but at least 0.1 from each listed kink (abs and relu at 0, clamp's bounds).
    Away(&'static [f64]),
    /// Every element of every input differs from the others in value and in magnitude by at least
    /// 0.05, and is at least 0.3 from 0, so max/min have no ties and maximum/minimum no kinks.
    Distinct,
}

/// Derives the input shapes from a random base shape (rank 0 to 3) and a generator.
pub type ShapeFn = fn(&[usize], &mut SplitMix) -> Vec<Vec<usize>>;

/// Calls the op on its inputs, with any non-tensor arguments fixed.
pub type OpFn = fn(&[Tensor]) -> Result<Tensor>;

/// One op of the table.
#[derive(Clone, Debug)]
pub struct OpInfo {
    /// A unique name for the row (`pow_scalar`, `sum_keepdim`).
    pub name: &'static str,
    /// The `Tensor` method the row exercises (`pow`, `sum`); the tidy test matches these against
    /// the core's public methods.
    pub method: &'static str,
    /// PyTorch's name (`torch.pow`, `Tensor.add_`).
    pub torch: &'static str,
    /// Number of tensor inputs.
    pub arity: usize,
    /// Per input (the last repeats): where its values come from.
    pub domains: &'static [Domain],
    /// Float dtypes the op supports with autograd.
    pub dtypes: &'static [DType],
    /// False for ops whose output never requires grad (comparisons, argmax, detach).
    pub differentiable: bool,
    /// The input shapes for a base shape.
    pub shapes: ShapeFn,
    /// The op.
    pub call: OpFn,
    /// Gradcheck's step and tolerances (looser for rows that round through f32).
    pub tolerance: Tolerance,
}

/// Both float dtypes.
pub const FLOATS: &[DType] = &[DType::F32, DType::F64];

impl OpInfo {
    /// A differentiable row with real inputs, both float dtypes and PyTorch's tolerances.
    pub fn new(
        name: &'static str,
        method: &'static str,
        torch: &'static str,
        arity: usize,
        shapes: ShapeFn,
        call: OpFn,
    ) -> Self {
        OpInfo {
            name,
            method,
            torch,
            arity,
            domains: &[Domain::Real],
            dtypes: FLOATS,
            differentiable: true,
            shapes,
            call,
            tolerance: Tolerance::default(),
        }
    }

    /// Sets the input domains.
    pub fn domains(mut self, domains: &'static [Domain]) -> Self {
        self.domains = domains;
        self
    }

    /// Marks the op as not differentiable.
    pub fn nondiff(mut self) -> Self {
        self.differentiable = false;
        self
    }

    /// Loosens the tolerances for ops that round through f32.
    pub fn loose(mut self) -> Self {
        self.tolerance = Tolerance { eps: 1e-3, atol: 1e-3, rtol: 1e-2 };
        self
    }

    /// The domain of input `i`.
    pub fn domain(&self, i: usize) -> Domain {
        self.domains.get(i).or(self.domains.last()).copied().unwrap_or(Domain::Real)
    }

    /// Sample f64 inputs for a base shape, as leaves that require grad. With `transposed`, every
    /// input of rank 2 or more is a non-contiguous leaf (a transposed view of its storage), so the
    /// rules meet strided tensors.
    ///
    /// ```
    /// use ferrite_autograd::optable::op_table;
    /// let table = op_table();
    /// let log = table.iter().find(|op| op.name == "log").unwrap();
    /// let x = &log.sample(&[2, 3], 0, true)?[0];
    /// assert!(x.is_leaf() && x.requires_grad() && !x.is_contiguous());
    /// assert!(x.to_vec::<f64>()?.iter().all(|&v| v > 0.0)); // log's domain is positive
    /// # Ok::<(), ferrite_autograd::Error>(())
    /// ```
    pub fn sample(&self, base: &[usize], seed: u64, transposed: bool) -> Result<Vec<Tensor>> {
        let mut rng = SplitMix::new(seed);
        let shapes = (self.shapes)(base, &mut rng);
        let total: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
        let mut pool = distinct_pool(total, &mut rng);
        shapes
            .iter()
            .enumerate()
            .map(|(i, shape)| {
                let n = shape.iter().product();
                let values: Vec<f64> = match self.domain(i) {
                    Domain::Distinct => pool.drain(..n).collect(),
                    d => (0..n).map(|_| draw(d, &mut rng)).collect(),
                };
                leaf(values, shape, transposed)
            })
            .collect()
    }
}

/// One value from a domain (not `Distinct`, which draws from a shared pool).
fn draw(domain: Domain, rng: &mut SplitMix) -> f64 {
    match domain {
        Domain::Real | Domain::Distinct => rng.uniform(-2.0, 2.0),
        Domain::Positive => rng.uniform(0.5, 2.5),
        Domain::NonZero => {
            let m = rng.uniform(0.5, 2.0);
            if rng.below(2) == 0 { m } else { -m }
        }
        Domain::Away(kinks) => {
            // Rejection sampling; the kinks cover little of [-2, 2), so a few tries suffice.
            let mut x = rng.uniform(-2.0, 2.0);
            for _ in 0..1000 {
                if kinks.iter().all(|k| (x - k).abs() >= 0.1) {
                    break;
                }
                x = rng.uniform(-2.0, 2.0);
            }
            x
        }
    }
}

/// `n` values with pairwise different magnitudes (0.3, 0.35, ... in shuffled order), each with a
/// random sign.
fn distinct_pool(n: usize, rng: &mut SplitMix) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n).map(|k| 0.3 + 0.05 * k as f64).collect();
    for i in (1..n).rev() {
        v.swap(i, rng.below(i + 1));
    }
    v.iter().map(|&m| if rng.below(2) == 0 { m } else { -m }).collect()
}

/// An f64 leaf that requires grad; with `transposed` and rank >= 2, its last two dims are stored
/// swapped, so the leaf is a non-contiguous view.
fn leaf(values: Vec<f64>, shape: &[usize], transposed: bool) -> Result<Tensor> {
    let r = shape.len();
    let t = if transposed && r >= 2 {
        let mut stored = shape.to_vec();
        stored.swap(r - 2, r - 1);
        Tensor::from_vec(values, stored)?.transpose(-1, -2)?.detach()
    } else {
        Tensor::from_vec(values, shape.to_vec())?
    };
    Ok(t.requires_grad_(true)?)
}
