//! Parameter initialisation, as PyTorch's `torch.nn.init`: every function fills a tensor in place
//! (under no-grad, so a parameter's history is untouched), drawing from the seeded global
//! generator. d2l's `nn.init.normal_(m.weight, mean=0, std=0.01)` is
//! `init::normal_(&lin.weight()?, 0.0, 0.01)?`.
//!
//! ```
//! use ferrite_init as init;
//! use ferrite_tensor::Tensor;
//! let w = Tensor::zeros([256, 784]);
//! init::xavier_uniform_(&w, 1.0)?;
//! let bound = (6.0f32 / (256.0 + 784.0)).sqrt();
//! assert!(w.abs()?.max_all()?.item::<f32>()? <= bound);
//! # Ok::<(), ferrite_tensor::Error>(())
//! ```

use ferrite_tensor::{Error, Result, Tensor, no_grad};

/// The nonlinearity a gain is computed for (PyTorch's `calculate_gain`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Nonlinearity {
    /// Linear, conv and sigmoid layers: gain 1.
    Linear,
    /// Sigmoid: gain 1.
    Sigmoid,
    /// Tanh: gain 5/3.
    Tanh,
    /// ReLU: gain sqrt(2).
    Relu,
    /// Leaky ReLU with this negative slope: gain sqrt(2 / (1 + slope^2)).
    LeakyRelu(f64),
    /// SELU: gain 3/4.
    Selu,
}

/// The recommended gain for a nonlinearity (PyTorch's `nn.init.calculate_gain`).
pub fn calculate_gain(nonlinearity: Nonlinearity) -> f64 {
    match nonlinearity {
        Nonlinearity::Linear | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => 2f64.sqrt(),
        Nonlinearity::LeakyRelu(slope) => (2.0 / (1.0 + slope * slope)).sqrt(),
        Nonlinearity::Selu => 0.75,
    }
}

/// Whether fan-in or fan-out scales a Kaiming init.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// Preserve the forward pass's variance (default).
    FanIn,
    /// Preserve the backward pass's variance.
    FanOut,
}

/// `(fan_in, fan_out)` of a weight `[out, in, *kernel]`, as PyTorch computes them.
pub fn fan_in_and_fan_out(t: &Tensor) -> Result<(usize, usize)> {
    if t.dim() < 2 {
        return Err(Error::InvalidArgument {
            op: "fan_in_and_fan_out",
            reason: format!("fan in and fan out can not be computed for a tensor of shape {}", t.shape()),
        });
    }
    let receptive: usize = t.dims()[2..].iter().product();
    Ok((t.dims()[1] * receptive, t.dims()[0] * receptive))
}

/// Fills with `value`.
pub fn constant_(t: &Tensor, value: f64) -> Result<()> {
    let _g = no_grad();
    t.fill_(value)
}

/// Fills with zeros.
pub fn zeros_(t: &Tensor) -> Result<()> {
    constant_(t, 0.0)
}

/// Fills with ones.
pub fn ones_(t: &Tensor) -> Result<()> {
    constant_(t, 1.0)
}

/// Draws from U(`low`, `high`).
pub fn uniform_(t: &Tensor, low: f64, high: f64) -> Result<()> {
    let _g = no_grad();
    t.uniform_(low, high)
}

/// Draws from N(`mean`, `std`^2).
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    let _g = no_grad();
    t.normal_(mean, std)
}

/// Xavier/Glorot uniform: U(-a, a) with `a = gain * sqrt(6 / (fan_in + fan_out))`.
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<()> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    let a = gain * (6.0 / (fi + fo) as f64).sqrt();
    uniform_(t, -a, a)
}

/// Xavier/Glorot normal: N(0, std^2) with `std = gain * sqrt(2 / (fan_in + fan_out))`.
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<()> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    normal_(t, 0.0, gain * (2.0 / (fi + fo) as f64).sqrt())
}

fn kaiming_std(t: &Tensor, a: f64, mode: FanMode, nonlinearity: Nonlinearity) -> Result<f64> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    let fan = match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
    };
    let gain = match nonlinearity {
        Nonlinearity::LeakyRelu(_) => calculate_gain(Nonlinearity::LeakyRelu(a)),
        other => calculate_gain(other),
    };
    Ok(gain / (fan as f64).sqrt())
}

/// Kaiming/He uniform: U(-b, b) with `b = gain * sqrt(3 / fan)`; `a` is the leaky-ReLU slope used
/// when `nonlinearity` is `LeakyRelu` (PyTorch's default layer init is `a = sqrt(5)`).
pub fn kaiming_uniform_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: Nonlinearity) -> Result<()> {
    let b = 3f64.sqrt() * kaiming_std(t, a, mode, nonlinearity)?;
    uniform_(t, -b, b)
}

/// Kaiming/He normal: N(0, std^2) with `std = gain / sqrt(fan)`.
pub fn kaiming_normal_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: Nonlinearity) -> Result<()> {
    let std = kaiming_std(t, a, mode, nonlinearity)?;
    normal_(t, 0.0, std)
}

/// A normal N(`mean`, `std`^2) truncated to `[a, b]`, by rejection (exact for any bounds that keep
/// a reasonable share of the mass).
pub fn trunc_normal_(t: &Tensor, mean: f64, std: f64, a: f64, b: f64) -> Result<()> {
    if a >= b || std <= 0.0 {
        return Err(Error::InvalidArgument {
            op: "trunc_normal_",
            reason: format!("need a < b and std > 0, got a = {a}, b = {b}, std = {std}"),
        });
    }
    let n = t.numel();
    let mut kept: Vec<f64> = Vec::with_capacity(n);
    let mut rounds = 0;
    while kept.len() < n {
        rounds += 1;
        if rounds > 1000 {
            return Err(Error::InvalidArgument {
                op: "trunc_normal_",
                reason: format!("[{a}, {b}] holds too little of N({mean}, {std}^2) to sample by rejection"),
            });
        }
        let draw = Tensor::normal(mean, std, [(n - kept.len()) * 2 + 16])?.to_vec::<f64>()?;
        kept.extend(draw.into_iter().filter(|v| (a..=b).contains(v)).take(n - kept.len()));
    }
    copy_values(t, kept)
}

/// A (semi-)orthogonal matrix from the QR decomposition of a normal draw, times `gain`
/// (PyTorch's `orthogonal_`); dims after the first are flattened.
pub fn orthogonal_(t: &Tensor, gain: f64) -> Result<()> {
    if t.dim() < 2 {
        return Err(Error::InvalidArgument {
            op: "orthogonal_",
            reason: format!("only tensors with 2 or more dimensions are supported, got shape {}", t.shape()),
        });
    }
    let rows = t.dims()[0];
    let cols = t.numel() / rows.max(1);
    // Work on a tall matrix (m >= n): its orthonormal columns; transpose back if t is wide.
    let (m, n) = if rows < cols { (cols, rows) } else { (rows, cols) };
    let a = Tensor::randn_dtype([m, n], ferrite_tensor::DType::F64)?.to_vec::<f64>()?;
    let q = gram_schmidt(a, m, n);
    let out: Vec<f64> = if rows < cols {
        (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j))).map(|(i, j)| q[j * n + i] * gain).collect()
    } else {
        q.into_iter().map(|v| v * gain).collect()
    };
    copy_values(t, out)
}

/// Orthonormal columns of a row-major `m x n` matrix (modified Gram-Schmidt), with each column's
/// sign chosen so that R's diagonal is positive, as PyTorch's sign correction does.
fn gram_schmidt(mut a: Vec<f64>, m: usize, n: usize) -> Vec<f64> {
    for j in 0..n {
        for k in 0..j {
            let dot: f64 = (0..m).map(|i| a[i * n + j] * a[i * n + k]).sum();
            for i in 0..m {
                a[i * n + j] -= dot * a[i * n + k];
            }
        }
        let norm = (0..m).map(|i| a[i * n + j].powi(2)).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
        for i in 0..m {
            a[i * n + j] /= norm;
        }
    }
    a
}

fn copy_values(t: &Tensor, values: Vec<f64>) -> Result<()> {
    let src = Tensor::from_vec(values, t.shape().clone())?;
    let _g = no_grad();
    t.copy_(&src)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(t: &Tensor) -> (f64, f64) {
        let v = t.to_vec::<f64>().unwrap();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn xavier_and_kaiming_statistics_follow_the_formulas() {
        let w = Tensor::zeros([400, 600]);
        xavier_normal_(&w, 1.0).unwrap();
        let (m, s) = stats(&w);
        assert!(m.abs() < 0.002 && (s - (2.0f64 / 1000.0).sqrt()).abs() < 0.002, "{m} {s}");
        kaiming_normal_(&w, 0.0, FanMode::FanIn, Nonlinearity::Relu).unwrap();
        let (_, s) = stats(&w);
        assert!((s - (2.0f64 / 600.0).sqrt()).abs() < 0.002, "{s}");
        kaiming_uniform_(&w, 5f64.sqrt(), FanMode::FanIn, Nonlinearity::LeakyRelu(0.0)).unwrap();
        let bound = 1.0 / 600f64.sqrt();
        let v = w.to_vec::<f64>().unwrap();
        assert!(v.iter().all(|x| x.abs() <= bound + 1e-7));
        assert!(v.iter().any(|x| x.abs() > 0.9 * bound));
    }

    #[test]
    fn orthogonal_rows_are_orthonormal() {
        for shape in [[5, 3], [3, 5]] {
            let w = Tensor::zeros(shape).double().unwrap();
            orthogonal_(&w, 1.0).unwrap();
            let small =
                if shape[0] < shape[1] { w.matmul(&w.t().unwrap()) } else { w.t().unwrap().matmul(&w) };
            let eye = Tensor::eye(3).double().unwrap();
            let err =
                small.unwrap().sub(&eye).unwrap().abs().unwrap().max_all().unwrap().item::<f64>().unwrap();
            assert!(err < 1e-9, "{shape:?}: {err}");
        }
    }

    #[test]
    fn trunc_normal_stays_in_bounds_and_constant_fills() {
        let w = Tensor::zeros([10000]);
        trunc_normal_(&w, 0.0, 1.0, -2.0, 2.0).unwrap();
        let v = w.to_vec::<f32>().unwrap();
        assert!(v.iter().all(|x| (-2.0..=2.0).contains(x)));
        let (_, s) = stats(&w);
        assert!((s - 0.88).abs() < 0.03, "{s}");
        assert!(trunc_normal_(&w, 0.0, 1.0, 1.0, -1.0).is_err());
        constant_(&w, 42.0).unwrap();
        assert_eq!(w.to_vec::<f32>().unwrap()[17], 42.0);
        assert!(fan_in_and_fan_out(&Tensor::zeros([3])).is_err());
        assert_eq!(calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
    }
}
