//! ferrite's CUDA backend: GPU storages and kernels behind the tensor core's `BackendStorage`
//! and `DeviceBackend` traits.
//!
//! The CUDA libraries are loaded at run time, so this crate builds, and its callers run, on a
//! machine without a GPU or CUDA: there [`device_count`] is 0 and [`init`] registers nothing.
//! Kernels are CUDA C++ in `kernels/*.cu`, compiled to PTX by `cargo xtask kernels` and
//! embedded (see [`kernels`]); matmul goes through cuBLAS. Each GPU has one stream on which every
//! op is queued, and a caching allocator; the host waits only where a value comes back
//! (`to_cpu`: `item`, `to_vec`, printing) or on `synchronize`.
//!
//! Random numbers are drawn on the host by the core's generator and uploaded (the same stream of
//! values as on the CPU, at the cost of a host-to-device copy).
//!
//! ```
//! // On a machine without a GPU this registers nothing and reports zero devices.
//! let n = ferrite_cuda::init()?;
//! assert_eq!(n, ferrite_cuda::device_count());
//! # Ok::<(), ferrite_cuda::Error>(())
//! ```

mod alloc;
mod device;
mod error;
pub mod kernels;
mod layout;
mod ops;
mod storage;

pub use device::CudaDevice;
pub use error::{Error, Result};
pub use storage::CudaStorage;

use ferrite_tensor::Device;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// True when a CUDA driver is installed (libcuda loads). It says nothing about GPUs: see [`device_count`].
pub fn is_driver_present() -> bool {
    // SAFETY: only tries to dlopen the library.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

/// The number of CUDA GPUs (PyTorch's `torch.cuda.device_count()`): 0 without a driver, and
/// never a panic (the driver's functions are only called once the library is known to load).
///
/// ```
/// let n = ferrite_cuda::device_count();
/// assert_eq!(ferrite_cuda::is_available(), n > 0);
/// ```
pub fn device_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        if !is_driver_present() {
            return 0;
        }
        // A driver too old for a symbol cudarc looks up panics: treat that as no usable GPU.
        match std::panic::catch_unwind(cudarc::driver::CudaContext::device_count) {
            Ok(Ok(n)) if n > 0 => n as usize,
            _ => 0,
        }
    })
}

/// True when at least one GPU can be used (PyTorch's `torch.cuda.is_available()`).
pub fn is_available() -> bool {
    device_count() > 0
}

static ALLOW_TF32: AtomicBool = AtomicBool::new(false);

/// Lets `f32` matmuls on the GPU use TF32 tensor cores (PyTorch's
/// `torch.backends.cuda.matmul.allow_tf32 = True`): several times faster on Ampere and later, with
/// inputs rounded to 10 bits of mantissa (products accumulate in f32). Off by default, as in
/// PyTorch, so GPU results match the CPU's to f32 precision. Applies to every device and to
/// matmuls queued after the call.
///
/// ```
/// ferrite_cuda::set_allow_tf32(true);
/// assert!(ferrite_cuda::allow_tf32());
/// ferrite_cuda::set_allow_tf32(false);
/// ```
pub fn set_allow_tf32(allow: bool) {
    ALLOW_TF32.store(allow, Ordering::Relaxed);
}

/// Whether `f32` matmuls may use TF32 (see [`set_allow_tf32`]); false by default.
pub fn allow_tf32() -> bool {
    ALLOW_TF32.load(Ordering::Relaxed)
}

static DEVICES: OnceLock<Result<Vec<CudaDevice>>> = OnceLock::new();

/// Creates a context, a stream and an allocator on every GPU and registers each with the tensor
/// core ([`ferrite_tensor::backend::register_device`]), so `Tensor::to_device(Device::Cuda(i))`
/// works. Idempotent (later calls return the first result); returns the number of devices,
/// 0 without a GPU.
///
/// ```
/// assert_eq!(ferrite_cuda::init()?, ferrite_cuda::init()?);
/// # Ok::<(), ferrite_cuda::Error>(())
/// ```
pub fn init() -> Result<usize> {
    let devices = DEVICES.get_or_init(|| {
        let devices = (0..device_count()).map(CudaDevice::new).collect::<Result<Vec<_>>>()?;
        for d in &devices {
            ferrite_tensor::backend::register_device(Arc::new(d.clone()));
        }
        Ok(devices)
    });
    devices.as_ref().map(Vec::len).map_err(Clone::clone)
}

/// The GPU `device` (after [`init`]), for its memory statistics and cache control.
///
/// ```
/// use ferrite_tensor::Device;
/// ferrite_cuda::init()?;
/// if ferrite_cuda::device_count() == 0 {
///     assert!(ferrite_cuda::device(Device::Cuda(0)).is_err());
/// }
/// # Ok::<(), ferrite_cuda::Error>(())
/// ```
pub fn device(device: Device) -> Result<CudaDevice> {
    let count = init()?;
    let missing = Error::NoSuchDevice { op: "device", device, count };
    let Device::Cuda(i) = device else { return Err(missing) };
    let devices = DEVICES.get().and_then(|d| d.as_ref().ok());
    devices.and_then(|d| d.get(i)).cloned().ok_or(missing)
}
