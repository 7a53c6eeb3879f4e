//! Snapshot tests for `Display`: every expected string is Python's `repr(t)` from PyTorch 2.x with
//! the default print options, copied verbatim.

use ferrite_tensor::backend::BackendStorage;
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, ReduceOp, UnaryOp};
use ferrite_tensor::{DType, Device, Layout, Result, Scalar, Tensor, tensor};
use std::any::Any;

/// Asserts `t` prints as `expected` (a Python `repr`).
fn check(t: &Tensor, expected: &str) {
    assert_eq!(t.to_string(), expected, "\n--- got:\n{t}\n--- expected:\n{expected}");
}

/// `torch.tensor([1.0, 2, 4, 8])` and `torch.tensor([2, 2, 2, 2])`, d2l's operator examples.
fn d2l_xy() -> (Tensor, Tensor) {
    (tensor!([1.0, 2.0, 4.0, 8.0]), tensor!([2, 2, 2, 2]))
}

#[test]
fn display_integers() -> Result<()> {
    check(&Tensor::arange(12)?, "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])");
    check(&tensor!([[1, -20], [300, 4]]), "tensor([[  1, -20],\n        [300,   4]])");
    check(&tensor!([-1, 10, -100]), "tensor([  -1,   10, -100])");
    check(&tensor!([1_000_000_000_000_000i64, -3]), "tensor([1000000000000000,               -3])");
    check(&Tensor::arange(6)?.reshape([2, 3])?.t()?, "tensor([[0, 3],\n        [1, 4],\n        [2, 5]])");
    Ok(())
}

#[test]
fn display_uint8_shows_dtype() {
    check(&tensor!([1, 2, 255], DType::U8), "tensor([  1,   2, 255], dtype=torch.uint8)");
    check(
        &tensor!([[0, 10], [200, 7]], DType::U8),
        "tensor([[  0,  10],\n        [200,   7]], dtype=torch.uint8)",
    );
}

#[test]
fn display_bool() -> Result<()> {
    let (x, y) = d2l_xy();
    check(&x.eq(&y)?, "tensor([False,  True, False, False])");
    check(&tensor!([[true, false], [false, true]]), "tensor([[ True, False],\n        [False,  True]])");
    check(&tensor!([true, true]), "tensor([True, True])");
    Ok(())
}

#[test]
fn display_d2l_operators() -> Result<()> {
    let (x, y) = d2l_xy();
    check(&x.pow(&y)?, "tensor([ 1.,  4., 16., 64.])");
    check(&x.add(&y)?, "tensor([ 3.,  4.,  6., 10.])");
    check(&x.div(&y)?, "tensor([0.5000, 1.0000, 2.0000, 4.0000])");
    check(&x.exp()?, "tensor([2.7183e+00, 7.3891e+00, 5.4598e+01, 2.9810e+03])");
    Ok(())
}

#[test]
fn display_float_matrices_and_blocks() -> Result<()> {
    check(
        &Tensor::arange(12)?.float()?.reshape([3, 4])?,
        "tensor([[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  6.,  7.],\n        [ 8.,  9., 10., 11.]])",
    );
    check(&Tensor::zeros([2, 3]), "tensor([[0., 0., 0.],\n        [0., 0., 0.]])");
    check(
        &Tensor::arange(40)?.float()?.reshape([2, 5, 4])?,
        "tensor([[[ 0.,  1.,  2.,  3.],\n         [ 4.,  5.,  6.,  7.],\n         [ 8.,  9., 10., 11.],\n         \
         [12., 13., 14., 15.],\n         [16., 17., 18., 19.]],\n\n        [[20., 21., 22., 23.],\n         \
         [24., 25., 26., 27.],\n         [28., 29., 30., 31.],\n         [32., 33., 34., 35.],\n         \
         [36., 37., 38., 39.]]])",
    );
    check(
        &Tensor::arange(16)?.reshape([2, 2, 2, 2])?,
        "tensor([[[[ 0,  1],\n          [ 2,  3]],\n\n         [[ 4,  5],\n          [ 6,  7]]],\n\n\n        \
         [[[ 8,  9],\n          [10, 11]],\n\n         [[12, 13],\n          [14, 15]]]])",
    );
    Ok(())
}

#[test]
fn display_float64_shows_dtype() -> Result<()> {
    check(&tensor!([1.0, 2.5, 3.0], DType::F64), "tensor([1.0000, 2.5000, 3.0000], dtype=torch.float64)");
    check(&Tensor::arange(4)?.double()?, "tensor([0., 1., 2., 3.], dtype=torch.float64)");
    check(
        &Tensor::from_vec(vec![1e-300f64, 1.0], [2])?,
        "tensor([1.0000e-300,  1.0000e+00], dtype=torch.float64)",
    );
    Ok(())
}

#[test]
fn display_scientific_notation() {
    check(&tensor!([7.4506e-09]), "tensor([7.4506e-09])");
    check(&tensor!([1.0, 7.4506e-09, -2.5]), "tensor([ 1.0000e+00,  7.4506e-09, -2.5000e+00])");
    check(&tensor!([127500.0, 1.0]), "tensor([1.2750e+05, 1.0000e+00])");
    check(&tensor!([127500.0, 127600.0, -3.0]), "tensor([ 1.2750e+05,  1.2760e+05, -3.0000e+00])");
    check(&tensor!([1e9, 2e9]), "tensor([1.0000e+09, 2.0000e+09])");
    check(&tensor!([-1e-5, 1.0]), "tensor([-1.0000e-05,  1.0000e+00])");
    check(&tensor!([-1.5, 0.00004, 2.25]), "tensor([-1.5000e+00,  4.0000e-05,  2.2500e+00])");
}

#[test]
fn display_negative_zero() {
    check(&tensor!([-0.0, 1.5]), "tensor([-0.0000, 1.5000])");
    check(&tensor!([-0.0, 2.0]), "tensor([-0., 2.])");
}

#[test]
fn display_nan_and_inf() {
    check(&tensor!([1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]), "tensor([1., nan, inf, -inf])");
    check(&tensor!([f64::NAN]), "tensor([nan])");
    check(&tensor!([0.5, f64::NAN, f64::NEG_INFINITY]), "tensor([0.5000,    nan,   -inf])");
    check(&tensor!([1e10, f64::NAN]), "tensor([1.0000e+10,        nan])");
}

#[test]
fn display_zero_dim() -> Result<()> {
    check(&tensor!(3.0), "tensor(3.)");
    check(&tensor!(3), "tensor(3)");
    check(&tensor!(true), "tensor(True)");
    check(&tensor!(-0.5), "tensor(-0.5000)");
    check(&tensor!(0.0), "tensor(0.)");
    check(&Tensor::arange(12)?.float()?.sum_all()?, "tensor(66.)");
    check(&tensor!(2.5, DType::F64), "tensor(2.5000, dtype=torch.float64)");
    Ok(())
}

#[test]
fn display_empty() -> Result<()> {
    check(&Tensor::zeros([0, 3]), "tensor([], size=(0, 3))");
    check(&Tensor::from_vec(Vec::<f32>::new(), [0])?, "tensor([])");
    check(&Tensor::zeros_dtype([0], DType::I64), "tensor([], dtype=torch.int64)");
    check(&Tensor::zeros_dtype([2, 0], DType::F64), "tensor([], size=(2, 0), dtype=torch.float64)");
    check(&Tensor::zeros_dtype([0], DType::Bool), "tensor([], dtype=torch.bool)");
    check(&Tensor::zeros_dtype([0, 2], DType::U8), "tensor([], size=(0, 2), dtype=torch.uint8)");
    Ok(())
}

#[test]
fn display_summarizes_beyond_threshold() -> Result<()> {
    check(
        &Tensor::arange(2000)?.float()?,
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
    );
    check(&Tensor::arange(1001)?, "tensor([   0,    1,    2,  ...,  998,  999, 1000])");
    let flags: Vec<bool> = (0..2000).map(|i| i % 3 == 0).collect();
    check(&Tensor::from_vec(flags, [2000])?, "tensor([ True, False, False,  ..., False,  True, False])");
    check(
        &Tensor::arange(1200)?.reshape([6, 200])?,
        "tensor([[   0,    1,    2,  ...,  197,  198,  199],\n        [ 200,  201,  202,  ...,  397,  398,  399],\n        \
         [ 400,  401,  402,  ...,  597,  598,  599],\n        [ 600,  601,  602,  ...,  797,  798,  799],\n        \
         [ 800,  801,  802,  ...,  997,  998,  999],\n        [1000, 1001, 1002,  ..., 1197, 1198, 1199]])",
    );
    Ok(())
}

#[test]
fn display_summarizes_matrices() -> Result<()> {
    check(
        &Tensor::arange(2000)?.float()?.reshape([40, 50])?.div(7)?,
        "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 6.7143e+00, 6.8571e+00,\n         7.0000e+00],\n        \
         [7.1429e+00, 7.2857e+00, 7.4286e+00,  ..., 1.3857e+01, 1.4000e+01,\n         1.4143e+01],\n        \
         [1.4286e+01, 1.4429e+01, 1.4571e+01,  ..., 2.1000e+01, 2.1143e+01,\n         2.1286e+01],\n        \
         ...,\n        \
         [2.6429e+02, 2.6443e+02, 2.6457e+02,  ..., 2.7100e+02, 2.7114e+02,\n         2.7129e+02],\n        \
         [2.7143e+02, 2.7157e+02, 2.7171e+02,  ..., 2.7814e+02, 2.7829e+02,\n         2.7843e+02],\n        \
         [2.7857e+02, 2.7871e+02, 2.7886e+02,  ..., 2.8529e+02, 2.8543e+02,\n         2.8557e+02]])",
    );
    // A transposed (non-contiguous) view: the summarized elements are read through its strides.
    check(
        &Tensor::arange(2000)?.reshape([40, 50])?.t()?,
        "tensor([[   0,   50,  100,  ..., 1850, 1900, 1950],\n        [   1,   51,  101,  ..., 1851, 1901, 1951],\n        \
         [   2,   52,  102,  ..., 1852, 1902, 1952],\n        ...,\n        \
         [  47,   97,  147,  ..., 1897, 1947, 1997],\n        [  48,   98,  148,  ..., 1898, 1948, 1998],\n        \
         [  49,   99,  149,  ..., 1899, 1949, 1999]])",
    );
    Ok(())
}

/// `repr(torch.arange(8000).reshape(20, 20, 20))`, built block by block: rows `r` of block `b`.
fn summarized_cube() -> String {
    let row = |b: usize, r: usize| {
        let v = |c: usize| format!("{:>4}", 400 * b + 20 * r + c);
        format!("[{}, {}, {},  ..., {}, {}, {}]", v(0), v(1), v(2), v(17), v(18), v(19))
    };
    let block = |b: usize| {
        let rows: Vec<String> = [0, 1, 2].iter().map(|&r| row(b, r)).collect();
        let tail: Vec<String> = [17, 18, 19].iter().map(|&r| row(b, r)).collect();
        format!("[{},\n         ...,\n         {}]", rows.join(",\n         "), tail.join(",\n         "))
    };
    let head: Vec<String> = [0, 1, 2].iter().map(|&b| block(b)).collect();
    let tail: Vec<String> = [17, 18, 19].iter().map(|&b| block(b)).collect();
    format!(
        "tensor([{},\n\n        ...,\n\n        {}])",
        head.join(",\n\n        "),
        tail.join(",\n\n        ")
    )
}

#[test]
fn display_summarizes_3d() -> Result<()> {
    let expected = summarized_cube();
    // Spot-check the generator against lines copied from PyTorch's output.
    assert!(expected.starts_with("tensor([[[   0,    1,    2,  ...,   17,   18,   19],\n         [  20,"));
    assert!(
        expected.contains("[1180, 1181, 1182,  ..., 1197, 1198, 1199]],\n\n        ...,\n\n        [[6800,")
    );
    assert!(expected.ends_with("[7980, 7981, 7982,  ..., 7997, 7998, 7999]]])"));
    check(&Tensor::arange(8000)?.reshape([20, 20, 20])?, &expected);
    Ok(())
}

#[test]
fn display_wraps_long_rows() -> Result<()> {
    let sevenths: Vec<f32> = (0..30).map(|i| (i as f64 / 7.0) as f32).collect();
    check(
        &Tensor::from_vec(sevenths.clone(), [30])?,
        "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n        \
         1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n        \
         2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n        \
         3.8571, 4.0000, 4.1429])",
    );
    check(
        &Tensor::arange(100)?,
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n        \
         18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n        \
         36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53,\n        \
         54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n        \
         72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,\n        \
         90, 91, 92, 93, 94, 95, 96, 97, 98, 99])",
    );
    let mut rows = sevenths;
    rows.extend((0..30).map(|i| (i as f64 / 3.0) as f32));
    check(
        &Tensor::from_vec(rows, [2, 30])?,
        "tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n         \
         1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n         \
         2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n         \
         3.8571, 4.0000, 4.1429],\n        \
         [0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n         \
         3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n         \
         6.0000, 6.3333, 6.6667, 7.0000, 7.3333, 7.6667, 8.0000, 8.3333, 8.6667,\n         \
         9.0000, 9.3333, 9.6667]])",
    );
    Ok(())
}

#[test]
fn display_suffixes_wrap_to_a_new_line() -> Result<()> {
    let thirds = Tensor::arange(9)?.double()?.div(3)?;
    check(
        &thirds,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667],\n       \
         dtype=torch.float64)",
    );
    check(
        &thirds.requires_grad_(true)?,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667],\n       \
         dtype=torch.float64, requires_grad=True)",
    );
    check(
        &Tensor::arange(18)?.double()?.reshape([2, 9])?.div(3)?,
        "tensor([[0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667],\n        \
         [3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667]],\n       \
         dtype=torch.float64)",
    );
    check(
        &Tensor::arange(10)?.double()?.div(3)?,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n        \
         3.0000], dtype=torch.float64)",
    );
    check(
        &Tensor::arange(10)?.float()?.div(3)?.requires_grad_(true)?,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n        \
         3.0000], requires_grad=True)",
    );
    Ok(())
}

#[test]
fn display_requires_grad_and_grad_fn() -> Result<()> {
    check(&Tensor::ones([3]).requires_grad_(true)?, "tensor([1., 1., 1.], requires_grad=True)");
    check(
        &Tensor::ones([2, 2]).requires_grad_(true)?,
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
    );
    let a = Tensor::arange(4)?.float()?.requires_grad_(true)?;
    check(&a.dot(&a)?.mul(2)?, "tensor(28., grad_fn=<MulBackward0>)");
    check(&a.mul(&a)?, "tensor([0., 1., 4., 9.], grad_fn=<MulBackward0>)");
    check(&a.sum_all()?, "tensor(6., grad_fn=<SumBackward0>)");
    check(&a.exp()?, "tensor([ 1.0000,  2.7183,  7.3891, 20.0855], grad_fn=<ExpBackward0>)");
    check(&a.pow(2)?, "tensor([0., 1., 4., 9.], grad_fn=<PowBackward0>)");
    let b = Tensor::from_vec(vec![1.0f64, 2.0], [2])?.requires_grad_(true)?;
    check(&b, "tensor([1., 2.], dtype=torch.float64, requires_grad=True)");
    check(&b.mul(&b)?, "tensor([1., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)");
    Ok(())
}

/// A host storage that claims to live on `cuda:0`, to check the `device=` suffix without a GPU.
#[derive(Debug)]
struct FakeCuda(CpuStorage);

impl BackendStorage for FakeCuda {
    fn device(&self) -> Device {
        Device::Cuda(0)
    }
    fn dtype(&self) -> DType {
        self.0.dtype()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage> {
        self.0.to_cpu(layout)
    }
    fn copy_strided(&self, layout: &Layout) -> Result<Box<dyn BackendStorage>> {
        self.0.copy_strided(layout)
    }
    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Box<dyn BackendStorage>> {
        self.0.cast(layout, dtype)
    }
    fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<Box<dyn BackendStorage>> {
        self.0.unary(op, layout)
    }
    fn binary(
        &self,
        op: BinaryOp,
        l: &Layout,
        rhs: &dyn BackendStorage,
        rl: &Layout,
    ) -> Result<Box<dyn BackendStorage>> {
        self.0.binary(op, l, rhs, rl)
    }
    fn where_cond(
        &self,
        l: &Layout,
        t: &dyn BackendStorage,
        tl: &Layout,
        f: &dyn BackendStorage,
        fl: &Layout,
    ) -> Result<Box<dyn BackendStorage>> {
        self.0.where_cond(l, t, tl, f, fl)
    }
    fn reduce(&self, op: ReduceOp, layout: &Layout, dims: &[usize]) -> Result<Box<dyn BackendStorage>> {
        self.0.reduce(op, layout, dims)
    }
    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Box<dyn BackendStorage>> {
        self.0.cumsum(layout, dim)
    }
    fn matmul(&self, l: &Layout, rhs: &dyn BackendStorage, rl: &Layout) -> Result<Box<dyn BackendStorage>> {
        self.0.matmul(l, rhs, rl)
    }
    fn index_select(
        &self,
        l: &Layout,
        i: &dyn BackendStorage,
        il: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        self.0.index_select(l, i, il, dim)
    }
    fn gather(
        &self,
        l: &Layout,
        i: &dyn BackendStorage,
        il: &Layout,
        dim: usize,
    ) -> Result<Box<dyn BackendStorage>> {
        self.0.gather(l, i, il, dim)
    }
    fn scatter_add(
        &mut self,
        l: &Layout,
        i: &dyn BackendStorage,
        il: &Layout,
        s: &dyn BackendStorage,
        sl: &Layout,
        dim: usize,
    ) -> Result<()> {
        self.0.scatter_add(l, i, il, s, sl, dim)
    }
    fn index_add(
        &mut self,
        l: &Layout,
        i: &dyn BackendStorage,
        il: &Layout,
        s: &dyn BackendStorage,
        sl: &Layout,
        dim: usize,
    ) -> Result<()> {
        self.0.index_add(l, i, il, s, sl, dim)
    }
    fn copy_from(&mut self, l: &Layout, s: &dyn BackendStorage, sl: &Layout) -> Result<()> {
        self.0.copy_from(l, s, sl)
    }
    fn binary_inplace(
        &mut self,
        op: BinaryOp,
        l: &Layout,
        rhs: &dyn BackendStorage,
        rl: &Layout,
    ) -> Result<()> {
        self.0.binary_inplace(op, l, rhs, rl)
    }
    fn fill(&mut self, l: &Layout, value: Scalar) -> Result<()> {
        self.0.fill(l, value)
    }
}

fn on_fake_cuda(data: CpuStorage, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_storage(Box::new(FakeCuda(data)), shape)
}

/// Expected strings follow `_str_intern`: `device=` comes first, before `size=` and `dtype=`.
#[test]
fn display_device_suffix() -> Result<()> {
    check(&on_fake_cuda(CpuStorage::F32(vec![1.0, 2.0].into()), &[2])?, "tensor([1., 2.], device='cuda:0')");
    check(
        &on_fake_cuda(CpuStorage::F64(vec![0.5].into()), &[1])?,
        "tensor([0.5000], device='cuda:0', dtype=torch.float64)",
    );
    check(
        &on_fake_cuda(CpuStorage::F32(vec![].into()), &[0, 3])?,
        "tensor([], device='cuda:0', size=(0, 3))",
    );
    let w = on_fake_cuda(CpuStorage::F32(vec![1.0, 2.0].into()), &[2])?.requires_grad_(true)?;
    check(&w, "tensor([1., 2.], device='cuda:0', requires_grad=True)");
    Ok(())
}
