//! Reductions: sum, mean, prod, max/min (with indices), argmax/argmin, cumsum, and the composite
//! softmax, log_softmax, logsumexp, var and std.

use super::Tensor;
use crate::op::{Op, ReduceOp};
use crate::shape::normalize_dim;
use crate::{DType, Error, Result, Shape};

/// Dims to reduce: sorted, unique, normalised.
fn reduce_dims(t: &Tensor, dims: &[isize], op: &'static str) -> Result<Vec<usize>> {
    let mut out = dims.iter().map(|&d| normalize_dim(d, t.dim(), op)).collect::<Result<Vec<_>>>()?;
    out.sort_unstable();
    out.dedup();
    if t.dim() == 0 {
        out.clear();
    }
    Ok(out)
}

fn out_shape(t: &Tensor, dims: &[usize], keepdim: bool) -> Shape {
    let d: Vec<usize> = (0..t.dim())
        .filter_map(|i| match (dims.contains(&i), keepdim) {
            (true, true) => Some(1),
            (true, false) => None,
            (false, _) => Some(t.dims()[i]),
        })
        .collect();
    Shape::from(d)
}

impl Tensor {
    /// Runs a backend reduction over `dims` (all when empty) and shapes the result.
    fn reduce_raw(
        &self,
        op: ReduceOp,
        dims: &[usize],
        keepdim: bool,
    ) -> Result<(Box<dyn crate::backend::BackendStorage>, Shape)> {
        let all: Vec<usize> = (0..self.dim()).collect();
        let dims = if dims.is_empty() { &all[..] } else { dims };
        let shape = out_shape(self, dims, keepdim);
        if self.dim() == 0 {
            let data = self.with_storage(|s, l| s.copy_strided(l))?;
            let data = match op {
                ReduceOp::ArgMax | ReduceOp::ArgMin => {
                    let z = crate::Tensor::zeros_dtype((), DType::I64);
                    z.with_storage(|s, l| s.copy_strided(l))?
                }
                _ => data,
            };
            return Ok((data, shape));
        }
        let data = self.with_storage(|s, l| s.reduce(op, l, dims))?;
        Ok((data, shape))
    }

    /// Sum over `dims` (negative allowed), keeping them as size 1 when `keepdim`.
    /// Integer and bool tensors sum to i64, as in PyTorch.
    ///
    /// ```
    /// use ferrite_tensor::tensor;
    /// let a = tensor!([[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(a.sum(&[0], false)?.to_vec::<f32>()?, vec![4.0, 6.0]);
    /// assert_eq!(a.sum(&[0, 1], true)?.dims(), &[1, 1]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn sum(&self, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        let x = if self.dtype().is_float() { self.clone() } else { self.to_dtype(DType::I64)? };
        let d = reduce_dims(&x, dims, "sum")?;
        let (data, shape) = x.reduce_raw(ReduceOp::Sum, &d, keepdim)?;
        let all = d.is_empty();
        Ok(Tensor::result(
            data,
            shape,
            || (Op::Sum { dims: d, keepdim }, if all { "SumBackward0" } else { "SumBackward1" }),
            &[&x],
            |_| vec![],
        ))
    }

    /// Sum of every element, a 0-d tensor.
    pub fn sum_all(&self) -> Result<Tensor> {
        self.sum(&[], false)
    }

    /// Mean over `dims` (float tensors only, as PyTorch).
    pub fn mean(&self, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        if !self.dtype().is_float() {
            return Err(Error::UnsupportedDType { op: "mean", dtype: self.dtype() });
        }
        let d = reduce_dims(self, dims, "mean")?;
        let n: usize = if d.is_empty() { self.numel() } else { d.iter().map(|&i| self.dims()[i]).product() };
        // Divided exactly as PyTorch's mean; the node carries PyTorch's name.
        let name = if d.is_empty() { "MeanBackward0" } else { "MeanBackward1" };
        self.sum(dims, keepdim)?.binary_op(
            crate::Operand::Scalar(crate::Scalar::Float(n as f64)),
            crate::op::BinaryOp::Div,
            name,
        )
    }

    /// Mean of every element.
    pub fn mean_all(&self) -> Result<Tensor> {
        self.mean(&[], false)
    }

    /// Product over `dims` (all when empty).
    pub fn prod(&self, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        let x = if self.dtype().is_float() { self.clone() } else { self.to_dtype(DType::I64)? };
        let d = reduce_dims(&x, dims, "prod")?;
        let (data, shape) = x.reduce_raw(ReduceOp::Prod, &d, keepdim)?;
        let all = d.is_empty();
        Ok(Tensor::result(
            data,
            shape,
            || (Op::Prod { dims: d, keepdim }, if all { "ProdBackward0" } else { "ProdBackward1" }),
            &[&x],
            |out| vec![out.detach()],
        ))
    }

    fn extremum_all(&self, op: ReduceOp, name: &'static str, node: &'static str) -> Result<Tensor> {
        if self.numel() == 0 {
            return Err(Error::InvalidArgument {
                op: name,
                reason: "cannot reduce an empty tensor; specify a dim".into(),
            });
        }
        let (data, shape) = self.reduce_raw(op, &[], false)?;
        Ok(Tensor::result(
            data,
            shape,
            || (Op::Extremum { dims: vec![], keepdim: false }, node),
            &[self],
            |out| vec![out.detach()],
        ))
    }

    /// Largest element, a 0-d tensor (the gradient is split evenly among ties, as PyTorch).
    pub fn max_all(&self) -> Result<Tensor> {
        self.extremum_all(ReduceOp::Max, "max", "MaxBackward1")
    }

    /// Smallest element.
    pub fn min_all(&self) -> Result<Tensor> {
        self.extremum_all(ReduceOp::Min, "min", "MinBackward1")
    }

    /// Largest values over several dims without indices (PyTorch's `amax`).
    pub fn amax(&self, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        let d = reduce_dims(self, dims, "amax")?;
        let (data, shape) = self.reduce_raw(ReduceOp::Max, &d, keepdim)?;
        Ok(Tensor::result(
            data,
            shape,
            || (Op::Extremum { dims: d, keepdim }, "AmaxBackward0"),
            &[self],
            |out| vec![out.detach()],
        ))
    }

    fn extremum_dim(&self, dim: isize, keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
        let name = if max { "max" } else { "min" };
        let d = normalize_dim(dim, self.dim(), name)?;
        let idx = self.arg_extremum(Some(dim), true, max)?;
        // A 0-d tensor is its own extremum, at index 0 (gather needs a dim to index).
        let values = if self.dim() == 0 {
            self.detach().deep_clone()?
        } else {
            self.gather(d as isize, &idx)?.detach()
        };
        let (values, idx) = if keepdim || self.dim() == 0 {
            (values, idx)
        } else {
            (values.squeeze(d as isize)?, idx.squeeze(d as isize)?)
        };
        let values = values.detach();
        let saved = idx.detach();
        let values = values.record(
            || (Op::ExtremumDim { dim: d, keepdim }, if max { "MaxBackward0" } else { "MinBackward0" }),
            &[self],
            |_| vec![saved],
        );
        Ok((values, idx))
    }

    /// Max along `dim`: `(values, indices)` as PyTorch's `max(dim)`.
    pub fn max(&self, dim: isize, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extremum_dim(dim, keepdim, true)
    }

    /// Min along `dim`: `(values, indices)`.
    pub fn min(&self, dim: isize, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extremum_dim(dim, keepdim, false)
    }

    fn arg_extremum(&self, dim: Option<isize>, keepdim: bool, max: bool) -> Result<Tensor> {
        let op = if max { ReduceOp::ArgMax } else { ReduceOp::ArgMin };
        let name = if max { "argmax" } else { "argmin" };
        match dim {
            None => {
                let flat = self.reshape([-1])?;
                let (data, _) = flat.reduce_raw(op, &[0], false)?;
                // With keepdim, PyTorch keeps every dim as size 1.
                let shape = if keepdim { vec![1; self.dim()] } else { vec![] };
                Tensor::from_storage(data, shape)
            }
            Some(dim) => {
                let d = normalize_dim(dim, self.dim(), name)?;
                if self.dim() == 0 {
                    return Ok(Tensor::zeros_dtype((), DType::I64));
                }
                let (data, shape) = self.reduce_raw(op, &[d], keepdim)?;
                Tensor::from_storage(data, shape)
            }
        }
    }

    /// Index of the first maximum along `dim`, or over all elements (flattened) when `None`.
    pub fn argmax(&self, dim: Option<isize>, keepdim: bool) -> Result<Tensor> {
        self.arg_extremum(dim, keepdim, true)
    }

    /// Index of the first minimum along `dim`, or over all elements when `None`.
    pub fn argmin(&self, dim: Option<isize>, keepdim: bool) -> Result<Tensor> {
        self.arg_extremum(dim, keepdim, false)
    }

    /// Cumulative sum along `dim` (integers accumulate as i64).
    pub fn cumsum(&self, dim: isize) -> Result<Tensor> {
        let x = if self.dtype().is_float() { self.clone() } else { self.to_dtype(DType::I64)? };
        let d = normalize_dim(dim, x.dim(), "cumsum")?;
        if x.dim() == 0 {
            return x.deep_clone();
        }
        let data = x.with_storage(|s, l| s.cumsum(l, d))?;
        Ok(Tensor::result(
            data,
            x.shape().clone(),
            || (Op::Cumsum { dim: d }, "CumsumBackward0"),
            &[&x],
            |_| vec![],
        ))
    }

    /// `log(sum(exp(x)))` along `dim`, computed stably.
    pub fn logsumexp(&self, dim: isize, keepdim: bool) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?;
        let m = x.amax(&[dim], true)?.detach();
        // Rows of -inf would give NaN; shift by 0 there instead, as PyTorch.
        let m = m.where_(&m.abs()?.lt(f64::INFINITY)?, 0.0)?;
        let out = x.sub(&m)?.exp()?.sum(&[dim], true)?.log()?.add(&m)?;
        if keepdim { Ok(out) } else { out.squeeze(dim) }
    }

    /// Softmax along `dim`, stable for large inputs (`exp(x - max) / sum`).
    ///
    /// ```
    /// use ferrite_tensor::tensor;
    /// let p = tensor!([[1.0, 2.0, 3.0]]).softmax(1)?;
    /// let s: f32 = p.sum_all()?.item()?;
    /// assert!((s - 1.0).abs() < 1e-6);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn softmax(&self, dim: isize) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?;
        let m = x.amax(&[dim], true)?.detach();
        let e = x.sub(&m)?.exp()?;
        e.div(&e.sum(&[dim], true)?)
    }

    /// Log-softmax along `dim`: `x - logsumexp(x)`, stable.
    pub fn log_softmax(&self, dim: isize) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?;
        x.sub(&x.logsumexp(dim, true)?)
    }

    /// Variance over `dims` with Bessel's correction when `unbiased` (PyTorch's default).
    pub fn var(&self, dims: &[isize], unbiased: bool, keepdim: bool) -> Result<Tensor> {
        let d = reduce_dims(self, dims, "var")?;
        let n: usize = if d.is_empty() { self.numel() } else { d.iter().map(|&i| self.dims()[i]).product() };
        let centered = self.sub(&self.mean(dims, true)?)?;
        let denom = if unbiased { n.saturating_sub(1) } else { n } as f64;
        centered.square()?.sum(dims, keepdim)?.div(denom)
    }

    /// Standard deviation over `dims`.
    pub fn std(&self, dims: &[isize], unbiased: bool, keepdim: bool) -> Result<Tensor> {
        self.var(dims, unbiased, keepdim)?.sqrt()
    }
}
