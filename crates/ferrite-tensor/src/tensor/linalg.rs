//! Linear algebra: `matmul` with PyTorch's rank rules (1-D promotion, batched, broadcast batch
//! dims), its named special cases (dot, mv, mm, bmm), and norms.

use super::Tensor;
use crate::op::Op;
use crate::{Error, Layout, Result, Shape};

fn mismatch(op: &'static str, a: &Tensor, b: &Tensor, reason: String) -> Error {
    Error::MatmulShape { op, lhs: a.shape().clone(), rhs: b.shape().clone(), reason }
}

/// A `[batch, rows, cols]` layout of `t` (already expanded to `batch_dims + [rows, cols]`) without a
/// copy when the batch dims collapse to one stride, else of a contiguous copy.
fn as_batched(t: &Tensor, batch: usize) -> Result<(Tensor, Layout)> {
    let r = t.dim();
    let (rows, cols) = (t.dims()[r - 2], t.dims()[r - 1]);
    let l = t.layout();
    let bdims = &l.dims()[..r - 2];
    let bstrides = &l.strides()[..r - 2];
    let shape = Shape::from([batch, rows, cols]);
    // The batch dims collapse when each stride equals the next one times its size (or all are 0).
    let collapses = bdims.windows(2).zip(bstrides.windows(2)).all(|(d, s)| d[1] == 1 || s[0] == s[1] * d[1])
        || bstrides.iter().all(|&s| s == 0);
    if collapses {
        let bs = bdims.iter().zip(bstrides).rev().find(|(d, _)| **d != 1).map_or(0, |(_, s)| *s);
        let strides = vec![bs, l.strides()[r - 2], l.strides()[r - 1]];
        return Ok((t.clone(), Layout::new(shape, strides, l.offset())));
    }
    let c = t.deep_clone()?;
    let lc = Layout::contiguous(shape);
    Ok((c, lc))
}

impl Tensor {
    /// Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is promoted to
    /// a matrix and the added dim removed, and leading dims broadcast as batch dims.
    ///
    /// ```
    /// use ferrite_tensor::Tensor;
    /// let a = Tensor::ones([2, 3, 4]);
    /// let b = Tensor::ones([4, 5]);
    /// assert_eq!(a.matmul(&b)?.dims(), &[2, 3, 5]);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn matmul(&self, rhs: &Tensor) -> Result<Tensor> {
        let name = match (self.dim(), rhs.dim()) {
            (1, 1) => "DotBackward0",
            (2, 1) => "MvBackward0",
            (2, 2) => "MmBackward0",
            (3, 3) => "BmmBackward0",
            _ => "UnsafeViewBackward0",
        };
        self.matmul_named(rhs, "matmul", name)
    }

    fn matmul_named(&self, rhs: &Tensor, op: &'static str, name: &'static str) -> Result<Tensor> {
        let (a, b) = (self, rhs);
        if a.dim() == 0 || b.dim() == 0 {
            return Err(mismatch(op, a, b, "both arguments need at least 1 dimension".into()));
        }
        a.same_device(b, op)?;
        let dtype = a.dtype().promote(b.dtype());
        let (a, b) = (a.to_dtype(dtype)?, b.to_dtype(dtype)?);
        // Promote 1-D operands to matrices.
        let a2 = if a.dim() == 1 { a.with_layout(a.layout().unsqueeze(0)) } else { a.detach() };
        let b2 = if b.dim() == 1 { b.with_layout(b.layout().unsqueeze(1)) } else { b.detach() };
        let (ra, rb) = (a2.dim(), b2.dim());
        let (m, k) = (a2.dims()[ra - 2], a2.dims()[ra - 1]);
        let (k2, n) = (b2.dims()[rb - 2], b2.dims()[rb - 1]);
        if k != k2 {
            return Err(mismatch(op, &a, &b, format!("inner sizes {k} and {k2} differ")));
        }
        let ba = Shape::from(&a2.dims()[..ra - 2]);
        let bb = Shape::from(&b2.dims()[..rb - 2]);
        let batch_shape = ba.broadcast(&bb, op)?;
        let batch = batch_shape.numel();
        let mut full_a = batch_shape.dims().to_vec();
        full_a.extend([m, k]);
        let mut full_b = batch_shape.dims().to_vec();
        full_b.extend([k, n]);
        let ea = a2.with_layout(a2.layout().broadcast_to(&Shape::from(full_a), op)?);
        let eb = b2.with_layout(b2.layout().broadcast_to(&Shape::from(full_b), op)?);
        let (ta, la) = as_batched(&ea, batch)?;
        let (tb, lb) = as_batched(&eb, batch)?;
        let data = {
            let ga = ta.storage().read();
            if ta.storage().same(tb.storage()) {
                ga.matmul(&la, &**ga, &lb)?
            } else {
                ga.matmul(&la, &**tb.storage().read(), &lb)?
            }
        };
        let mut out_dims = batch_shape.dims().to_vec();
        if a.dim() > 1 {
            out_dims.push(m);
        }
        if b.dim() > 1 {
            out_dims.push(n);
        }
        Ok(Tensor::result(data, Shape::from(out_dims), || (Op::Matmul, name), &[&a, &b], |_| vec![]))
    }

    /// Dot product of two 1-D tensors.
    pub fn dot(&self, rhs: &Tensor) -> Result<Tensor> {
        if self.dim() != 1 || rhs.dim() != 1 || self.numel() != rhs.numel() {
            return Err(mismatch("dot", self, rhs, "expected two 1-D tensors of the same size".into()));
        }
        self.matmul_named(rhs, "dot", "DotBackward0")
    }

    /// Matrix-vector product.
    pub fn mv(&self, rhs: &Tensor) -> Result<Tensor> {
        if self.dim() != 2 || rhs.dim() != 1 {
            return Err(mismatch("mv", self, rhs, "expected a matrix and a vector".into()));
        }
        self.matmul_named(rhs, "mv", "MvBackward0")
    }

    /// Matrix-matrix product of two 2-D tensors.
    pub fn mm(&self, rhs: &Tensor) -> Result<Tensor> {
        if self.dim() != 2 || rhs.dim() != 2 {
            return Err(mismatch("mm", self, rhs, "expected two matrices".into()));
        }
        self.matmul_named(rhs, "mm", "MmBackward0")
    }

    /// `self + mat1 @ mat2` (PyTorch's `torch.addmm(input, mat1, mat2)`), `self` broadcast to the
    /// product's shape; recorded as `AddmmBackward0`, which is what a `Linear` layer's output
    /// shows in PyTorch (`grad_fn=<AddmmBackward0>`).
    ///
    /// ```
    /// use ferrite_tensor::{Tensor, tensor};
    /// let w = Tensor::ones([2, 3]).requires_grad_(true)?;
    /// let y = tensor!([10.0, 20.0, 30.0]).addmm(&Tensor::ones([1, 2]), &w)?;
    /// assert_eq!(y.to_string(), "tensor([[12., 22., 32.]], grad_fn=<AddmmBackward0>)");
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn addmm(&self, mat1: &Tensor, mat2: &Tensor) -> Result<Tensor> {
        let product = mat1.mm(mat2)?;
        product.binary_op(super::arith::Operand::Tensor(self), crate::op::BinaryOp::Add, "AddmmBackward0")
    }

    /// Batched matrix product of two 3-D tensors with equal batch sizes.
    pub fn bmm(&self, rhs: &Tensor) -> Result<Tensor> {
        if self.dim() != 3 || rhs.dim() != 3 || self.dims()[0] != rhs.dims()[0] {
            return Err(mismatch(
                "bmm",
                self,
                rhs,
                "expected two 3-D tensors with the same batch size".into(),
            ));
        }
        self.matmul_named(rhs, "bmm", "BmmBackward0")
    }

    /// The L2 (Frobenius) norm of all elements, PyTorch's `torch.norm(x)`.
    ///
    /// ```
    /// use ferrite_tensor::tensor;
    /// let n: f32 = tensor!([3.0, -4.0]).norm()?.item()?;
    /// assert_eq!(n, 5.0);
    /// # Ok::<(), ferrite_tensor::Error>(())
    /// ```
    pub fn norm(&self) -> Result<Tensor> {
        self.norm_p(2.0, &[], false)
    }

    /// A p-norm (1 < p < inf) computed by its composite without recording, then recorded as one
    /// `Norm` node whose rule is exact at zero.
    fn norm_recorded(&self, p: f64, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?;
        let out = {
            let _g = crate::no_grad();
            let a = x.abs()?;
            if p == 2.0 {
                a.square()?.sum(dims, keepdim)?.sqrt()?
            } else {
                a.pow(p)?.sum(dims, keepdim)?.pow(1.0 / p)?
            }
        };
        let mut d = dims
            .iter()
            .map(|&d| crate::shape::normalize_dim(d, x.dim(), "norm"))
            .collect::<Result<Vec<_>>>()?;
        d.sort_unstable();
        d.dedup();
        if x.dim() == 0 {
            d.clear();
        }
        Ok(out.record(
            || (Op::Norm { p, dims: d, keepdim }, "LinalgVectorNormBackward0"),
            &[&x],
            |o| vec![o.detach()],
        ))
    }

    /// The p-norm over `dims` (all when empty): `p = 1` is the sum of absolute values, `p = inf`
    /// the largest absolute value.
    pub fn norm_p(&self, p: f64, dims: &[isize], keepdim: bool) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?.abs()?;
        if p == 1.0 {
            x.sum(dims, keepdim)
        } else if p == f64::INFINITY {
            x.amax(dims, keepdim)
        } else if p > 0.0 {
            self.norm_recorded(p, dims, keepdim)
        } else {
            Err(Error::InvalidArgument {
                op: "norm",
                reason: format!("p = {p} is not supported (use p > 0 or inf)"),
            })
        }
    }
}
