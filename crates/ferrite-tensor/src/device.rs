//! Devices: where a tensor's storage lives.

use std::fmt;
use std::str::FromStr;

/// A compute device. Prints the Rust way (`cpu`, `cuda:0`), which is also PyTorch's `str(device)`,
/// and parses the strings `torch.device` takes (`"cpu"`, `"cuda"`, `"cuda:1"`).
///
/// ```
/// use ferrite_tensor::Device;
/// assert_eq!(Device::Cuda(1).to_string(), "cuda:1");
/// assert_eq!("cuda:1".parse::<Device>()?, Device::Cuda(1));
/// # Ok::<(), ferrite_tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The host CPU.
    #[default]
    Cpu,
    /// The CUDA GPU with this ordinal.
    Cuda(usize),
}

impl Device {
    /// True for [`Device::Cpu`].
    pub fn is_cpu(self) -> bool {
        matches!(self, Device::Cpu)
    }

    /// True for a [`Device::Cuda`] of any ordinal (PyTorch's `device.type == 'cuda'`).
    ///
    /// ```
    /// use ferrite_tensor::Device;
    /// assert!(Device::Cuda(0).is_cuda());
    /// assert!(!Device::Cpu.is_cuda());
    /// ```
    pub fn is_cuda(self) -> bool {
        matches!(self, Device::Cuda(_))
    }

    /// The device's ordinal (PyTorch's `device.index`): `None` for the CPU.
    ///
    /// ```
    /// use ferrite_tensor::Device;
    /// assert_eq!(Device::Cuda(1).index(), Some(1));
    /// assert_eq!(Device::Cpu.index(), None);
    /// ```
    pub fn index(self) -> Option<usize> {
        match self {
            Device::Cpu => None,
            Device::Cuda(i) => Some(i),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

/// `torch.device(s)`: `"cpu"`, `"cuda"` (ordinal 0, which PyTorch treats as the current device,
/// 0 unless changed) or `"cuda:N"`. Whether the device exists is not checked here: as in PyTorch,
/// naming an absent GPU is fine until a tensor is put there.
impl FromStr for Device {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Device> {
        let invalid = || crate::Error::InvalidArgument {
            op: "Device::from_str",
            reason: format!("expected `cpu`, `cuda` or `cuda:<ordinal>`, got {s:?}"),
        };
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            _ => {
                let ordinal = s.strip_prefix("cuda:").ok_or_else(invalid)?;
                // `usize::from_str` takes a leading `+`; PyTorch's parser wants digits only.
                if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                ordinal.parse().map(Device::Cuda).map_err(|_| invalid())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints() {
        for d in [Device::Cpu, Device::Cuda(0), Device::Cuda(1), Device::Cuda(12)] {
            assert_eq!(d.to_string().parse::<Device>().unwrap(), d);
        }
        assert_eq!("cuda".parse::<Device>().unwrap(), Device::Cuda(0));
    }

    #[test]
    fn rejects_what_torch_device_rejects() {
        for s in ["", "gpu", "CPU", "cuda:", "cuda:-1", "cuda:+1", "cuda:1 ", "cuda:99999999999999999999"] {
            let e = s.parse::<Device>().unwrap_err().to_string();
            assert!(e.contains("expected `cpu`, `cuda` or `cuda:<ordinal>`"), "{s:?}: {e}");
        }
    }
}
