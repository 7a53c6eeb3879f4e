//! The CUDA backend's error type; every variant names the op and the device, and converts into
//! the core's [`ferrite_tensor::Error::Backend`] (the form the `BackendStorage` methods return).

use ferrite_tensor::Device;

/// Errors of the CUDA backend.
///
/// ```
/// use ferrite_cuda::Error;
/// use ferrite_tensor::Device;
/// let e = Error::NoSuchDevice { op: "to", device: Device::Cuda(1), count: 0 };
/// assert_eq!(e.to_string(), "to: device cuda:1 does not exist (0 CUDA devices found)");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ordinal past the number of GPUs (or no driver at all).
    #[error("{op}: device {device} does not exist ({count} CUDA devices found)")]
    NoSuchDevice {
        /// The operation.
        op: &'static str,
        /// The device asked for.
        device: Device,
        /// How many there are.
        count: usize,
    },
    /// A CUDA driver call failed (out of memory, a failed launch, a module that did not load).
    #[error("{op} on {device}: CUDA driver error {reason}")]
    Driver {
        /// The operation.
        op: &'static str,
        /// The device.
        device: Device,
        /// The driver's error code and what was being done.
        reason: String,
    },
    /// A cuBLAS call failed, or libcublas could not be loaded.
    #[error("{op} on {device}: cuBLAS error {reason}")]
    Cublas {
        /// The operation.
        op: &'static str,
        /// The device.
        device: Device,
        /// The library's status or the loading failure.
        reason: String,
    },
    /// A layout the kernels cannot address (more than 8 dims that do not merge, sizes over i32 for cuBLAS).
    #[error("{op} on {device}: unsupported layout: {reason}")]
    Layout {
        /// The operation.
        op: &'static str,
        /// The device.
        device: Device,
        /// What is out of range.
        reason: String,
    },
    /// A launch whose arguments do not match its kernel's parameters (a bug: the Rust side and
    /// kernels/*.cu drifted apart); checked before launching.
    #[error("{op} on {device}: kernel ABI mismatch: {reason}")]
    Abi {
        /// The operation.
        op: &'static str,
        /// The device.
        device: Device,
        /// The kernel and the sizes on both sides.
        reason: String,
    },
    /// A kernel found an out-of-bounds index. Kernels run asynchronously, so this is reported at
    /// the next synchronisation (a read-back or `synchronize`), like PyTorch's device-side assert.
    #[error(
        "{op} on {device}: an earlier {kernel} kernel met an out-of-bounds index (reported at this synchronisation); the affected elements were skipped"
    )]
    DeviceIndex {
        /// The operation that synchronised.
        op: &'static str,
        /// The device.
        device: Device,
        /// The op whose kernel raised it.
        kernel: &'static str,
    },
}

/// `Result` with the CUDA backend's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for ferrite_tensor::Error {
    fn from(e: Error) -> Self {
        let (op, device) = match &e {
            Error::NoSuchDevice { op, device, .. }
            | Error::Driver { op, device, .. }
            | Error::Cublas { op, device, .. }
            | Error::Layout { op, device, .. }
            | Error::Abi { op, device, .. }
            | Error::DeviceIndex { op, device, .. } => (*op, *device),
        };
        // The core's message is "{op} on {device}: {reason}": keep only what follows that prefix.
        let text = e.to_string();
        let prefix = format!("{op} on {device}: ");
        let reason = text.strip_prefix(&prefix).map(str::to_owned).unwrap_or(text);
        ferrite_tensor::Error::Backend { op, device, reason }
    }
}
