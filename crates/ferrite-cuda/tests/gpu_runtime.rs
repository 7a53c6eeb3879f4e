//! GPU runtime behaviour that needs the device to itself (its own test process): the allocator's
//! reuse, the count of host synchronisations, and index errors raised by kernels, which surface at
//! the next read-back of any tensor of the device. Skips with a message when no GPU is present.

use ferrite_cuda::CudaDevice;
use ferrite_tensor::backend::{BackendStorage, DeviceBackend};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, UnaryOp};
use ferrite_tensor::{Device, Layout};

fn pair(d: &CudaDevice, c: CpuStorage) -> (CpuStorage, Box<dyn BackendStorage>) {
    let g = d.upload(&c).expect("upload");
    (c, g)
}

/// One test, run in order: the checks below would disturb each other's counts if run in parallel.
#[test]
fn allocator_syncs_and_index_errors() {
    if ferrite_cuda::init().expect("init") == 0 {
        eprintln!("allocator_syncs_and_index_errors: skipped, no CUDA device");
        return;
    }
    let d = ferrite_cuda::device(Device::Cuda(0)).expect("cuda:0");
    mixed_devices_and_the_allocator(&d);
    out_of_bounds_indices_are_reported_at_the_next_read_back(&d);
}

fn out_of_bounds_indices_are_reported_at_the_next_read_back(d: &CudaDevice) {
    let (_, g) = pair(d, CpuStorage::F32((0..24).map(|i| i as f32).collect()));
    let (_, gi) = pair(d, CpuStorage::I64(vec![0, 9].into()));
    let out = g.index_select(&Layout::contiguous([4, 6]), &*gi, &Layout::contiguous([2]), 0).unwrap();
    let err = out.to_cpu(&Layout::contiguous([2, 6])).unwrap_err().to_string();
    assert!(err.contains("index_select") && err.contains("out-of-bounds"), "{err}");
    // The error is reported once; the device goes on working.
    assert!(g.to_cpu(&Layout::contiguous([24])).is_ok());
}

fn mixed_devices_and_the_allocator(d: &CudaDevice) {
    let (c, g) = pair(d, CpuStorage::F32((0..24).map(|i| i as f32 / 8.0).collect()));
    let l = Layout::contiguous([24]);
    let err = g.binary(BinaryOp::Add, &l, &c, &l).unwrap_err().to_string();
    assert!(err.contains("cuda:0") && err.contains("cpu"), "{err}");
    // A freed block is reused: a loop of same-sized ops stops growing the device's footprint.
    let step = || g.unary(UnaryOp::Exp, &l).unwrap().binary(BinaryOp::Mul, &l, &*g, &l).unwrap();
    let _ = step();
    let (before, syncs) = (d.memory_stats(), d.sync_count());
    for _ in 0..100 {
        let _ = step();
    }
    assert_eq!(d.memory_stats(), before);
    // Ops queue work and never wait; one read-back waits once.
    assert_eq!(d.sync_count(), syncs);
    let _ = g.to_cpu(&l).unwrap();
    assert_eq!(d.sync_count(), syncs + 1);
    d.synchronize().unwrap();
    d.empty_cache().unwrap();
    assert_eq!(d.memory_stats().1, 0);
}
