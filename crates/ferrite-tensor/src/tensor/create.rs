//! Creation: from data, constants, ranges and identity matrices.

use super::Tensor;
use super::convert::cast_f64;
use crate::backend::device_backend;
use crate::cpu::{CpuElement, CpuStorage};
use crate::{DType, Device, Error, Result, Scalar, Shape};

impl Tensor {
    /// A tensor from a `Vec` and a shape; the dtype is `T`'s.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let x = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2])?;
    /// assert_eq!(x.dims(), &[2, 2]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn from_vec<T: CpuElement>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if data.len() != shape.numel() {
            return Err(Error::DataLength { op: "from_vec", len: data.len(), shape });
        }
        Tensor::from_storage(Box::new(T::wrap(data)), shape)
    }

    /// A tensor copied from a slice, with a shape.
    pub fn from_slice<T: CpuElement>(data: &[T], shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A 0-d tensor holding `value` (dtype: i64 for integers, f32 for floats, as `torch.tensor(3.0)`).
    pub fn scalar(value: impl Into<Scalar>) -> Tensor {
        let v = value.into();
        Tensor::full((), v, v.default_dtype()).expect("a 0-d full never fails")
    }

    /// A tensor of `shape` filled with `value`, of `dtype`.
    pub fn full(shape: impl Into<Shape>, value: impl Into<Scalar>, dtype: DType) -> Result<Tensor> {
        Tensor::full_on(shape, value.into(), dtype, Device::Cpu)
    }

    /// [`Tensor::full`] on a device.
    pub fn full_on(shape: impl Into<Shape>, value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
        let shape = shape.into();
        let host = cast_f64(vec![value.to_f64(); shape.numel()], dtype);
        Tensor::host_to(host, shape, device)
    }

    /// `f32` zeros on a device (PyTorch's `torch.zeros(shape, device=d)`).
    ///
    /// ```
    /// use ferrite_tensor::{Device, Tensor};
    /// assert_eq!(Tensor::zeros_on([2, 3], Device::Cpu)?.to_vec::<f32>()?, vec![0.0; 6]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn zeros_on(shape: impl Into<Shape>, device: Device) -> Result<Tensor> {
        Tensor::full_on(shape, Scalar::Int(0), DType::F32, device)
    }

    /// `f32` ones on a device (d2l's `torch.ones(2, 3, device=try_gpu())`); an error naming the
    /// device when it is not available.
    ///
    /// ```
    /// use ferrite_tensor::{Device, Tensor};
    /// let x = Tensor::ones_on([2, 3], Device::Cpu)?;
    /// assert_eq!((x.device(), x.to_vec::<f32>()?), (Device::Cpu, vec![1.0; 6]));
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn ones_on(shape: impl Into<Shape>, device: Device) -> Result<Tensor> {
        Tensor::full_on(shape, Scalar::Int(1), DType::F32, device)
    }

    /// Puts host data on a device.
    pub(crate) fn host_to(host: CpuStorage, shape: Shape, device: Device) -> Result<Tensor> {
        if device.is_cpu() {
            return Tensor::from_storage(Box::new(host), shape);
        }
        Tensor::from_storage(device_backend(device, "to")?.upload(&host)?, shape)
    }

    /// `f32` zeros.
    pub fn zeros(shape: impl Into<Shape>) -> Tensor {
        let shape = shape.into();
        let n = shape.numel();
        Tensor::from_storage(Box::new(CpuStorage::F32(vec![0.0; n].into())), shape).expect("sizes match")
    }

    /// `f32` ones.
    pub fn ones(shape: impl Into<Shape>) -> Tensor {
        let shape = shape.into();
        let n = shape.numel();
        Tensor::from_storage(Box::new(CpuStorage::F32(vec![1.0; n].into())), shape).expect("sizes match")
    }

    /// Zeros of a given dtype.
    pub fn zeros_dtype(shape: impl Into<Shape>, dtype: DType) -> Tensor {
        let shape = shape.into();
        Tensor::from_storage(Box::new(CpuStorage::zeros(shape.numel(), dtype)), shape).expect("sizes match")
    }

    /// Ones of a given dtype.
    pub fn ones_dtype(shape: impl Into<Shape>, dtype: DType) -> Tensor {
        Tensor::full(shape, 1, dtype).expect("a CPU full never fails")
    }

    /// Zeros with this tensor's shape, dtype and device.
    pub fn zeros_like(&self) -> Result<Tensor> {
        Tensor::full_on(self.shape().clone(), Scalar::Int(0), self.dtype(), self.device())
    }

    /// Ones with this tensor's shape, dtype and device.
    pub fn ones_like(&self) -> Result<Tensor> {
        Tensor::full_on(self.shape().clone(), Scalar::Int(1), self.dtype(), self.device())
    }

    /// `value` everywhere, with this tensor's shape, dtype and device.
    pub fn full_like(&self, value: impl Into<Scalar>) -> Result<Tensor> {
        Tensor::full_on(self.shape().clone(), value.into(), self.dtype(), self.device())
    }

    /// `0, 1, ..., end - 1` (PyTorch's `arange(end)`): i64 for an integer `end`, f32 for a float.
    ///
    /// ```
    /// use ferrite_tensor::{DType, Tensor};
    /// assert_eq!(Tensor::arange(12)?.dtype(), DType::I64);
    /// assert_eq!(Tensor::arange(4.0)?.to_vec::<f32>()?, vec![0.0, 1.0, 2.0, 3.0]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn arange(end: impl Into<Scalar>) -> Result<Tensor> {
        let end = end.into();
        let start = if matches!(end, Scalar::Float(_)) { Scalar::Float(0.0) } else { Scalar::Int(0) };
        Tensor::arange_step(start, end, Scalar::Int(1))
    }

    /// `start, start + step, ...` below `end` (above it for a negative step), as PyTorch's
    /// `arange(start, end, step)`: float when any argument is.
    pub fn arange_step(
        start: impl Into<Scalar>,
        end: impl Into<Scalar>,
        step: impl Into<Scalar>,
    ) -> Result<Tensor> {
        let (start, end, step) = (start.into(), end.into(), step.into());
        let float = [start, end, step].iter().any(|s| matches!(s, Scalar::Float(_)));
        let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
        if st == 0.0 || !st.is_finite() || (e - s) * st.signum() < 0.0 && e != s {
            return Err(Error::InvalidArgument {
                op: "arange",
                reason: format!("cannot go from {s} to {e} in steps of {st}"),
            });
        }
        let n = ((e - s) / st).ceil().max(0.0) as usize;
        let values: Vec<f64> = (0..n).map(|i| s + i as f64 * st).collect();
        let dtype = if float { DType::F32 } else { DType::I64 };
        Tensor::from_storage(Box::new(cast_f64(values, dtype)), Shape::from(n))
    }

    /// `steps` evenly spaced `f32` values from `start` to `end` inclusive.
    pub fn linspace(start: f64, end: f64, steps: usize) -> Result<Tensor> {
        if steps == 1 {
            return Tensor::from_vec(vec![start as f32], [1]);
        }
        let step = if steps > 1 { (end - start) / (steps - 1) as f64 } else { 0.0 };
        // PyTorch fills the second half from the end, so the last value is exactly `end`.
        let half = steps / 2;
        let values: Vec<f64> = (0..steps)
            .map(|i| if i < half { start + step * i as f64 } else { end - step * (steps - 1 - i) as f64 })
            .collect();
        Tensor::from_storage(Box::new(cast_f64(values, DType::F32)), Shape::from(steps))
    }

    /// The `n x n` `f32` identity matrix.
    pub fn eye(n: usize) -> Tensor {
        let mut v = vec![0.0f32; n * n];
        for i in 0..n {
            v[i * n + i] = 1.0;
        }
        Tensor::from_vec(v, [n, n]).expect("sizes match")
    }
}
