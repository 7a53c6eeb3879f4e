//! What the backend queues for an op, checked without a GPU on a recording device: transposed
//! matmul operands are passed to cuBLAS as transposes (no copy), TF32 only when asked for, only unaddressable layouts are
//! copied, long reductions take two launches, dense copies are memcpys, and ops never wait.

use ferrite_cuda::CudaDevice;
use ferrite_tensor::backend::{BackendStorage, DeviceBackend};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, ReduceOp};
use ferrite_tensor::{Layout, Shape};

fn upload(d: &CudaDevice, n: usize) -> Box<dyn BackendStorage> {
    d.upload(&CpuStorage::F32(vec![0.0; n].into())).unwrap()
}

#[test]
fn matmul_passes_transposes_to_cublas_and_copies_only_what_it_cannot_read() {
    let d = CudaDevice::recording(0);
    let (a, b) = (upload(&d, 2 * 8 * 6), upload(&d, 2 * 6 * 4));
    let dense_a = Layout::contiguous([2, 8, 6]);
    let b_t = Layout::contiguous([2, 4, 6]).transpose(1, 2);
    a.matmul(&dense_a, &*b, &b_t).unwrap();
    assert_eq!(d.recorded_launches(), ["gemm_f32 (4, 8, 6, 6, 6, 4)"]);
    // x @ W.t() with a broadcast batch: still one call, batch stride 0.
    let w_t = Layout::new(Shape::from([2, 6, 4]), vec![0, 1, 6], 0);
    a.matmul(&dense_a, &*b, &w_t).unwrap();
    assert_eq!(d.recorded_launches(), ["gemm_f32 (4, 8, 6, 6, 6, 4)"]);
    // Every other column: no unit stride, so `a` is made dense first.
    let big = upload(&d, 2 * 8 * 12);
    let strided = Layout::contiguous([2, 8, 12]).slice(2, 0, 6, 2);
    big.matmul(&strided, &*b, &Layout::contiguous([2, 6, 4])).unwrap();
    assert_eq!(d.recorded_launches(), ["copy_f32", "gemm_f32 (4, 8, 6, 4, 6, 4)"]);
    // TF32 only when asked for (no other test of this binary runs a matmul, so the switch is ours).
    ferrite_cuda::set_allow_tf32(true);
    a.matmul(&dense_a, &*b, &b_t).unwrap();
    ferrite_cuda::set_allow_tf32(false);
    assert_eq!(d.recorded_launches(), ["gemm_f32_tf32 (4, 8, 6, 6, 6, 4)"]);
    a.matmul(&dense_a, &*b, &b_t).unwrap();
    assert_eq!(d.recorded_launches(), ["gemm_f32 (4, 8, 6, 6, 6, 4)"]);
}

#[test]
fn long_rows_reduce_in_two_launches_and_short_ones_in_one() {
    let d = CudaDevice::recording(0);
    let x = upload(&d, 1 << 20);
    x.reduce(ReduceOp::Sum, &Layout::contiguous([1 << 20]), &[0]).unwrap();
    assert_eq!(d.recorded_launches(), ["reduce_sum_f32", "reduce_sum_f32"]);
    x.reduce(ReduceOp::ArgMax, &Layout::contiguous([1 << 20]), &[0]).unwrap();
    assert_eq!(d.recorded_launches(), ["reduce_argmax_f32"]);
    x.reduce(ReduceOp::Max, &Layout::contiguous([1024, 1024]), &[1]).unwrap();
    assert_eq!(d.recorded_launches(), ["reduce_max_f32"]);
}

#[test]
fn dense_copies_are_memcpys_and_ops_never_wait() {
    let d = CudaDevice::recording(0);
    let x = upload(&d, 24);
    let syncs = d.sync_count();
    x.copy_strided(&Layout::contiguous_with_offset([4, 5], 4)).unwrap();
    assert!(d.recorded_launches().is_empty());
    x.copy_strided(&Layout::contiguous([4, 6]).transpose(0, 1)).unwrap();
    assert_eq!(d.recorded_launches(), ["copy_f32"]);
    let l = Layout::contiguous([24]);
    let y = x.binary(BinaryOp::Add, &l, &*x, &l).unwrap();
    y.binary(BinaryOp::Lt, &l, &*x, &l).unwrap();
    assert_eq!(d.recorded_launches(), ["binary_add_f32", "binary_lt_f32"]);
    assert_eq!(d.sync_count(), syncs, "ops queue work without waiting");
    y.to_cpu(&l).unwrap();
    assert_eq!(d.sync_count(), syncs + 1, "a read-back waits once");
}
