//! Gradient checking: the analytic vector-Jacobian product from a backward pass against central
//! differences in f64, element by element (PyTorch's `torch.autograd.gradcheck`).
//!
//! For an output `y = f(x₁, …, xₙ)` and a fixed pseudo-random `v` of `y`'s shape, backward gives
//! `Jᵢᵀv` for every input; perturbing each element `j` of `xᵢ` by `±eps` gives
//! `(v·f(x + eps eⱼ) − v·f(x − eps eⱼ)) / 2eps`, which must agree within `atol + rtol·|numeric|`.

use crate::{Error, Result, engine};
use ferrite_tensor::{DType, Tensor, no_grad};

/// Step and tolerances of [`gradcheck`]; the default is PyTorch's (`eps = 1e-6`, `atol = 1e-5`,
/// `rtol = 1e-3`), meant for f64 inputs.
///
/// ```
/// use ferrite_autograd::gradcheck::Tolerance;
/// let loose = Tolerance { eps: 1e-3, ..Tolerance::default() };
/// assert_eq!((loose.atol, loose.rtol), (1e-5, 1e-3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Half-width of the central difference.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, scaled by the numeric value.
    pub rtol: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { eps: 1e-6, atol: 1e-5, rtol: 1e-3 }
    }
}

/// A small deterministic generator (SplitMix64), so checks and the op table's samples are
/// reproducible from one seed without a dependency.
///
/// ```
/// use ferrite_autograd::gradcheck::SplitMix;
/// let (mut a, mut b) = (SplitMix::new(7), SplitMix::new(7));
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!((0.0..1.0).contains(&a.next_f64()) && a.below(3) < 3);
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// Checks the gradients of `f` at `inputs` against central differences; inputs that do not
/// require grad are held fixed. Inputs must be f64 (or loosen `tol`) and must not be expanded
/// views, whose elements share storage and cannot be perturbed one at a time.
///
/// ```
/// use ferrite_autograd::gradcheck::{gradcheck, Tolerance};
/// use ferrite_tensor::{DType, Tensor};
/// let x = Tensor::from_vec(vec![0.5f64, -1.0, 2.0], [3])?.requires_grad_(true)?;
/// gradcheck(|xs| Ok(xs[0].sin()?.mul(&xs[0])?), &[x], Tolerance::default())?;
/// # Ok::<(), ferrite_autograd::Error>(())
/// ```
pub fn gradcheck<F>(f: F, inputs: &[Tensor], tol: Tolerance) -> Result<()>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let checked: Vec<usize> = (0..inputs.len()).filter(|&i| inputs[i].requires_grad()).collect();
    for &i in &checked {
        check_input(i, &inputs[i])?;
    }
    let out = f(inputs)?;
    let v = probe(&out, 0x5eed ^ out.numel() as u64)?;
    let wrt: Vec<&Tensor> = checked.iter().map(|&i| &inputs[i]).collect();
    let analytic = engine::grad(&[&out], &[Some(&v)], &wrt, false)?;
    let _guard = no_grad();
    for (&i, a) in checked.iter().zip(analytic) {
        let a = match a {
            Some(a) => a.to_vec::<f64>()?,
            None => vec![0.0; inputs[i].numel()],
        };
        for (j, &analytic) in a.iter().enumerate() {
            let numeric = central_difference(&f, inputs, i, j, &v, tol.eps)?;
            let ok = (analytic - numeric).abs() <= tol.atol + tol.rtol * numeric.abs();
            if !ok {
                return Err(Error::GradcheckMismatch { input: i, element: j, analytic, numeric });
            }
        }
    }
    Ok(())
}

fn check_input(index: usize, t: &Tensor) -> Result<()> {
    if !t.dtype().is_float() {
        return Err(Error::GradcheckInput { index, reason: "is not a float tensor" });
    }
    let overlapping = t.dims().iter().zip(t.layout().strides()).any(|(&d, &s)| d > 1 && s == 0);
    if overlapping {
        return Err(Error::GradcheckInput {
            index,
            reason: "is an expanded view: its elements share storage and cannot be perturbed one by one",
        });
    }
    Ok(())
}

/// The fixed direction `v`: pseudo-random in `[-1, 1]`, so no two output elements are weighted
/// alike and a gradient sent to the wrong element shows.
fn probe(out: &Tensor, seed: u64) -> Result<Tensor> {
    let mut rng = SplitMix::new(seed);
    let v: Vec<f64> = (0..out.numel()).map(|_| rng.uniform(-1.0, 1.0)).collect();
    Ok(Tensor::from_vec(v, out.shape().clone())?.to_dtype(out.dtype())?)
}

/// `(v·f(x + eps e) − v·f(x − eps e)) / 2eps` for element `j` of input `i`, restoring it after.
fn central_difference<F>(f: &F, inputs: &[Tensor], i: usize, j: usize, v: &Tensor, eps: f64) -> Result<f64>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let cell = element_view(&inputs[i], j)?;
    let x0: f64 = cell.item()?;
    let at = |x: f64| -> Result<f64> {
        cell.fill_(x)?;
        let y = f(inputs)?;
        Ok(y.to_dtype(DType::F64)?.mul(&v.to_dtype(DType::F64)?)?.sum_all()?.item::<f64>()?)
    };
    let plus = at(x0 + eps);
    let minus = at(x0 - eps);
    cell.fill_(x0)?;
    Ok((plus? - minus?) / (2.0 * eps))
}

/// A 0-d view of row-major element `j` of `t`, detached so writes through it are not recorded.
fn element_view(t: &Tensor, j: usize) -> Result<Tensor> {
    let mut cell = t.detach();
    let mut rest = j;
    let strides = t.shape().contiguous_strides();
    for &s in &strides {
        cell = cell.select(0, (rest / s) as isize)?;
        rest %= s;
    }
    Ok(cell)
}
