//! Random tensors and in-place random fills: PyTorch's `rand`, `randn`, `normal`, `randint`,
//! `randperm`, `bernoulli`, `multinomial`, the `uniform_`/`normal_`/`bernoulli_` fills that weight
//! initialization uses, and `multinomial_counts` for `torch.distributions.Multinomial(n, p).sample()`.
//!
//! Every op draws all its values from the global generator in [`crate::random`] under one lock, on
//! the host and in row-major order, then moves them to the tensor's device. Sampling records no
//! autograd history: a random result is a leaf.

use super::Tensor;
use super::convert::cast_f64;
use crate::backend::device_backend;
use crate::cpu::CpuStorage;
use crate::graph::is_grad_enabled;
use crate::random::with_rng;
use crate::{DType, Device, Element, Error, Layout, Result, Shape};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::ops::{Add, Mul, Sub};

/// A float distribution whose arguments have been checked.
#[derive(Clone, Copy, Debug)]
enum FloatDist {
    /// `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// `mean + std * N(0, 1)`.
    Normal { mean: f64, std: f64 },
}

impl FloatDist {
    /// PyTorch's `uniform_` bounds check, stricter in one way: an empty range (`low == high`) is
    /// refused rather than filled with `low`.
    fn uniform(low: f64, high: f64, op: &'static str) -> Result<FloatDist> {
        if !(low.is_finite() && high.is_finite() && low < high) {
            let reason = format!("expects finite low < high, but found low={low} and high={high}");
            return Err(Error::InvalidArgument { op, reason });
        }
        Ok(FloatDist::Uniform { low, high })
    }

    /// PyTorch's `normal` check (a NaN std fails it too).
    fn normal(mean: f64, std: f64, op: &'static str) -> Result<FloatDist> {
        if std.is_nan() || std < 0.0 {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("expects std >= 0.0, but found std {std}"),
            });
        }
        Ok(FloatDist::Normal { mean, std })
    }

    /// `n` draws of `dtype` (f32 or f64, so an f64 tensor gets f64 precision).
    fn sample(self, n: usize, dtype: DType, op: &'static str) -> Result<CpuStorage> {
        match dtype {
            DType::F32 => self.sample_as::<f32>(n, op).map(CpuStorage::from),
            DType::F64 => self.sample_as::<f64>(n, op).map(CpuStorage::from),
            dtype => Err(Error::UnsupportedDType { op, dtype }),
        }
    }

    fn sample_as<T: RandFloat>(self, n: usize, op: &'static str) -> Result<Vec<T>> {
        match self {
            FloatDist::Uniform { low, high } => {
                let (lo, hi) = (T::from_f64(low), T::from_f64(high));
                let scale = hi - lo;
                // Bounds that are distinct in f64 can meet, or their span overflow, in f32.
                if !(lo < hi && scale.finite()) {
                    let reason = format!(
                        "low={low} and high={high} do not make a non-empty finite range in {}",
                        T::DTYPE
                    );
                    return Err(Error::InvalidArgument { op, reason });
                }
                // `lo + scale * u` can round up to `hi`; the range is half-open, so such a draw
                // becomes the largest value below `hi`.
                let top = hi.below();
                Ok(with_rng(|rng| {
                    (0..n)
                        .map(|_| {
                            let v = lo + scale * T::unit(rng);
                            if v < hi { v } else { top }
                        })
                        .collect()
                }))
            }
            FloatDist::Normal { mean, std } => {
                let (m, s) = (T::from_f64(mean), T::from_f64(std));
                Ok(with_rng(|rng| (0..n).map(|_| m + s * T::standard_normal(rng)).collect()))
            }
        }
    }
}

/// `f32` and `f64`: the element types float draws are made in.
trait RandFloat: Element + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    fn finite(self) -> bool;
    /// The largest value below `self`.
    fn below(self) -> Self;
    /// A uniform draw from `[0, 1)`.
    fn unit(rng: &mut ChaCha8Rng) -> Self;
    /// A standard normal draw.
    fn standard_normal(rng: &mut ChaCha8Rng) -> Self;
}

macro_rules! rand_float {
    ($t:ty) => {
        impl RandFloat for $t {
            fn finite(self) -> bool {
                self.is_finite()
            }
            fn below(self) -> Self {
                self.next_down()
            }
            fn unit(rng: &mut ChaCha8Rng) -> Self {
                rng.random::<$t>()
            }
            fn standard_normal(rng: &mut ChaCha8Rng) -> Self {
                rng.sample(StandardNormal)
            }
        }
    };
}
rand_float!(f32);
rand_float!(f64);

/// Checks one row of category weights (non-negative, finite, positive sum) and returns its
/// cumulative sums. Weights need not sum to 1: as in PyTorch, they are normalized.
fn cumulative_weights(row: &[f64], index: usize, op: &'static str) -> Result<Vec<f64>> {
    if let Some(&w) = row.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        let reason =
            format!("probability tensor contains either inf, nan or element < 0 (found {w} in row {index})");
        return Err(Error::InvalidArgument { op, reason });
    }
    let cum: Vec<f64> = row
        .iter()
        .scan(0.0, |acc, &w| {
            *acc += w;
            Some(*acc)
        })
        .collect();
    let total = cum.last().copied().unwrap_or(0.0);
    if !(total > 0.0 && total.is_finite()) {
        let reason = format!("invalid distribution: the probabilities of row {index} sum to {total}");
        return Err(Error::InvalidArgument { op, reason });
    }
    Ok(cum)
}

/// A category drawn with probability proportional to its weight, by inverting the cumulative sums.
fn categorical(rng: &mut ChaCha8Rng, cum: &[f64]) -> usize {
    let u = rng.random::<f64>() * cum[cum.len() - 1];
    // The first category whose cumulative weight exceeds `u`. A zero-weight category never
    // qualifies: the one before it reaches the same sum first. Should `u` round up to the total,
    // the last category with weight is taken.
    let i = cum.partition_point(|&c| c <= u);
    if i < cum.len() {
        return i;
    }
    let total = cum[cum.len() - 1];
    cum.iter().position(|&c| c == total).unwrap_or(cum.len() - 1)
}

/// `k` distinct categories, in the order a sequential draw without replacement would give them
/// (Efraimidis–Spirakis: the largest keys `u^(1/w)`, compared as `ln(u) / w`).
fn distinct_categories(rng: &mut ChaCha8Rng, row: &[f64], k: usize) -> Vec<i64> {
    let mut keyed: Vec<(f64, usize)> = row
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0.0)
        .map(|(i, &w)| ((1.0 - rng.random::<f64>()).ln() / w, i))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    keyed.iter().take(k).map(|&(_, i)| i as i64).collect()
}

impl Tensor {
    /// `f32` values uniform on `[0, 1)` (PyTorch's `torch.rand`).
    ///
    /// ```
    /// use ferrite_tensor::{Tensor, manual_seed};
    /// manual_seed(0);
    /// let x = Tensor::rand([2, 3]);
    /// assert_eq!(x.dims(), &[2, 3]);
    /// assert!(x.to_vec::<f32>()?.iter().all(|v| (0.0..1.0).contains(v)));
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn rand(shape: impl Into<Shape>) -> Tensor {
        Tensor::rand_dtype(shape, DType::F32).expect("f32 is a float dtype")
    }

    /// [`Tensor::rand`] of a float dtype (`torch.rand(..., dtype=torch.float64)`).
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// assert_eq!(Tensor::rand_dtype([2], DType::F64)?.dtype(), DType::F64);
    /// assert!(Tensor::rand_dtype([2], DType::I64).is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn rand_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        Tensor::sampled(shape.into(), FloatDist::Uniform { low: 0.0, high: 1.0 }, dtype, "rand")
    }

    /// `f32` values from the standard normal distribution (PyTorch's `torch.randn`).
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let x = Tensor::randn([3, 4]);
    /// assert_eq!(x.dims(), &[3, 4]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn randn(shape: impl Into<Shape>) -> Tensor {
        Tensor::randn_dtype(shape, DType::F32).expect("f32 is a float dtype")
    }

    /// [`Tensor::randn`] of a float dtype.
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// assert_eq!(Tensor::randn_dtype([2], DType::F64)?.dtype(), DType::F64);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn randn_dtype(shape: impl Into<Shape>, dtype: DType) -> Result<Tensor> {
        Tensor::sampled(shape.into(), FloatDist::Normal { mean: 0.0, std: 1.0 }, dtype, "randn")
    }

    /// [`Tensor::rand`] on a device (d2l's `torch.rand(2, 3, device=try_gpu(1))`). The values are
    /// drawn on the host like every random op here, so a seed gives the same tensor on any device.
    ///
    /// ```
    /// use ferrite_tensor::{Device, Tensor, manual_seed};
    /// manual_seed(0);
    /// let x = Tensor::rand_on([2, 3], Device::Cpu)?;
    /// manual_seed(0);
    /// assert_eq!(x.to_vec::<f32>()?, Tensor::rand([2, 3]).to_vec::<f32>()?);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn rand_on(shape: impl Into<Shape>, device: Device) -> Result<Tensor> {
        Tensor::rand(shape).to_device(device)
    }

    /// [`Tensor::randn`] on a device, drawn on the host as [`Tensor::rand_on`] is.
    ///
    /// ```
    /// use ferrite_tensor::{Device, Tensor};
    /// assert_eq!(Tensor::randn_on([4], Device::Cpu)?.dims(), &[4]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn randn_on(shape: impl Into<Shape>, device: Device) -> Result<Tensor> {
        Tensor::randn(shape).to_device(device)
    }

    /// `f32` values from `N(mean, std²)` (PyTorch's `torch.normal(mean, std, size)`; d2l's
    /// `torch.normal(0, 0.01, size=(2, 1))`). A negative std is an error.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let w = Tensor::normal(0.0, 0.01, [2, 1])?;
    /// assert_eq!(w.dims(), &[2, 1]);
    /// assert!(Tensor::normal(0.0, -1.0, [2]).is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn normal(mean: f64, std: f64, shape: impl Into<Shape>) -> Result<Tensor> {
        let dist = FloatDist::normal(mean, std, "normal")?;
        Tensor::sampled(shape.into(), dist, DType::F32, "normal")
    }

    /// `f32` values uniform on `[low, high)` (`torch.empty(size).uniform_(low, high)`); `low < high`.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let x = Tensor::uniform(-1.0, 1.0, [100])?;
    /// assert!(x.to_vec::<f32>()?.iter().all(|v| (-1.0..1.0).contains(v)));
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn uniform(low: f64, high: f64, shape: impl Into<Shape>) -> Result<Tensor> {
        let dist = FloatDist::uniform(low, high, "uniform")?;
        Tensor::sampled(shape.into(), dist, DType::F32, "uniform")
    }

    /// `i64` values uniform on `low..high` (PyTorch's `torch.randint(low, high, size)`).
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// let x = Tensor::randint(0, 10, [5])?;
    /// assert_eq!(x.dtype(), DType::I64);
    /// assert!(x.to_vec::<i64>()?.iter().all(|v| (0..10).contains(v)));
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn randint(low: i64, high: i64, shape: impl Into<Shape>) -> Result<Tensor> {
        if low >= high {
            let reason = format!("expects low < high, but found low={low} and high={high}");
            return Err(Error::InvalidArgument { op: "randint", reason });
        }
        let shape = shape.into();
        let values = with_rng(|rng| (0..shape.numel()).map(|_| rng.random_range(low..high)).collect());
        Tensor::from_storage(Box::new(CpuStorage::I64(values)), shape)
    }

    /// A random permutation of `0..n` as `i64` (PyTorch's `torch.randperm`, what a shuffling
    /// DataLoader draws each epoch).
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let mut p = Tensor::randperm(5).to_vec::<i64>()?;
    /// p.sort();
    /// assert_eq!(p, vec![0, 1, 2, 3, 4]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn randperm(n: usize) -> Tensor {
        let mut values: Vec<i64> = (0..n as i64).collect();
        with_rng(|rng| values.shuffle(rng));
        Tensor::from_vec(values, n).expect("sizes match")
    }

    /// Draws 0 or 1 for each element, which is the probability of a 1 (PyTorch's
    /// `torch.bernoulli`); the result has this tensor's float dtype, shape and device.
    ///
    /// ```
    /// use ferrite_tensor::{tensor, Tensor};
    /// let p = tensor!([0.0, 1.0, 0.5]);
    /// let x = p.bernoulli()?.to_vec::<f32>()?;
    /// assert_eq!(&x[..2], &[0.0, 1.0]);
    /// assert!(tensor!([1.5]).bernoulli().is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn bernoulli(&self) -> Result<Tensor> {
        let op = "bernoulli";
        if !self.dtype().is_float() {
            return Err(Error::UnsupportedDType { op, dtype: self.dtype() });
        }
        let probs = self.to_cpu_storage()?.to_f64_vec();
        if let Some((i, p)) = probs.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
            let reason = format!("expects all probabilities in [0, 1], but found {p} at flat index {i}");
            return Err(Error::InvalidArgument { op, reason });
        }
        let draws =
            with_rng(|rng| probs.iter().map(|&p| f64::from(u8::from(rng.random::<f64>() < p))).collect());
        Tensor::host_to(cast_f64(draws, self.dtype()), self.shape().clone(), self.device())
    }

    /// `num_samples` category indices per row of weights (PyTorch's `torch.multinomial`): a 1-D
    /// tensor gives `[num_samples]`, a 2-D one `[rows, num_samples]`, as `i64`. Weights must be
    /// non-negative and finite with a positive row sum; as in PyTorch they need not sum to 1.
    /// Without replacement, the indices of a row are distinct and zero-weight categories are never
    /// drawn, so a row needs `num_samples` categories of positive weight.
    ///
    /// ```
    /// use ferrite_tensor::{tensor, Tensor};
    /// let probs = tensor!([0.0, 0.2, 0.8]);
    /// let draws = probs.multinomial(4, true)?.to_vec::<i64>()?;
    /// assert!(draws.iter().all(|&i| i == 1 || i == 2));
    /// let mut both = probs.multinomial(2, false)?.to_vec::<i64>()?;
    /// both.sort();
    /// assert_eq!(both, vec![1, 2]);
    /// assert!(probs.multinomial(3, false).is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn multinomial(&self, num_samples: usize, replacement: bool) -> Result<Tensor> {
        let op = "multinomial";
        if !self.dtype().is_float() {
            return Err(Error::UnsupportedDType { op, dtype: self.dtype() });
        }
        let (rows, out_shape) = match *self.dims() {
            [_] => (1, Shape::from(num_samples)),
            [r, _] => (r, Shape::from([r, num_samples])),
            _ => {
                let reason = format!("prob_dist must be 1 or 2 dim, but got shape {}", self.shape());
                return Err(Error::InvalidArgument { op, reason });
            }
        };
        let k = self.dims()[self.dim() - 1];
        if !replacement && num_samples > k {
            let reason =
                format!("cannot sample {num_samples} samples without replacement from {k} categories");
            return Err(Error::InvalidArgument { op, reason });
        }
        let weights = self.to_cpu_storage()?.to_f64_vec();
        let mut cums = Vec::with_capacity(rows);
        for r in 0..rows {
            let row = &weights[r * k..(r + 1) * k];
            cums.push(cumulative_weights(row, r, op)?);
            let positive = row.iter().filter(|&&w| w > 0.0).count();
            if !replacement && positive < num_samples {
                let reason = format!(
                    "row {r} has {positive} categories with nonzero probability, too few to draw \
                     {num_samples} samples without replacement"
                );
                return Err(Error::InvalidArgument { op, reason });
            }
        }
        let out: Vec<i64> = with_rng(|rng| {
            let mut out = Vec::with_capacity(rows * num_samples);
            for (r, cum) in cums.iter().enumerate() {
                if replacement {
                    out.extend((0..num_samples).map(|_| categorical(rng, cum) as i64));
                } else {
                    out.extend(distinct_categories(rng, &weights[r * k..(r + 1) * k], num_samples));
                }
            }
            out
        });
        Tensor::host_to(CpuStorage::I64(out.into()), out_shape, self.device())
    }

    /// Counts of `total_count` draws from the categories along the last dim of `probs`, one
    /// independent experiment per leading index: what PyTorch's
    /// `torch.distributions.Multinomial(total_count, probs).sample()` returns. The counts have
    /// `probs`' shape, float dtype and device; the weights are checked and normalized as in
    /// [`Tensor::multinomial`]. For a `sample((500,))`, expand `probs` to `[500, k]` first.
    ///
    /// ```
    /// use ferrite_tensor::{Tensor, manual_seed};
    /// // d2l: `Multinomial(1, fair_probs).sample()` rolls a die once.
    /// let fair_probs = Tensor::ones([6]).div(6)?;
    /// let roll = Tensor::multinomial_counts(1, &fair_probs)?;
    /// assert_eq!(roll.sum_all()?.item::<f32>()?, 1.0);
    /// // Ten rolls, 500 times.
    /// let counts = Tensor::multinomial_counts(10, &fair_probs.expand([500, 6])?)?;
    /// assert_eq!(counts.dims(), &[500, 6]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn multinomial_counts(total_count: usize, probs: &Tensor) -> Result<Tensor> {
        let op = "multinomial_counts";
        if !probs.dtype().is_float() {
            return Err(Error::UnsupportedDType { op, dtype: probs.dtype() });
        }
        let Some((&k, leading)) = probs.dims().split_last() else {
            let reason = "probs must have at least one dim (the categories), but got a 0-d tensor".into();
            return Err(Error::InvalidArgument { op, reason });
        };
        let rows: usize = leading.iter().product();
        let weights = probs.to_cpu_storage()?.to_f64_vec();
        let cums = (0..rows)
            .map(|r| cumulative_weights(&weights[r * k..(r + 1) * k], r, op))
            .collect::<Result<Vec<_>>>()?;
        let mut counts = vec![0.0; rows * k];
        with_rng(|rng| {
            for (r, cum) in cums.iter().enumerate() {
                for _ in 0..total_count {
                    counts[r * k + categorical(rng, cum)] += 1.0;
                }
            }
        });
        Tensor::host_to(cast_f64(counts, probs.dtype()), probs.shape().clone(), probs.device())
    }

    /// Fills this tensor in place with values uniform on `[low, high)` (PyTorch's `uniform_`).
    /// The fill writes the existing storage, so views and aliases see it, and records no history.
    /// Float tensors only; an f64 tensor is drawn in f64.
    ///
    /// Like every in-place op it refuses a leaf that requires grad while grad mode is on (init
    /// code runs under [`crate::no_grad`]); unlike PyTorch it also refuses a tensor with recorded
    /// history, whose gradient the fill would silently cut.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let w = Tensor::zeros([4, 4]);
    /// let row = w.select(0, 1)?;
    /// row.uniform_(-0.1, 0.1)?;
    /// assert!(w.abs()?.sum_all()?.item::<f32>()? > 0.0); // the base sees the view's fill
    /// assert!(w.uniform_(1.0, 1.0).is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn uniform_(&self, low: f64, high: f64) -> Result<()> {
        let dist = FloatDist::uniform(low, high, "uniform_")?;
        self.fill_sampled(dist, "uniform_")
    }

    /// Fills this tensor in place from `N(mean, std²)` (PyTorch's `normal_`, d2l's
    /// `net[0].weight.data.normal_(0, 0.01)`); see [`Tensor::uniform_`] for what in-place means here.
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// let w = Tensor::zeros_dtype([2, 3], DType::F64);
    /// w.normal_(0.0, 0.01)?;
    /// assert_eq!(w.dtype(), DType::F64);
    /// let err = w.normal_(0.0, -1.0).unwrap_err();
    /// assert_eq!(err.to_string(), "normal_: expects std >= 0.0, but found std -1");
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn normal_(&self, mean: f64, std: f64) -> Result<()> {
        let dist = FloatDist::normal(mean, std, "normal_")?;
        self.fill_sampled(dist, "normal_")
    }

    /// Fills this tensor in place with 0 or 1, each 1 with probability `p` (PyTorch's
    /// `bernoulli_(p)`, a dropout mask); any dtype. See [`Tensor::uniform_`] for what in-place
    /// means here.
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// let mask = Tensor::zeros_dtype([8], DType::Bool);
    /// mask.bernoulli_(1.0)?;
    /// assert!(mask.to_vec::<bool>()?.iter().all(|&b| b));
    /// assert!(mask.bernoulli_(1.5).is_err());
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn bernoulli_(&self, p: f64) -> Result<()> {
        let op = "bernoulli_";
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("expects 0 <= p <= 1, but found p={p}"),
            });
        }
        self.check_random_fill(op)?;
        let draws =
            with_rng(|rng| (0..self.numel()).map(|_| f64::from(u8::from(rng.random::<f64>() < p))).collect());
        self.write_host(cast_f64(draws, self.dtype()), op)
    }

    /// A fresh CPU tensor of `shape` drawn from `dist`.
    fn sampled(shape: Shape, dist: FloatDist, dtype: DType, op: &'static str) -> Result<Tensor> {
        let host = dist.sample(shape.numel(), dtype, op)?;
        Tensor::from_storage(Box::new(host), shape)
    }

    /// Draws this tensor's elements from `dist` and writes them in place.
    fn fill_sampled(&self, dist: FloatDist, op: &'static str) -> Result<()> {
        if !self.dtype().is_float() {
            return Err(Error::UnsupportedDType { op, dtype: self.dtype() });
        }
        self.check_random_fill(op)?;
        let host = dist.sample(self.numel(), self.dtype(), op)?;
        self.write_host(host, op)
    }

    /// The in-place checks of random fills: [`Tensor::check_inplace`]'s leaf rule, and no history
    /// to cut while grad mode is on.
    fn check_random_fill(&self, op: &'static str) -> Result<()> {
        self.check_inplace(op)?;
        if is_grad_enabled() && !self.is_leaf() {
            return Err(Error::InPlace {
                op,
                reason: "a tensor with autograd history cannot be refilled at random, since its gradient \
                         would be cut silently (fill a leaf, or wrap it in no_grad)",
            });
        }
        Ok(())
    }

    /// Writes row-major host values through this tensor's layout, into its existing storage.
    fn write_host(&self, host: CpuStorage, op: &'static str) -> Result<()> {
        let src_layout = Layout::contiguous(self.shape().clone());
        if self.device().is_cpu() {
            return self.storage().write().copy_from(self.layout(), &host, &src_layout);
        }
        let src = device_backend(self.device(), op)?.upload(&host)?;
        self.storage().write().copy_from(self.layout(), &*src, &src_layout)
    }
}
