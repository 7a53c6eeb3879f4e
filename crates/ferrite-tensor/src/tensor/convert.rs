//! Conversions: dtype casts, host vectors, scalars (`item`, `f32::try_from`), ndarray, literals
//! (the `tensor!` macro), and copies (`contiguous`, `deep_clone`, `to_device`).

use super::Tensor;
use crate::backend::device_backend;
use crate::cpu::{CpuElement, CpuStorage};
use crate::op::Op;
use crate::{DType, Device, Error, Result, Shape};

impl Tensor {
    /// Converts to `dtype` (a handle to the same tensor when it already has it), as PyTorch's `.to(dtype)`.
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        let from = self.dtype();
        let data = self.with_storage(|s, l| s.cast(l, dtype))?;
        Ok(Tensor::result(
            data,
            self.shape().clone(),
            || (Op::Cast { from }, "ToCopyBackward0"),
            &[self],
            |_| vec![],
        ))
    }

    /// Shorthand for `to_dtype(F32)` (PyTorch's `.float()`).
    pub fn float(&self) -> Result<Tensor> {
        self.to_dtype(DType::F32)
    }

    /// Shorthand for `to_dtype(F64)` (PyTorch's `.double()`).
    pub fn double(&self) -> Result<Tensor> {
        self.to_dtype(DType::F64)
    }

    /// Shorthand for `to_dtype(I64)` (PyTorch's `.long()`).
    pub fn long(&self) -> Result<Tensor> {
        self.to_dtype(DType::I64)
    }

    /// A contiguous tensor with the same values: this one when already contiguous, else a copy.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.deep_clone()
    }

    /// A copy of the data in fresh storage (PyTorch's `x.clone()`), recorded as `CloneBackward0`.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let a = Tensor::arange(4)?;
    /// let b = a.deep_clone()?;
    /// b.fill_(0)?;
    /// assert_eq!(a.to_vec::<i64>()?, vec![0, 1, 2, 3]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn deep_clone(&self) -> Result<Tensor> {
        let data = self.with_storage(|s, l| s.copy_strided(l))?;
        Ok(Tensor::result(data, self.shape().clone(), || (Op::Copy, "CloneBackward0"), &[self], |_| vec![]))
    }

    /// The tensor on `device`: this handle when already there (`Z.cuda(0) is Z`), else a copy.
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        if self.device() == device {
            return Ok(self.clone());
        }
        let host = self.to_cpu_storage()?;
        let data = device_backend(device, "to")?.upload(&host)?;
        Ok(Tensor::result(data, self.shape().clone(), || (Op::Copy, "ToCopyBackward0"), &[self], |_| vec![]))
    }

    /// The elements in row-major order, on the host.
    pub fn to_cpu_storage(&self) -> Result<CpuStorage> {
        self.with_storage(|s, l| s.to_cpu(l))
    }

    /// The elements in row-major order as a `Vec<T>`, converting the dtype if needed.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// assert_eq!(Tensor::arange(3)?.to_vec::<f32>()?, vec![0.0, 1.0, 2.0]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn to_vec<T: CpuElement>(&self) -> Result<Vec<T>> {
        let t = self.to_dtype(T::DTYPE)?;
        let host = t.to_cpu_storage()?;
        Ok(T::slice(&host).expect("cast to T's dtype").to_vec())
    }

    /// The value of a one-element tensor (PyTorch's `item()`), converted to `T`.
    pub fn item<T: CpuElement>(&self) -> Result<T> {
        if self.numel() != 1 {
            return Err(Error::NotAScalar { op: "item", shape: self.shape().clone(), numel: self.numel() });
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// An ndarray copy (d2l's `X.numpy()`), keeping the dtype as `T`.
    pub fn to_ndarray<T: CpuElement>(&self) -> Result<ndarray::ArrayD<T>> {
        let v = self.to_vec::<T>()?;
        Ok(ndarray::ArrayD::from_shape_vec(self.dims().to_vec(), v).expect("numel matches shape"))
    }

    /// A tensor from an ndarray (d2l's `torch.tensor(A)`), copying the data.
    pub fn from_ndarray<T: CpuElement>(a: &ndarray::ArrayD<T>) -> Tensor {
        let data: Vec<T> = a.iter().copied().collect();
        Tensor::from_vec(data, a.shape()).expect("ndarray's shape matches its data")
    }
}

macro_rules! try_from_tensor {
    ($($t:ty),*) => {$(
        impl TryFrom<&Tensor> for $t {
            type Error = Error;
            /// The value of a one-element tensor (Python's `float(a)`, `int(a)`).
            fn try_from(t: &Tensor) -> Result<$t> {
                t.item::<$t>()
            }
        }
        impl TryFrom<Tensor> for $t {
            type Error = Error;
            fn try_from(t: Tensor) -> Result<$t> {
                t.item::<$t>()
            }
        }
    )*};
}
try_from_tensor!(f32, f64, i64, bool, u8);

/// A Rust value that [`crate::tensor!`] turns into a tensor: a number, a bool, or nested arrays
/// and `Vec`s of them. Float literals give the default `f32` and integer literals `i64`, as
/// `torch.tensor` does with Python numbers.
pub trait TensorLiteral {
    /// Appends the elements in row-major order and returns the shape of this level.
    fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize>;
}

macro_rules! literal_scalar {
    ($($t:ty => $d:expr),*) => {$(
        impl TensorLiteral for $t {
            fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize> {
                out.push(*self as f64);
                *kind = Some(kind.map_or($d, |k: DType| k.promote($d)));
                vec![]
            }
        }
    )*};
}
literal_scalar!(f32 => DType::F32, f64 => DType::F32, i32 => DType::I64, i64 => DType::I64, u8 => DType::U8);

impl TensorLiteral for bool {
    fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize> {
        out.push(if *self { 1.0 } else { 0.0 });
        *kind = Some(kind.map_or(DType::Bool, |k| k.promote(DType::Bool)));
        vec![]
    }
}

impl<T: TensorLiteral, const N: usize> TensorLiteral for [T; N] {
    fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize> {
        self.as_slice().flatten_into(out, kind)
    }
}

impl<T: TensorLiteral> TensorLiteral for Vec<T> {
    fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize> {
        self.as_slice().flatten_into(out, kind)
    }
}

impl<T: TensorLiteral> TensorLiteral for [T] {
    fn flatten_into(&self, out: &mut Vec<f64>, kind: &mut Option<DType>) -> Vec<usize> {
        let mut inner = vec![];
        for (i, x) in self.iter().enumerate() {
            let s = x.flatten_into(out, kind);
            if i == 0 {
                inner = s;
            }
        }
        let mut shape = vec![self.len()];
        shape.extend(inner);
        shape
    }
}

impl Tensor {
    /// A tensor from a literal (what [`crate::tensor!`] expands to).
    pub fn from_literal<L: TensorLiteral + ?Sized>(lit: &L) -> Tensor {
        Tensor::from_literal_dtype(lit, None)
    }

    /// A tensor from a literal with a chosen dtype (`tensor!(lit, dtype)`), converted from the
    /// literal's own values so an `f64` literal keeps full precision.
    pub fn from_literal_dtype<L: TensorLiteral + ?Sized>(lit: &L, dtype: Option<DType>) -> Tensor {
        let mut values = Vec::new();
        let mut kind = None;
        let shape = lit.flatten_into(&mut values, &mut kind);
        let host = cast_f64(values, dtype.or(kind).unwrap_or(DType::F32));
        Tensor::from_storage(Box::new(host), Shape::from(shape)).expect("literal shape matches its data")
    }
}

pub(crate) fn cast_f64(values: Vec<f64>, dtype: DType) -> CpuStorage {
    match dtype {
        DType::F64 => CpuStorage::F64(values.into()),
        DType::F32 => CpuStorage::F32(values.into_iter().map(|v| v as f32).collect()),
        DType::I64 => CpuStorage::I64(values.into_iter().map(|v| v as i64).collect()),
        DType::U8 => CpuStorage::U8(values.into_iter().map(|v| v as u8).collect()),
        DType::Bool => CpuStorage::Bool(values.into_iter().map(|v| v != 0.0).collect()),
    }
}

/// Makes a tensor from a literal: `tensor!([[1, 2], [3, 4]])` is an `i64` matrix,
/// `tensor!([1.0, 2.0])` an `f32` vector, `tensor!(3.5)` a 0-d tensor; add `dtype` to choose:
/// `tensor!([1.0, 2.0], DType::F64)`.
///
/// ```
/// use ferrite_tensor::{tensor, DType};
/// let x = tensor!([[2, 1, 4, 3], [1, 2, 3, 4]]);
/// assert_eq!((x.dims(), x.dtype()), (&[2, 4][..], DType::I64));
/// let y = tensor!([1.0, 2.0], DType::F64);
/// assert_eq!(y.dtype(), DType::F64);
/// ```
#[macro_export]
macro_rules! tensor {
    ($lit:expr) => {
        $crate::Tensor::from_literal(&$lit)
    };
    ($lit:expr, $dtype:expr) => {
        $crate::Tensor::from_literal_dtype(&$lit, Some($dtype))
    };
}
