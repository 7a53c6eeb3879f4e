//! The `out=` variants (`add_out`, ...): same values as the out-of-place ops, written into the
//! existing storage, with PyTorch's refusals.

use ferrite_tensor::{DType, Tensor, no_grad, tensor};

/// An `out=` method: `(self, rhs, out)`.
type OutOp = fn(&Tensor, &Tensor, &Tensor) -> ferrite_tensor::Result<()>;

fn values(t: &Tensor) -> Vec<f32> {
    t.to_dtype(DType::F32).unwrap().to_vec::<f32>().unwrap()
}

/// Results of 64 MiB, above the last-level cache of the machines here (so the CPU backend writes
/// them with streaming stores where the CPU has AVX): new results and `out=` alike hold what the
/// scalar arithmetic gives, bit for bit.
#[test]
fn large_results_hold_the_scalar_arithmetic() {
    let n = 1 << 24;
    let av: Vec<f32> = (0..n).map(|i| (i % 1999) as f32 * 0.25 - 100.0).collect();
    let bv: Vec<f32> = (0..n).map(|i| (i % 997) as f32 * 0.5 + 0.75).collect();
    let (a, b) = (Tensor::from_vec(av.clone(), [n]).unwrap(), Tensor::from_vec(bv.clone(), [n]).unwrap());
    type NewOp = fn(&Tensor, &Tensor) -> Tensor;
    type Scalar = fn(f32, f32) -> f32;
    let ops: [(OutOp, NewOp, Scalar); 4] = [
        (|a, b, o| a.add_out(b, o), |a, b| a.add(b).unwrap(), |x, y| x + y),
        (|a, b, o| a.sub_out(b, o), |a, b| a.sub(b).unwrap(), |x, y| x - y),
        (|a, b, o| a.mul_out(b, o), |a, b| a.mul(b).unwrap(), |x, y| x * y),
        (|a, b, o| a.div_out(b, o), |a, b| a.div(b).unwrap(), |x, y| x / y),
    ];
    for (out_op, op, scalar) in ops {
        let want: Vec<u32> = av.iter().zip(&bv).map(|(&x, &y)| scalar(x, y).to_bits()).collect();
        let bits = |t: &Tensor| t.to_vec::<f32>().unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert!(bits(&op(&a, &b)) == want, "a new result differs from the scalar arithmetic");
        let out = Tensor::zeros([n]);
        out_op(&a, &b, &out).unwrap();
        assert!(bits(&out) == want, "an out= result differs from the scalar arithmetic");
    }
}

#[test]
fn each_op_writes_what_the_out_of_place_op_returns() {
    let a = Tensor::arange_step(-3.0, 3.0, 0.5).unwrap().reshape([3, 4]).unwrap();
    let b = tensor!([[1.5f32], [-2.0], [4.0]]);
    let ops: [(OutOp, Tensor); 4] = [
        (|a, b, o| a.add_out(b, o), a.add(&b).unwrap()),
        (|a, b, o| a.sub_out(b, o), a.sub(&b).unwrap()),
        (|a, b, o| a.mul_out(b, o), a.mul(&b).unwrap()),
        (|a, b, o| a.div_out(b, o), a.div(&b).unwrap()),
    ];
    for (op, want) in ops {
        let out = Tensor::full([3, 4], f32::NAN, DType::F32).unwrap();
        op(&a, &b, &out).unwrap();
        assert_eq!(values(&out), values(&want));
    }
}

#[test]
fn the_result_lands_in_out_storage_for_every_view() {
    let base = Tensor::zeros([2, 3]);
    let out = base.view([6]).unwrap();
    let a = Tensor::arange(6).unwrap().to_dtype(DType::F32).unwrap();
    a.add_out(10.0, &out).unwrap();
    assert_eq!(values(&base), [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
}

#[test]
fn a_strided_out_is_written_through_its_layout() {
    let base = Tensor::zeros([3, 2]);
    let out = base.t().unwrap();
    let a = tensor!([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    a.mul_out(2.0, &out).unwrap();
    assert_eq!(values(&base), [2.0, 8.0, 4.0, 10.0, 6.0, 12.0]);
}

#[test]
fn out_may_be_an_operand() {
    let a = tensor!([1.0f32, 2.0, 3.0]);
    let b = tensor!([10.0f32, 20.0, 30.0]);
    a.add_out(&b, &a).unwrap();
    assert_eq!(values(&a), [11.0, 22.0, 33.0]);
    // Overlapping views of one storage: each element reads its neighbour's old value, as if the
    // result were computed first (an elementwise loop in place would carry 11 on to 21).
    let c = tensor!([1.0f32, 2.0, 3.0]);
    c.narrow(0, 0, 2).unwrap().add_out(10.0, &c.narrow(0, 1, 2).unwrap()).unwrap();
    assert_eq!(values(&c), [1.0, 11.0, 12.0]);
}

#[test]
fn dtypes_follow_pytorch() {
    // An integer result fits a float out (cast); integer true division gives floats.
    let i = tensor!([1i64, 2, 3]);
    let f = Tensor::zeros([3]);
    i.add_out(&i, &f).unwrap();
    assert_eq!(values(&f), [2.0, 4.0, 6.0]);
    i.div_out(2, &f).unwrap();
    assert_eq!(values(&f), [0.5, 1.0, 1.5]);
    // A float result does not fit an integer out.
    let err = f.add_out(&f, &Tensor::zeros_dtype([3], DType::I64)).unwrap_err().to_string();
    assert!(err.contains("add") && err.contains("f32") && err.contains("i64"), "{err}");
}

#[test]
fn out_is_not_resized() {
    let a = tensor!([1.0f32, 2.0]);
    let err = a.add_out(&a, &Tensor::zeros([3])).unwrap_err().to_string();
    assert!(err.contains("add") && err.contains("[2]") && err.contains("[3]"), "{err}");
    let err = a.add_out(&Tensor::zeros([3]), &Tensor::zeros([2])).unwrap_err().to_string();
    assert!(err.contains("broadcast"), "{err}");
}

#[test]
fn arguments_that_require_grad_are_refused_unless_grad_is_off() {
    let w = tensor!([1.0f32, 2.0]).requires_grad_(true).unwrap();
    let out = Tensor::zeros([2]);
    let err = w.mul_out(3.0, &out).unwrap_err().to_string();
    assert!(err.contains("mul") && err.contains("automatic differentiation"), "{err}");
    let _g = no_grad();
    w.mul_out(3.0, &out).unwrap();
    assert_eq!(values(&out), [3.0, 6.0]);
}
