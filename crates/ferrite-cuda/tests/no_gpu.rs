//! Checks that need no GPU: the crate degrades cleanly without a driver, and the embedded PTX is
//! complete (every kernel the Rust side launches is an entry of its module), so a renamed or
//! missing kernel is caught on any machine.

use ferrite_cuda::kernels::{Module, all_kernel_names};
use ferrite_tensor::{Device, Tensor};
use std::collections::HashSet;

#[test]
fn without_a_driver_there_are_no_devices_and_nothing_panics() {
    let count = ferrite_cuda::device_count();
    assert_eq!(ferrite_cuda::init().unwrap(), count);
    assert_eq!(ferrite_cuda::init().unwrap(), count, "init is idempotent");
    assert_eq!(ferrite_cuda::is_available(), count > 0);
    if !ferrite_cuda::is_driver_present() {
        assert_eq!(count, 0);
    }
    // The first ordinal past the last GPU (cuda:0 here) is a clear error, not a panic.
    let x = Tensor::ones([2, 3]);
    let err = x.to_device(Device::Cuda(count)).unwrap_err().to_string();
    assert!(err.contains(&format!("cuda:{count}")) && err.contains("no such device"), "{err}");
    assert!(ferrite_cuda::device(Device::Cuda(count)).is_err());
}

#[test]
fn every_module_is_embedded_for_compute_80_and_a_cuda_13_0_driver() {
    for m in Module::ALL {
        let ptx = m.ptx();
        assert!(
            ptx.starts_with(&format!("// ferrite-cuda kernel module {}: source sha256 ", m.name())),
            "{}",
            m.name()
        );
        assert!(ptx.contains(".target sm_80"), "ptx/{}.ptx targets compute_80", m.name());
        // The CUDA 13.0 driver of the GPU machines reads PTX ISA up to 9.0.
        let version = ptx.lines().find_map(|l| l.strip_prefix(".version ")).expect(".version line");
        let (major, minor) = version.trim().split_once('.').unwrap();
        let v: (u32, u32) = (major.parse().unwrap(), minor.parse().unwrap());
        assert!(v <= (9, 0), "ptx/{}.ptx is PTX ISA {version}, newer than CUDA 13.0 accepts", m.name());
    }
}

/// `.visible .entry name(` lines of a PTX module.
fn entries(ptx: &str) -> HashSet<&str> {
    ptx.lines()
        .filter_map(|l| l.trim_start().strip_prefix(".visible .entry "))
        .map(|rest| rest.split('(').next().unwrap().trim())
        .collect()
}

#[test]
fn every_kernel_the_backend_launches_is_in_its_ptx() {
    let names = all_kernel_names();
    assert!(names.len() > 200, "{} kernels", names.len());
    let mut missing = Vec::new();
    for m in Module::ALL {
        let have = entries(m.ptx());
        assert!(!have.is_empty(), "ptx/{}.ptx has no entries", m.name());
        missing.extend(
            names.iter().filter(|(mm, n)| *mm == m && !have.contains(n.as_str())).map(|(_, n)| n.clone()),
        );
    }
    assert!(missing.is_empty(), "kernels launched but not in the PTX: {missing:?}");
}
