//! GPUs, in the shape of PyTorch's `torch.cuda` and d2l's `try_gpu`/`try_all_gpus`: how many GPUs
//! there are, a device to compute on that falls back to the CPU, and `X.cuda(i)`/`X.cpu()`.
//!
//! With the `cuda` feature, the first call of any function here (or of [`TensorDeviceExt::cuda`])
//! starts ferrite-cuda, which registers one backend per GPU with the tensor core; from then on
//! tensors can be put on `Device::Cuda(i)` by any means (`Tensor::ones_on`, `to_device`,
//! `net.to(device)`). Without the feature, or on a machine with no GPU or no driver, there are no
//! GPUs: [`device_count`] is 0, [`try_gpu`] gives the CPU and [`try_all_gpus`] the CPU alone, so a
//! program written as d2l's runs everywhere.
//!
//! ```
//! use ferrite::prelude::*;
//! use ferrite::cuda::{try_all_gpus, try_gpu};
//!
//! // As d2l: `X = torch.ones(2, 3, device=try_gpu())`, then a network on the same device.
//! let x = Tensor::ones_on([2, 3], try_gpu(0))?;
//! let net = nn::sequential![nn::Linear::new(3, 1)?];
//! net.to(try_gpu(0))?;
//! assert_eq!(net.forward(&x)?.device(), try_gpu(0));
//! assert_eq!(try_all_gpus().len(), ferrite::cuda::device_count().max(1));
//! # Ok::<(), ferrite::Error>(())
//! ```

use crate::{Device, Result, Tensor};

/// True when ferrite was built with the `cuda` feature (PyTorch's `torch.backends.cuda.is_built()`),
/// whether or not a GPU is present.
///
/// ```
/// if !ferrite::cuda::is_built() {
///     assert_eq!(ferrite::cuda::device_count(), 0);
/// }
/// ```
pub fn is_built() -> bool {
    cfg!(feature = "cuda")
}

/// Starts the CUDA backend once (later calls return the same count) and returns the number of
/// GPUs it registered. `Ok(0)` without the `cuda` feature; with it, `Ok(0)` on a machine without a
/// GPU or driver, and an error only when a GPU is present but could not be set up.
///
/// [`device_count`] and the others call this themselves; call it directly to see why no GPU is
/// used, or before putting a tensor on a `Device::Cuda` that no function here produced (a literal
/// `Device::Cuda(0)` or a parsed `"cuda:0"`).
///
/// ```
/// let n = ferrite::cuda::init()?;
/// assert_eq!(n, ferrite::cuda::device_count());
/// # Ok::<(), ferrite::Error>(())
/// ```
pub fn init() -> Result<usize> {
    // ferrite-cuda's `init` runs once and keeps its result (the count, or why it failed).
    #[cfg(feature = "cuda")]
    let count = ferrite_cuda::init()?;
    #[cfg(not(feature = "cuda"))]
    let count = 0;
    Ok(count)
}

/// The number of GPUs tensors can be put on (PyTorch's `torch.cuda.device_count()`): 0 without
/// the `cuda` feature, without a GPU, or when the backend could not start ([`init`] says why).
/// Never panics.
///
/// ```
/// let n = ferrite::cuda::device_count();
/// assert_eq!(ferrite::cuda::is_available(), n > 0);
/// ```
pub fn device_count() -> usize {
    init().unwrap_or(0)
}

/// True when at least one GPU is usable (PyTorch's `torch.cuda.is_available()`).
///
/// ```
/// use ferrite::cuda::{is_available, try_gpu};
/// assert_eq!(is_available(), try_gpu(0) != ferrite::Device::Cpu);
/// ```
pub fn is_available() -> bool {
    device_count() > 0
}

/// GPU `i` if it exists, else the CPU (d2l's `try_gpu(i=0)`): with one GPU, `try_gpu(1)` is the
/// CPU.
///
/// ```
/// use ferrite::Device;
/// use ferrite::cuda::{device_count, try_gpu};
/// assert_eq!(try_gpu(10), if device_count() > 10 { Device::Cuda(10) } else { Device::Cpu });
/// ```
pub fn try_gpu(i: usize) -> Device {
    if device_count() > i { Device::Cuda(i) } else { Device::Cpu }
}

/// Every GPU, or the CPU alone when there is none (d2l's `try_all_gpus()`).
///
/// ```
/// use ferrite::Device;
/// use ferrite::cuda::{device_count, try_all_gpus};
/// let devices = try_all_gpus();
/// if device_count() == 0 {
///     assert_eq!(devices, vec![Device::Cpu]);
/// } else {
///     assert_eq!(devices.len(), device_count());
/// }
/// ```
pub fn try_all_gpus() -> Vec<Device> {
    match device_count() {
        0 => vec![Device::Cpu],
        n => (0..n).map(Device::Cuda).collect(),
    }
}

/// GPU `index`'s name as the driver reports it (PyTorch's `torch.cuda.get_device_name(i)`), e.g.
/// `"NVIDIA H200"`; an error naming the device when that GPU is not available.
///
/// ```
/// match ferrite::cuda::get_device_name(0) {
///     Ok(name) => assert!(!name.is_empty()),
///     Err(e) => assert!(e.to_string().contains("cuda:0")),
/// }
/// ```
pub fn get_device_name(index: usize) -> Result<String> {
    let device = Device::Cuda(index);
    #[cfg(feature = "cuda")]
    if index < init()? {
        return Ok(ferrite_cuda::device(device)?.name()?);
    }
    Err(ferrite_tensor::Error::Backend {
        op: "get_device_name",
        device,
        reason: format!("no such GPU ({} available)", device_count()),
    }
    .into())
}

/// Waits until every op queued on `device` has finished (PyTorch's `torch.cuda.synchronize()`),
/// and reports an out-of-range index that a kernel met since the last wait. Ops on a GPU return
/// as soon as they are queued: time GPU work between two calls of this. Nothing to wait for on
/// the CPU; an error naming the device when that GPU is not available.
///
/// ```
/// use ferrite::prelude::*;
/// let device = try_gpu(0);
/// let x = Tensor::ones_on([256, 256], device)?;
/// let y = x.matmul(&x)?;
/// ferrite::cuda::synchronize(device)?; // y is computed now
/// assert_eq!(y.to_vec::<f32>()?[0], 256.0);
/// # Ok::<(), ferrite::Error>(())
/// ```
pub fn synchronize(device: Device) -> Result<()> {
    if device.is_cpu() {
        return Ok(());
    }
    init()?;
    Ok(crate::core::backend::device_backend(device, "synchronize")?.synchronize()?)
}

/// Lets `f32` matmuls on GPUs use TF32 tensor cores (PyTorch's
/// `torch.backends.cuda.matmul.allow_tf32 = allow`): faster, with inputs rounded to 10 mantissa
/// bits. Off by default, as in PyTorch. No effect on the CPU or without the `cuda` feature.
///
/// ```
/// ferrite::cuda::set_allow_tf32(true);
/// assert_eq!(ferrite::cuda::allow_tf32(), ferrite::cuda::is_built());
/// ferrite::cuda::set_allow_tf32(false);
/// ```
pub fn set_allow_tf32(allow: bool) {
    #[cfg(feature = "cuda")]
    ferrite_cuda::set_allow_tf32(allow);
    #[cfg(not(feature = "cuda"))]
    let _ = allow;
}

/// Whether `f32` matmuls on GPUs may use TF32 (see [`set_allow_tf32`]): always false without the
/// `cuda` feature.
pub fn allow_tf32() -> bool {
    #[cfg(feature = "cuda")]
    return ferrite_cuda::allow_tf32();
    #[cfg(not(feature = "cuda"))]
    false
}

/// PyTorch's `X.cuda(i)` and `X.cpu()` on tensors. A trait of the facade rather than methods of the
/// core because `cuda` starts the CUDA backend on first use, which only the facade can do.
pub trait TensorDeviceExt {
    /// The tensor on GPU `index` (PyTorch's `X.cuda(i)`): a copy, or this very tensor when it is
    /// already there (`Z.cuda(1) is Z`). On a copy, gradients flow back to the original
    /// (`ToCopyBackward0`). An error naming the device when that GPU is not available.
    ///
    /// ```
    /// use ferrite::prelude::*;
    /// let x = Tensor::ones([2, 3]);
    /// match x.cuda(1) {
    ///     Ok(z) => assert!(z.cuda(1)?.is_same(&z)),
    ///     Err(e) => assert!(e.to_string().contains("cuda:1")),
    /// }
    /// # Ok::<(), ferrite::Error>(())
    /// ```
    fn cuda(&self, index: usize) -> Result<Tensor>;

    /// The tensor on the CPU (PyTorch's `X.cpu()`): this very tensor when already there.
    ///
    /// ```
    /// use ferrite::prelude::*;
    /// let x = Tensor::ones([2]);
    /// assert!(x.cpu()?.is_same(&x));
    /// # Ok::<(), ferrite::Error>(())
    /// ```
    fn cpu(&self) -> Result<Tensor>;
}

impl TensorDeviceExt for Tensor {
    fn cuda(&self, index: usize) -> Result<Tensor> {
        let device = Device::Cuda(index);
        let started = init();
        match self.to_device(device) {
            Ok(t) => Ok(t),
            // When the backend could not start, its reason says more than "no such device".
            Err(e) => Err(match started {
                Err(why) => {
                    ferrite_tensor::Error::Backend { op: "cuda", device, reason: why.to_string() }.into()
                }
                Ok(_) => e.into(),
            }),
        }
    }

    fn cpu(&self) -> Result<Tensor> {
        Ok(self.to_device(Device::Cpu)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_follow_the_count() {
        let n = device_count();
        assert_eq!(is_available(), n > 0);
        assert_eq!(try_gpu(0), if n > 0 { Device::Cuda(0) } else { Device::Cpu });
        // d2l's `try_gpu(1)` on a one-GPU machine, and `try_gpu(10)` anywhere we run.
        assert_eq!(try_gpu(1), if n > 1 { Device::Cuda(1) } else { Device::Cpu });
        assert_eq!(try_gpu(n), Device::Cpu);
        let all = try_all_gpus();
        if n == 0 {
            assert_eq!(all, vec![Device::Cpu]);
        } else {
            assert_eq!(all, (0..n).map(Device::Cuda).collect::<Vec<_>>());
        }
    }

    #[test]
    fn init_is_idempotent() {
        assert_eq!(init().ok(), init().ok());
        assert_eq!(init().unwrap_or(0), device_count());
    }

    #[test]
    fn cuda_to_an_absent_gpu_names_it() {
        let x = Tensor::ones([2, 3]);
        let absent = device_count();
        let e = x.cuda(absent).unwrap_err().to_string();
        assert!(e.contains(&format!("cuda:{absent}")), "{e}");
        assert!(x.cpu().unwrap().is_same(&x));
    }
}
