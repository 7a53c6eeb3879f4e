//! d2l "data manipulation" (数据操作), cell by cell: each test runs one code cell of the notes
//! (`/work/shared/d2l-notes/003_076f5b4c44150bc0.txt`, section "1 数据操作") with the same shape of
//! code and checks the values exactly, then the printed text where the notes show it.
//!
//! Printed text is what PyTorch really prints. Where the notes' hand-copied output differs only in
//! whitespace (a missing space of indentation, a blank line inside a tuple), the test keeps
//! PyTorch's text and says so. Tuples print as IPython does (see [`ipython_tuple`]), because the
//! notes show Jupyter's output.

use ferrite::prelude::*;
use ferrite_tests::{assert_prints, assert_tuple_prints, assert_values};

/// d2l's `X = torch.arange(12, dtype=torch.float32).reshape((3,4))`.
fn x_3x4() -> Result<Tensor> {
    Ok(Tensor::arange(12)?.to_dtype(DType::F32)?.reshape([3, 4])?)
}

/// d2l's `Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])`.
fn y_3x4() -> Tensor {
    tensor!([[2.0, 1.0, 4.0, 3.0], [1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
}

const X_F32: [f32; 12] = [0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.];
const Y_F32: [f32; 12] = [2., 1., 4., 3., 1., 2., 3., 4., 4., 3., 2., 1.];

// ---- 01 张量 -------------------------------------------------------------------------------

/// `x = torch.arange(12)`
#[test]
fn arange_row_vector() -> Result<()> {
    let x = Tensor::arange(12)?;
    assert_values(&x, DType::I64, &[12], &(0..12).collect::<Vec<i64>>());
    assert_prints(&x, "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])");
    Ok(())
}

/// `x.shape` -> `torch.Size([12])`, and `x.numel()` -> 12.
#[test]
fn shape_and_numel() -> Result<()> {
    let x = Tensor::arange(12)?;
    assert_eq!(x.shape(), &[12]);
    assert_eq!(x.numel(), 12);
    Ok(())
}

/// `X = x.reshape(3, 4)`, and the `-1` forms `x.reshape(-1, 4)` and `x.reshape(3, -1)`.
#[test]
fn reshape_3x4() -> Result<()> {
    let x = Tensor::arange(12)?;
    let big_x = x.reshape([3, 4])?;
    assert_values(&big_x, DType::I64, &[3, 4], &(0..12).collect::<Vec<i64>>());
    // A reshape of a contiguous tensor is a view: same storage, as in PyTorch.
    assert_eq!(big_x.data_ptr(), x.data_ptr());
    for inferred in [x.reshape([-1, 4])?, x.reshape([3, -1])?] {
        assert_eq!(inferred.dims(), &[3, 4]);
        assert_eq!(inferred.to_vec::<i64>()?, big_x.to_vec::<i64>()?);
    }
    // The notes lost one space of indentation on the second row; PyTorch aligns all rows.
    assert_prints(&big_x, "tensor([[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]])");
    Ok(())
}

/// `torch.zeros((2, 3, 4))`
#[test]
fn zeros_2x3x4() -> Result<()> {
    let z = Tensor::zeros((2, 3, 4));
    assert_values(&z, DType::F32, &[2, 3, 4], &[0.0f32; 24]);
    assert_prints(
        &z,
        "tensor([[[0., 0., 0., 0.],\n         [0., 0., 0., 0.],\n         [0., 0., 0., 0.]],\n\n        \
         [[0., 0., 0., 0.],\n         [0., 0., 0., 0.],\n         [0., 0., 0., 0.]]])",
    );
    Ok(())
}

/// `torch.ones((2, 3, 4))`
#[test]
fn ones_2x3x4() -> Result<()> {
    let o = Tensor::ones((2, 3, 4));
    assert_values(&o, DType::F32, &[2, 3, 4], &[1.0f32; 24]);
    assert_prints(
        &o,
        "tensor([[[1., 1., 1., 1.],\n         [1., 1., 1., 1.],\n         [1., 1., 1., 1.]],\n\n        \
         [[1., 1., 1., 1.],\n         [1., 1., 1., 1.],\n         [1., 1., 1., 1.]]])",
    );
    Ok(())
}

/// `torch.randn(3, 4)`: the notes' numbers are one random draw, so this checks the shape, the
/// dtype, seeded reproducibility, and the draw's statistics.
#[test]
fn randn_3x4() -> Result<()> {
    let r = Tensor::randn([3, 4]);
    assert_eq!((r.dims(), r.dtype()), (&[3, 4][..], DType::F32));

    // The same seed gives the same draw; the generator moves on between draws.
    ferrite::core::manual_seed(42);
    let a = Tensor::randn([3, 4]).to_vec::<f32>()?;
    let b = Tensor::randn([3, 4]).to_vec::<f32>()?;
    ferrite::core::manual_seed(42);
    assert_eq!(Tensor::randn([3, 4]).to_vec::<f32>()?, a);
    assert_ne!(a, b);

    // Mean 0 and standard deviation 1: with n = 100_000 draws, the sample mean's standard error
    // is 0.0032 and the sample std's about 0.0022, so these bounds are over 6 sigma wide.
    let big = Tensor::randn([100_000]);
    let mean: f32 = big.mean_all()?.item()?;
    let std: f32 = big.std(&[], true, false)?.item()?;
    assert!(mean.abs() < 0.02, "mean {mean}");
    assert!((std - 1.0).abs() < 0.015, "std {std}");
    Ok(())
}

/// `torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])`
#[test]
fn tensor_literal() -> Result<()> {
    let t = tensor!([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]);
    assert_values(&t, DType::I64, &[3, 4], &[2i64, 1, 4, 3, 1, 2, 3, 4, 4, 3, 2, 1]);
    assert_prints(&t, "tensor([[2, 1, 4, 3],\n        [1, 2, 3, 4],\n        [4, 3, 2, 1]])");
    Ok(())
}

// ---- 02 运算符 -----------------------------------------------------------------------------

/// `x + y, x - y, x * y, x / y, x ** y` and `torch.exp(x)` on `x = [1.0, 2, 4, 8]`, `y = [2, 2, 2, 2]`.
/// The notes show no output; the values are exact in f32, and the text is PyTorch's.
#[test]
fn elementwise_operators() -> Result<()> {
    let x = tensor!([1.0, 2.0, 4.0, 8.0]);
    let y = tensor!([2, 2, 2, 2]);
    let results = [&x + &y, &x - &y, &x * &y, &x / &y, x.pow(&y)?];
    let expected: [[f32; 4]; 5] =
        [[3., 4., 6., 10.], [-1., 0., 2., 6.], [2., 4., 8., 16.], [0.5, 1., 2., 4.], [1., 4., 16., 64.]];
    for (r, e) in results.iter().zip(&expected) {
        // A float tensor with an integer one promotes to float, as in PyTorch.
        assert_values(r, DType::F32, &[4], e);
    }
    let e = x.exp()?;
    assert_values(&e, DType::F32, &[4], &[1f32.exp(), 2f32.exp(), 4f32.exp(), 8f32.exp()]);

    let [r0, r1, r2, r3, r4] = &results;
    assert_tuple_prints(
        &[r0, r1, r2, r3, r4],
        "(tensor([ 3.,  4.,  6., 10.]),\n tensor([-1.,  0.,  2.,  6.]),\n tensor([ 2.,  4.,  8., 16.]),\n \
         tensor([0.5000, 1.0000, 2.0000, 4.0000]),\n tensor([ 1.,  4., 16., 64.]))",
    );
    assert_prints(&e, "tensor([2.7183e+00, 7.3891e+00, 5.4598e+01, 2.9810e+03])");
    Ok(())
}

/// `torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1)`
#[test]
fn cat_rows_and_columns() -> Result<()> {
    let (x, y) = (x_3x4()?, y_3x4());
    let (rows, cols) = (Tensor::cat(&[&x, &y], 0)?, Tensor::cat(&[&x, &y], 1)?);

    let mut by_rows = X_F32.to_vec();
    by_rows.extend(Y_F32);
    assert_values(&rows, DType::F32, &[6, 4], &by_rows);
    let by_cols: Vec<f32> =
        (0..3).flat_map(|r| [&X_F32[r * 4..r * 4 + 4], &Y_F32[r * 4..r * 4 + 4]].concat()).collect();
    assert_values(&cols, DType::F32, &[3, 8], &by_cols);

    assert_tuple_prints(
        &[&rows, &cols],
        "(tensor([[ 0.,  1.,  2.,  3.],
         [ 4.,  5.,  6.,  7.],
         [ 8.,  9., 10., 11.],
         [ 2.,  1.,  4.,  3.],
         [ 1.,  2.,  3.,  4.],
         [ 4.,  3.,  2.,  1.]]),
 tensor([[ 0.,  1.,  2.,  3.,  2.,  1.,  4.,  3.],
         [ 4.,  5.,  6.,  7.,  1.,  2.,  3.,  4.],
         [ 8.,  9., 10., 11.,  4.,  3.,  2.,  1.]]))",
    );
    Ok(())
}

/// `X == Y`
#[test]
fn elementwise_equality() -> Result<()> {
    let (x, y) = (x_3x4()?, y_3x4());
    let eq = x.eq(&y)?;
    let expected: Vec<bool> = X_F32.iter().zip(&Y_F32).map(|(a, b)| a == b).collect();
    assert_values(&eq, DType::Bool, &[3, 4], &expected);
    assert_prints(
        &eq,
        "tensor([[False,  True, False,  True],\n        [False, False, False, False],\n        \
         [False, False, False, False]])",
    );
    Ok(())
}

/// `X.sum()`
#[test]
fn sum_of_all_elements() -> Result<()> {
    let s = x_3x4()?.sum_all()?;
    assert_values(&s, DType::F32, &[], &[66.0f32]);
    assert_prints(&s, "tensor(66.)");
    Ok(())
}

// ---- 03 广播 -------------------------------------------------------------------------------

/// `a = torch.arange(3).reshape([3, 1]); b = torch.arange(2).reshape([1, 2]); a, b` and `a + b`.
#[test]
fn broadcasting_column_plus_row() -> Result<()> {
    let a = Tensor::arange(3)?.reshape([3, 1])?;
    let b = Tensor::arange(2)?.reshape([1, 2])?;
    assert_values(&a, DType::I64, &[3, 1], &[0i64, 1, 2]);
    assert_values(&b, DType::I64, &[1, 2], &[0i64, 1]);
    let c = &a + &b;
    assert_values(&c, DType::I64, &[3, 2], &[0i64, 1, 1, 2, 2, 3]);

    // The notes put a blank line inside the tuple by hand; IPython prints it like this.
    assert_tuple_prints(&[&a, &b], "(tensor([[0],\n         [1],\n         [2]]),\n tensor([[0, 1]]))");
    assert_prints(&c, "tensor([[0, 1],\n        [1, 2],\n        [2, 3]])");
    Ok(())
}

// ---- 04 索引和切片 -------------------------------------------------------------------------

/// `X[-1], X[1:3]`: the last row and rows 1 and 2, both views of `X`.
#[test]
fn read_last_row_and_a_row_range() -> Result<()> {
    let x = x_3x4()?;
    let (last, middle) = (x.i(s![-1])?, x.i(s![1..3])?);
    assert_values(&last, DType::F32, &[4], &X_F32[8..]);
    assert_values(&middle, DType::F32, &[2, 4], &X_F32[4..]);
    // Views share X's storage (PyTorch's `data_ptr` would differ by the view's offset; ferrite's
    // names the storage, so compare storages).
    assert!(last.storage().same(x.storage()) && middle.storage().same(x.storage()));
    assert_tuple_prints(
        &[&last, &middle],
        "(tensor([ 8.,  9., 10., 11.]),\n tensor([[ 4.,  5.,  6.,  7.],\n         [ 8.,  9., 10., 11.]]))",
    );
    Ok(())
}

/// `X[1, 2] = 9`: one element written in place.
#[test]
fn write_one_element() -> Result<()> {
    let x = x_3x4()?;
    x.set_(s![1, 2], 9)?;
    let mut expected = X_F32;
    expected[6] = 9.0;
    assert_values(&x, DType::F32, &[3, 4], &expected);
    assert_prints(
        &x,
        "tensor([[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  9.,  7.],\n        [ 8.,  9., 10., 11.]])",
    );
    Ok(())
}

/// `X[0:2, :] = 12` after `X[1, 2] = 9` (d2l runs both; the second overwrites the first).
#[test]
fn write_a_block() -> Result<()> {
    let x = x_3x4()?;
    x.set_(s![1, 2], 9)?;
    x.set_(s![0..2, ..], 12)?;
    let expected = [12., 12., 12., 12., 12., 12., 12., 12., 8., 9., 10., 11.];
    assert_values(&x, DType::F32, &[3, 4], &expected);
    // The notes print "X=" in front and lost a space of indentation on the second row.
    assert_prints(
        &x,
        "tensor([[12., 12., 12., 12.],\n        [12., 12., 12., 12.],\n        [ 8.,  9., 10., 11.]])",
    );
    Ok(())
}

// ---- 05 节省内存 ---------------------------------------------------------------------------

/// `before = id(Y); Y = Y + X; id(Y) == before` -> `False`: `+` allocates a new result.
/// ferrite's `id(X)` equivalent is [`Tensor::data_ptr`], the storage's identity.
#[test]
fn plus_allocates_new_memory() -> Result<()> {
    let (x, mut y) = (x_3x4()?, y_3x4());
    let before = y.data_ptr();
    y = &y + &x;
    assert!(y.data_ptr() != before);
    let expected: Vec<f32> = X_F32.iter().zip(&Y_F32).map(|(a, b)| a + b).collect();
    assert_values(&y, DType::F32, &[3, 4], &expected);
    Ok(())
}

/// `Z = torch.zeros_like(Y); Z[:] = X + Y`: slice assignment writes into Z's memory.
#[test]
fn slice_assignment_keeps_memory() -> Result<()> {
    let (x, y) = (x_3x4()?, y_3x4());
    let z = y.zeros_like()?;
    let id_before = z.data_ptr();
    z.set_(s![..], &(&x + &y))?;
    assert_eq!(z.data_ptr(), id_before);
    let expected: Vec<f32> = X_F32.iter().zip(&Y_F32).map(|(a, b)| a + b).collect();
    assert_values(&z, DType::F32, &[3, 4], &expected);
    Ok(())
}

/// `before = id(X); X += Y; id(X) == before` -> `True`; `X[:] = X + Y` too.
#[test]
fn in_place_add_keeps_memory() -> Result<()> {
    let (mut x, y) = (x_3x4()?, y_3x4());
    let alias = x.clone(); // another reference to the same tensor, as a second Python name
    let before = x.data_ptr();
    x += &y;
    assert_eq!(x.data_ptr(), before);
    let expected: Vec<f32> = X_F32.iter().zip(&Y_F32).map(|(a, b)| a + b).collect();
    assert_values(&x, DType::F32, &[3, 4], &expected);
    assert_eq!(alias.to_vec::<f32>()?, expected, "every reference sees the in-place update");

    x.set_(s![..], &(&x + &y))?;
    assert_eq!(x.data_ptr(), before);
    let twice: Vec<f32> = expected.iter().zip(&Y_F32).map(|(a, b)| a + b).collect();
    assert_values(&x, DType::F32, &[3, 4], &twice);
    Ok(())
}

// ---- 06 转换为其他 Python 对象 ------------------------------------------------------------

fn type_name_of<T>(_: &T) -> &'static str {
    std::any::type_name::<T>()
}

/// `A = X.numpy(); B = torch.tensor(A); type(A), type(B)` -> `(numpy.ndarray, torch.Tensor)`.
///
/// Unlike PyTorch, where `X.numpy()` shares memory with `X`, ferrite's `to_ndarray` copies.
#[test]
fn to_ndarray_and_back() -> Result<()> {
    let x = x_3x4()?;
    let a = x.to_ndarray::<f32>()?;
    let b = Tensor::from_ndarray(&a);
    assert!(type_name_of(&a).starts_with("ndarray::"), "{}", type_name_of(&a));
    assert!(type_name_of(&b).ends_with("::Tensor"), "{}", type_name_of(&b));
    assert_eq!(a.shape(), &[3, 4]);
    assert_eq!(a.iter().copied().collect::<Vec<f32>>(), X_F32);
    assert_values(&b, DType::F32, &[3, 4], &X_F32);
    Ok(())
}

/// `a = torch.tensor([3.5]); a, a.item(), float(a), int(a)` -> `(tensor([3.5000]), 3.5, 3.5, 3)`.
#[test]
fn one_element_tensor_to_scalars() -> Result<()> {
    let a = tensor!([3.5]);
    let item: f32 = a.item()?;
    let as_float = f64::try_from(&a)?;
    let as_int = i64::try_from(&a)?;
    assert_eq!((item, as_float, as_int), (3.5, 3.5, 3));
    assert_values(&a, DType::F32, &[1], &[3.5f32]);
    assert_tuple_prints(&[&a, &item, &as_float, &as_int], "(tensor([3.5000]), 3.5, 3.5, 3)");
    Ok(())
}
