//! d2l "linear algebra" (线性代数), cell by cell: each test runs one code cell of the notes
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "3 线性代数", plus the d2l cells its
//! prose refers to: `len`, `.shape`, `A.T`, symmetric `B == B.T`, `mean`, `mm(A, B)`) with the
//! same shape of code and checks the values exactly, then the printed text.
//!
//! Printed text is what PyTorch really prints; tuples print as IPython does (see
//! [`ipython_tuple`]), because the notes show Jupyter's output. Where the notes' hand-copied text
//! differs (the `np.arange` cell shows NumPy's `array(...)`), the test says so.

use ferrite::prelude::*;
use ferrite_tests::{assert_prints, assert_tuple_prints, assert_values};

/// Python's repr of a `torch.Size` (ferrite's `Shape` prints as a plain list).
fn torch_size(t: &Tensor) -> String {
    format!("torch.Size({:?})", t.dims())
}

/// d2l's `A = torch.arange(20, dtype=torch.float32).reshape(5, 4)`.
fn a_5x4() -> Result<Tensor> {
    Ok(Tensor::arange(20)?.to_dtype(DType::F32)?.reshape([5, 4])?)
}

fn a_values() -> Vec<f32> {
    (0..20).map(|v| v as f32).collect()
}

/// Row-major values of the `rows x cols` product of two row-major matrices, summed in f64.
fn naive_mm(a: &[f32], b: &[f32], rows: usize, inner: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            let s: f64 = (0..inner).map(|k| f64::from(a[i * inner + k]) * f64::from(b[k * cols + j])).sum();
            out[i * cols + j] = s as f32;
        }
    }
    out
}

const A_TEXT: &str = "tensor([[ 0.,  1.,  2.,  3.],
        [ 4.,  5.,  6.,  7.],
        [ 8.,  9., 10., 11.],
        [12., 13., 14., 15.],
        [16., 17., 18., 19.]])";

// ---- 01 标量 -------------------------------------------------------------------------------

/// `x = torch.tensor(3.0); y = torch.tensor(2.0); x + y, x * y, x / y, x**y`
#[test]
fn scalars() -> Result<()> {
    let x = tensor!(3.0);
    let y = tensor!(2.0);
    let (sum, prod, quot, pow) = (&x + &y, &x * &y, &x / &y, x.pow(&y)?);
    for (t, v) in [(&sum, 5.0f32), (&prod, 6.0), (&quot, 1.5), (&pow, 9.0)] {
        assert_values(t, DType::F32, &[], &[v]);
    }
    assert_tuple_prints(&[&sum, &prod, &quot, &pow], "(tensor(5.), tensor(6.), tensor(1.5000), tensor(9.))");
    Ok(())
}

// ---- 02 向量; 03 长度、维度和形状 ----------------------------------------------------------

/// `x = torch.arange(4)`, `x[3]`, `len(x)`, `x.shape`
#[test]
fn vectors_index_len_shape() -> Result<()> {
    let x = Tensor::arange(4)?;
    assert_values(&x, DType::I64, &[4], &[0i64, 1, 2, 3]);
    let x3 = x.i(s![3])?;
    assert_values(&x3, DType::I64, &[], &[3i64]);
    assert_eq!(x.len()?, 4);
    assert_eq!(x.shape(), &[4]);
    assert_prints(&x, "tensor([0, 1, 2, 3])");
    assert_prints(&x3, "tensor(3)");
    Ok(())
}

/// `x = torch.arange(4, dtype=torch.float32); y = torch.ones(4); x, y, torch.dot(x, y)`
#[test]
fn dot_product() -> Result<()> {
    let x = Tensor::arange(4)?.to_dtype(DType::F32)?;
    let y = Tensor::ones(4);
    let d = x.dot(&y)?;
    assert_values(&d, DType::F32, &[], &[6.0f32]);
    assert_tuple_prints(&[&x, &y, &d], "(tensor([0., 1., 2., 3.]), tensor([1., 1., 1., 1.]), tensor(6.))");
    Ok(())
}

/// `torch.sum(x * y)`: the dot product as an elementwise product and a sum.
#[test]
fn dot_product_as_sum_of_products() -> Result<()> {
    let x = Tensor::arange(4)?.to_dtype(DType::F32)?;
    let y = Tensor::ones(4);
    let s = (&x * &y).sum_all()?;
    assert_values(&s, DType::F32, &[], &[6.0f32]);
    assert_eq!(s.to_vec::<f32>()?, x.dot(&y)?.to_vec::<f32>()?);
    assert_prints(&s, "tensor(6.)");
    Ok(())
}

// ---- 04 矩阵 -------------------------------------------------------------------------------

/// `A = np.arange(20).reshape(5, 4)`: the notes show NumPy's float array; this is the torch
/// version with the same values (`torch.arange(20, dtype=torch.float32).reshape(5, 4)`).
#[test]
fn matrix_5x4() -> Result<()> {
    let a = a_5x4()?;
    assert_values(&a, DType::F32, &[5, 4], &a_values());
    assert_prints(&a, A_TEXT);
    Ok(())
}

/// `A.T`: a view with the strides swapped.
#[test]
fn matrix_transpose() -> Result<()> {
    let a = a_5x4()?;
    let at = a.t()?;
    let expected: Vec<f32> = (0..4).flat_map(|j| (0..5).map(move |i| (i * 4 + j) as f32)).collect();
    assert_values(&at, DType::F32, &[4, 5], &expected);
    assert_eq!(at.data_ptr(), a.data_ptr());
    assert_prints(
        &at,
        "tensor([[ 0.,  4.,  8., 12., 16.],
        [ 1.,  5.,  9., 13., 17.],
        [ 2.,  6., 10., 14., 18.],
        [ 3.,  7., 11., 15., 19.]])",
    );
    Ok(())
}

/// `B = torch.tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]]); B == B.T`
#[test]
fn symmetric_matrix_equals_its_transpose() -> Result<()> {
    let b = tensor!([[1, 2, 3], [2, 0, 4], [3, 4, 5]]);
    let eq = b.eq(&b.t()?)?;
    assert_values(&eq, DType::Bool, &[3, 3], &[true; 9]);
    assert_prints(
        &eq,
        "tensor([[True, True, True],\n        [True, True, True],\n        [True, True, True]])",
    );
    Ok(())
}

/// `A.shape, x.shape, torch.mv(A, x)` with `x = torch.arange(4, dtype=torch.float32)`.
#[test]
fn matrix_vector_product() -> Result<()> {
    let a = a_5x4()?;
    let x = Tensor::arange(4)?.to_dtype(DType::F32)?;
    let y = a.mv(&x)?;
    assert_values(&y, DType::F32, &[5], &[14.0f32, 38., 62., 86., 110.]);
    assert_tuple_prints(
        &[&torch_size(&a), &torch_size(&x), &y],
        "(torch.Size([5, 4]), torch.Size([4]), tensor([ 14.,  38.,  62.,  86., 110.]))",
    );
    Ok(())
}

/// `a = torch.rand(1, 2); b = torch.rand(1, 2); torch.mul(a, b)`: elementwise, shape `(1, 2)`.
#[test]
fn elementwise_mul_of_random_rows() -> Result<()> {
    let a = Tensor::rand([1, 2]);
    let b = Tensor::rand([1, 2]);
    let c = a.mul(&b)?;
    let expected: Vec<f32> = a.to_vec::<f32>()?.iter().zip(b.to_vec::<f32>()?).map(|(x, y)| x * y).collect();
    assert_values(&c, DType::F32, &[1, 2], &expected);
    for v in a.to_vec::<f32>()?.into_iter().chain(b.to_vec::<f32>()?) {
        assert!((0.0..1.0).contains(&v), "rand draws from [0, 1): {v}");
    }
    Ok(())
}

/// `a = torch.ones(3,4); b = torch.Tensor([1,2,3]).reshape((3,1)); torch.mul(a, b)`: the column
/// broadcasts along the rows.
#[test]
fn elementwise_mul_by_a_column() -> Result<()> {
    let a = Tensor::ones([3, 4]);
    let b = tensor!([1.0, 2.0, 3.0]).reshape([3, 1])?;
    let c = a.mul(&b)?;
    assert_values(&c, DType::F32, &[3, 4], &[1.0f32, 1., 1., 1., 2., 2., 2., 2., 3., 3., 3., 3.]);
    // The notes lost one space of indentation on `a`'s second row; PyTorch aligns all rows.
    assert_prints(&a, "tensor([[1., 1., 1., 1.],\n        [1., 1., 1., 1.],\n        [1., 1., 1., 1.]])");
    assert_prints(&b, "tensor([[1.],\n        [2.],\n        [3.]])");
    assert_prints(&c, "tensor([[1., 1., 1., 1.],\n        [2., 2., 2., 2.],\n        [3., 3., 3., 3.]])");
    Ok(())
}

/// `a = torch.ones(3,4); b = torch.ones(4,2); torch.mm(a, b)`
#[test]
fn matrix_matrix_product_of_ones() -> Result<()> {
    let c = Tensor::ones([3, 4]).mm(&Tensor::ones([4, 2]))?;
    assert_values(&c, DType::F32, &[3, 2], &[4.0f32; 6]);
    assert_prints(&c, "tensor([[4., 4.],\n        [4., 4.],\n        [4., 4.]])");
    Ok(())
}

/// d2l's `B = torch.ones(4, 3); torch.mm(A, B)`
#[test]
fn matrix_matrix_product() -> Result<()> {
    let (a, b) = (a_5x4()?, Tensor::ones([4, 3]));
    let c = a.mm(&b)?;
    assert_values(&c, DType::F32, &[5, 3], &naive_mm(&a_values(), &[1.0; 12], 5, 4, 3));
    assert_prints(
        &c,
        "tensor([[ 6.,  6.,  6.],
        [22., 22., 22.],
        [38., 38., 38.],
        [54., 54., 54.],
        [70., 70., 70.]])",
    );
    Ok(())
}

/// `torch.matmul(a, b)`, 3.1 both 2-D: the same as `mm`.
#[test]
fn matmul_of_matrices_is_mm() -> Result<()> {
    let a = a_5x4()?;
    let b = Tensor::arange(12)?.to_dtype(DType::F32)?.reshape([4, 3])?;
    let b_values: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let c = a.matmul(&b)?;
    assert_values(&c, DType::F32, &[5, 3], &naive_mm(&a_values(), &b_values, 5, 4, 3));
    assert_eq!(c.to_vec::<f32>()?, a.mm(&b)?.to_vec::<f32>()?);
    Ok(())
}

/// `torch.matmul(a, b)`, 3.2 both 3-D: b's batch dim of size 1 broadcasts to a's 2. (The notes'
/// example is an image; the shapes here follow its text.)
#[test]
fn matmul_broadcasts_the_batch_dim() -> Result<()> {
    let a = Tensor::arange(24)?.to_dtype(DType::F32)?.reshape([2, 3, 4])?;
    let b = Tensor::arange(8)?.to_dtype(DType::F32)?.reshape([1, 4, 2])?;
    let c = a.matmul(&b)?;
    let (av, bv) = (a.to_vec::<f32>()?, b.to_vec::<f32>()?);
    let expected: Vec<f32> = (0..2).flat_map(|n| naive_mm(&av[n * 12..n * 12 + 12], &bv, 3, 4, 2)).collect();
    assert_values(&c, DType::F32, &[2, 3, 2], &expected);
    Ok(())
}

/// `torch.matmul(a, b)`, 3.3 different ranks: the extra leading dims are batch dims, and a 1-D
/// operand is a vector (PyTorch's documented examples: `(10, 3, 4) @ (4,)`, `(10, 3, 4) @ (4, 5)`,
/// and the notes' `(2, 1, 3, 4) @ (5, 4, 2) -> (2, 5, 3, 2)`).
#[test]
fn matmul_of_different_ranks() -> Result<()> {
    let a = Tensor::arange(120)?.to_dtype(DType::F32)?.reshape([10, 3, 4])?;
    let av = a.to_vec::<f32>()?;
    let v = Tensor::arange(4)?.to_dtype(DType::F32)?;
    let m = Tensor::arange(20)?.to_dtype(DType::F32)?.reshape([4, 5])?;

    let av_ = a.matmul(&v)?;
    let expected: Vec<f32> = (0..10)
        .flat_map(|n| naive_mm(&av[n * 12..n * 12 + 12], &v.to_vec::<f32>().unwrap(), 3, 4, 1))
        .collect();
    assert_values(&av_, DType::F32, &[10, 3], &expected);

    let am = a.matmul(&m)?;
    let mv = m.to_vec::<f32>()?;
    let expected: Vec<f32> = (0..10).flat_map(|n| naive_mm(&av[n * 12..n * 12 + 12], &mv, 3, 4, 5)).collect();
    assert_values(&am, DType::F32, &[10, 3, 5], &expected);

    let p = Tensor::arange(24)?.to_dtype(DType::F32)?.reshape([2, 1, 3, 4])?;
    let q = Tensor::arange(40)?.to_dtype(DType::F32)?.reshape([5, 4, 2])?;
    let pq = p.matmul(&q)?;
    let (pv, qv) = (p.to_vec::<f32>()?, q.to_vec::<f32>()?);
    let expected: Vec<f32> = (0..2)
        .flat_map(|i| (0..5).map(move |j| (i, j)))
        .flat_map(|(i, j)| naive_mm(&pv[i * 12..i * 12 + 12], &qv[j * 8..j * 8 + 8], 3, 4, 2))
        .collect();
    assert_values(&pq, DType::F32, &[2, 5, 3, 2], &expected);
    Ok(())
}

// ---- 05 张量 -------------------------------------------------------------------------------

/// `X = torch.arange(24).reshape(2, 3, 4)`
#[test]
fn tensor_of_three_axes() -> Result<()> {
    let x = Tensor::arange(24)?.reshape([2, 3, 4])?;
    assert_values(&x, DType::I64, &[2, 3, 4], &(0..24).collect::<Vec<i64>>());
    assert_prints(
        &x,
        "tensor([[[ 0,  1,  2,  3],
         [ 4,  5,  6,  7],
         [ 8,  9, 10, 11]],

        [[12, 13, 14, 15],
         [16, 17, 18, 19],
         [20, 21, 22, 23]]])",
    );
    Ok(())
}

/// `B = A.clone(); A, A + B`: `clone` copies into new memory.
#[test]
fn clone_and_add() -> Result<()> {
    let a = a_5x4()?;
    let b = a.deep_clone()?;
    assert!(b.data_ptr() != a.data_ptr(), "clone allocates new memory");
    assert_values(&b, DType::F32, &[5, 4], &a_values());
    let sum = &a + &b;
    let doubled: Vec<f32> = a_values().iter().map(|v| v + v).collect();
    assert_values(&sum, DType::F32, &[5, 4], &doubled);
    assert_tuple_prints(
        &[&a, &sum],
        "(tensor([[ 0.,  1.,  2.,  3.],
         [ 4.,  5.,  6.,  7.],
         [ 8.,  9., 10., 11.],
         [12., 13., 14., 15.],
         [16., 17., 18., 19.]]),
 tensor([[ 0.,  2.,  4.,  6.],
         [ 8., 10., 12., 14.],
         [16., 18., 20., 22.],
         [24., 26., 28., 30.],
         [32., 34., 36., 38.]]))",
    );
    Ok(())
}

/// `A * B`: the Hadamard product.
#[test]
fn hadamard_product() -> Result<()> {
    let a = a_5x4()?;
    let b = a.deep_clone()?;
    let h = &a * &b;
    let squares: Vec<f32> = a_values().iter().map(|v| v * v).collect();
    assert_values(&h, DType::F32, &[5, 4], &squares);
    assert_prints(
        &h,
        "tensor([[  0.,   1.,   4.,   9.],
        [ 16.,  25.,  36.,  49.],
        [ 64.,  81., 100., 121.],
        [144., 169., 196., 225.],
        [256., 289., 324., 361.]])",
    );
    Ok(())
}

/// `a = 2; X = torch.arange(24).reshape(2, 3, 4); a + X, (a * X).shape`
#[test]
fn scalar_plus_and_times_tensor() -> Result<()> {
    let a = 2;
    let x = Tensor::arange(24)?.reshape([2, 3, 4])?;
    let (plus, times) = (a + &x, a * &x);
    // A Python int with an int64 tensor stays int64.
    assert_values(&plus, DType::I64, &[2, 3, 4], &(2..26).collect::<Vec<i64>>());
    assert_values(&times, DType::I64, &[2, 3, 4], &(0..24).map(|v| 2 * v).collect::<Vec<i64>>());
    // IPython indents every line of a multi-line item, the blank one too (a lone space the notes
    // dropped).
    assert_tuple_prints(
        &[&plus, &torch_size(&times)],
        "(tensor([[[ 2,  3,  4,  5],
          [ 6,  7,  8,  9],
          [10, 11, 12, 13]],
 \n         [[14, 15, 16, 17],
          [18, 19, 20, 21],
          [22, 23, 24, 25]]]),
 torch.Size([2, 3, 4]))",
    );
    Ok(())
}

// ---- 降维: 求和 ----------------------------------------------------------------------------

/// `x = torch.arange(4, dtype=torch.float32); x, x.sum()`
#[test]
fn sum_of_a_vector() -> Result<()> {
    let x = Tensor::arange(4)?.to_dtype(DType::F32)?;
    let s = x.sum_all()?;
    assert_values(&s, DType::F32, &[], &[6.0f32]);
    assert_tuple_prints(&[&x, &s], "(tensor([0., 1., 2., 3.]), tensor(6.))");
    Ok(())
}

/// d2l's `A.shape, A.sum()`
#[test]
fn sum_of_a_matrix() -> Result<()> {
    let a = a_5x4()?;
    let s = a.sum_all()?;
    assert_values(&s, DType::F32, &[], &[190.0f32]);
    assert_tuple_prints(&[&torch_size(&a), &s], "(torch.Size([5, 4]), tensor(190.))");
    Ok(())
}

/// `A_sum_axis0 = A.sum(axis=0); A_sum_axis0, A_sum_axis0.shape`
#[test]
fn sum_over_axis_0() -> Result<()> {
    let a_sum_axis0 = a_5x4()?.sum(&[0], false)?;
    assert_values(&a_sum_axis0, DType::F32, &[4], &[40.0f32, 45., 50., 55.]);
    assert_tuple_prints(
        &[&a_sum_axis0, &torch_size(&a_sum_axis0)],
        "(tensor([40., 45., 50., 55.]), torch.Size([4]))",
    );
    Ok(())
}

/// `A_sum_axis1 = A.sum(axis=1); A_sum_axis1, A_sum_axis1.shape`
#[test]
fn sum_over_axis_1() -> Result<()> {
    let a_sum_axis1 = a_5x4()?.sum(&[1], false)?;
    assert_values(&a_sum_axis1, DType::F32, &[5], &[6.0f32, 22., 38., 54., 70.]);
    assert_tuple_prints(
        &[&a_sum_axis1, &torch_size(&a_sum_axis1)],
        "(tensor([ 6., 22., 38., 54., 70.]), torch.Size([5]))",
    );
    Ok(())
}

/// `A.sum(axis=[0, 1])`: the same as `A.sum()`.
#[test]
fn sum_over_both_axes() -> Result<()> {
    let a = a_5x4()?;
    let s = a.sum(&[0, 1], false)?;
    assert_values(&s, DType::F32, &[], &[190.0f32]);
    assert_eq!(s.to_vec::<f32>()?, a.sum_all()?.to_vec::<f32>()?);
    assert_prints(&s, "tensor(190.)");
    Ok(())
}

/// `X.sum(0)`, `X.sum(0, keepdim=True)`, `X.sum(1)`, `X.sum(1, keepdim=True)` on a 2x3 matrix.
#[test]
fn sum_with_and_without_keepdim() -> Result<()> {
    let x = tensor!([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let (s0, s0k, s1, s1k) =
        (x.sum(&[0], false)?, x.sum(&[0], true)?, x.sum(&[1], false)?, x.sum(&[1], true)?);
    assert_values(&s0, DType::F32, &[3], &[5.0f32, 7., 9.]);
    assert_values(&s0k, DType::F32, &[1, 3], &[5.0f32, 7., 9.]);
    assert_values(&s1, DType::F32, &[2], &[6.0f32, 15.]);
    assert_values(&s1k, DType::F32, &[2, 1], &[6.0f32, 15.]);
    assert_prints(&s0, "tensor([5., 7., 9.])");
    assert_prints(&s0k, "tensor([[5., 7., 9.]])");
    assert_prints(&s1, "tensor([ 6., 15.])");
    assert_prints(&s1k, "tensor([[ 6.],\n        [15.]])");
    Ok(())
}

// ---- 降维: 求平均 --------------------------------------------------------------------------

/// `A.mean(), A.sum() / A.numel()`
#[test]
fn mean_of_all_elements() -> Result<()> {
    let a = a_5x4()?;
    let (mean, by_hand) = (a.mean_all()?, a.sum_all()? / a.numel() as f64);
    assert_values(&mean, DType::F32, &[], &[9.5f32]);
    assert_values(&by_hand, DType::F32, &[], &[9.5f32]);
    assert_tuple_prints(&[&mean, &by_hand], "(tensor(9.5000), tensor(9.5000))");
    Ok(())
}

/// `A.mean(axis=0), A.sum(axis=0) / A.shape[0]`
#[test]
fn mean_over_axis_0() -> Result<()> {
    let a = a_5x4()?;
    let (mean, by_hand) = (a.mean(&[0], false)?, a.sum(&[0], false)? / a.dims()[0] as f64);
    for t in [&mean, &by_hand] {
        assert_values(t, DType::F32, &[4], &[8.0f32, 9., 10., 11.]);
    }
    assert_tuple_prints(&[&mean, &by_hand], "(tensor([ 8.,  9., 10., 11.]), tensor([ 8.,  9., 10., 11.]))");
    Ok(())
}

// ---- 非降维求和 ----------------------------------------------------------------------------

/// `sum_A = A.sum(axis=1, keepdims=True)`
#[test]
fn sum_keeping_dims() -> Result<()> {
    let sum_a = a_5x4()?.sum(&[1], true)?;
    assert_values(&sum_a, DType::F32, &[5, 1], &[6.0f32, 22., 38., 54., 70.]);
    assert_prints(&sum_a, "tensor([[ 6.],\n        [22.],\n        [38.],\n        [54.],\n        [70.]])");
    Ok(())
}

/// `A / sum_A`: each row divided by its sum, by broadcasting the (5, 1) sums.
#[test]
fn divide_by_row_sums() -> Result<()> {
    let a = a_5x4()?;
    let sum_a = a.sum(&[1], true)?;
    let normalized = &a / &sum_a;
    let row_sums = [6.0f32, 22., 38., 54., 70.];
    let expected: Vec<f32> = a_values().iter().enumerate().map(|(i, v)| v / row_sums[i / 4]).collect();
    assert_values(&normalized, DType::F32, &[5, 4], &expected);
    assert_prints(
        &normalized,
        "tensor([[0.0000, 0.1667, 0.3333, 0.5000],
        [0.1818, 0.2273, 0.2727, 0.3182],
        [0.2105, 0.2368, 0.2632, 0.2895],
        [0.2222, 0.2407, 0.2593, 0.2778],
        [0.2286, 0.2429, 0.2571, 0.2714]])",
    );
    Ok(())
}

/// `A.cumsum(axis=0)`: running sums down the rows; the shape stays (5, 4).
#[test]
fn cumulative_sum_over_rows() -> Result<()> {
    let c = a_5x4()?.cumsum(0)?;
    let mut expected = a_values();
    for i in 4..20 {
        expected[i] += expected[i - 4];
    }
    assert_values(&c, DType::F32, &[5, 4], &expected);
    assert_prints(
        &c,
        "tensor([[ 0.,  1.,  2.,  3.],
        [ 4.,  6.,  8., 10.],
        [12., 15., 18., 21.],
        [24., 28., 32., 36.],
        [40., 45., 50., 55.]])",
    );
    Ok(())
}

// ---- 06 范数 -------------------------------------------------------------------------------

/// `u = torch.tensor([3.0, -4.0]); torch.norm(u)`
#[test]
fn l2_norm() -> Result<()> {
    let u = tensor!([3.0, -4.0]);
    let n = u.norm()?;
    assert_values(&n, DType::F32, &[], &[5.0f32]);
    assert_prints(&n, "tensor(5.)");
    Ok(())
}

/// `torch.abs(u).sum()`: the L1 norm.
#[test]
fn l1_norm() -> Result<()> {
    let u = tensor!([3.0, -4.0]);
    let n = u.abs()?.sum_all()?;
    assert_values(&n, DType::F32, &[], &[7.0f32]);
    assert_eq!(n.to_vec::<f32>()?, u.norm_p(1.0, &[], false)?.to_vec::<f32>()?);
    assert_prints(&n, "tensor(7.)");
    Ok(())
}

/// `torch.norm(torch.ones((4, 9)))`: the Frobenius norm, sqrt(36).
#[test]
fn frobenius_norm() -> Result<()> {
    let n = Tensor::ones((4, 9)).norm()?;
    assert_values(&n, DType::F32, &[], &[6.0f32]);
    assert_prints(&n, "tensor(6.)");
    Ok(())
}
