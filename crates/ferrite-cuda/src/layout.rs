//! The layout every kernel takes by value (`Strided`, mirroring `struct Strided` in
//! kernels/common.cuh) and the merging of dims that lets most ops run as one flat loop.

use crate::error::{Error, Result};
use cudarc::driver::DeviceRepr;
use ferrite_tensor::{Device, Layout};

/// The most dims a kernel addresses (after merging).
pub(crate) const MAX_DIMS: usize = 8;

/// Rank, offset, sizes and strides (in elements) of a view: 144 bytes passed by value.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Strided {
    rank: u64,
    offset: u64,
    dims: [u64; MAX_DIMS],
    strides: [u64; MAX_DIMS],
}

// SAFETY: a plain `#[repr(C)]` struct of integers with the layout of the kernels' `struct Strided`.
unsafe impl DeviceRepr for Strided {}

impl Strided {
    fn from_parts(
        dims: &[usize],
        strides: &[usize],
        offset: usize,
        op: &'static str,
        device: Device,
    ) -> Result<Self> {
        if dims.len() > MAX_DIMS {
            return Err(Error::Layout {
                op,
                device,
                reason: format!(
                    "{} dims that do not merge (the kernels address at most {MAX_DIMS})",
                    dims.len()
                ),
            });
        }
        let mut s = Strided {
            rank: dims.len() as u64,
            offset: offset as u64,
            dims: [1; MAX_DIMS],
            strides: [0; MAX_DIMS],
        };
        for (i, (&d, &st)) in dims.iter().zip(strides).enumerate() {
            s.dims[i] = d as u64;
            s.strides[i] = st as u64;
        }
        Ok(s)
    }

    /// The layout as it is, dim for dim (for kernels that need to know which dim is which).
    pub(crate) fn exact(l: &Layout, op: &'static str, device: Device) -> Result<Self> {
        Self::from_parts(l.dims(), l.strides(), l.offset(), op, device)
    }

    /// A row-major layout of `dims` with the given strides (a view's dims with another size).
    pub(crate) fn with_dims(
        dims: &[usize],
        strides: &[usize],
        offset: usize,
        op: &'static str,
        device: Device,
    ) -> Result<Self> {
        Self::from_parts(dims, strides, offset, op, device)
    }

    /// The dense layout of `n` elements.
    pub(crate) fn dense(n: usize) -> Self {
        let mut s = Strided { rank: 1, offset: 0, dims: [1; MAX_DIMS], strides: [0; MAX_DIMS] };
        s.dims[0] = n as u64;
        s.strides[0] = 1;
        s
    }
}

/// Layouts of one shape, with size-1 dims dropped and neighbouring dims merged wherever every
/// layout steps through them as one (a contiguous tensor becomes one dim). Row-major element `i`
/// is the same element before and after, so kernels index them by the flat position.
pub(crate) fn collapse<const N: usize>(
    ls: [&Layout; N],
    op: &'static str,
    device: Device,
) -> Result<[Strided; N]> {
    let rank = ls[0].rank();
    debug_assert!(ls.iter().all(|l| l.dims() == ls[0].dims()), "collapse: layouts of one shape");
    // Merged dims, innermost first: (size, stride per layout).
    let mut merged: Vec<(usize, [usize; N])> = Vec::with_capacity(rank);
    for d in (0..rank).rev() {
        let size = ls[0].dims()[d];
        if size == 1 {
            continue;
        }
        let strides: [usize; N] = std::array::from_fn(|k| ls[k].strides()[d]);
        match merged.last_mut() {
            Some((inner, inner_strides)) if (0..N).all(|k| strides[k] == inner_strides[k] * *inner) => {
                *inner *= size
            }
            _ => merged.push((size, strides)),
        }
    }
    if merged.is_empty() {
        merged.push((1, [1; N]));
    }
    merged.reverse();
    let dims: Vec<usize> = merged.iter().map(|m| m.0).collect();
    let mut out = [Strided::dense(0); N];
    for k in 0..N {
        let strides: Vec<usize> = merged.iter().map(|m| m.1[k]).collect();
        out[k] = Strided::from_parts(&dims, &strides, ls[k].offset(), op, device)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_has_the_kernels_size() {
        // struct Strided in kernels/common.cuh: two u64 and two arrays of 8 u64.
        assert_eq!(std::mem::size_of::<Strided>(), 8 * (2 + 2 * MAX_DIMS));
    }

    /// Every kernel parameter is a pointer or size (8 bytes), a scalar, or a `Strided` of exactly
    /// this struct's size: the PTX side of the ABI that launches check at run time.
    #[test]
    fn kernel_parameters_are_scalars_or_strided() {
        use crate::kernels::{all_kernel_names, param_sizes};
        for (m, name) in all_kernel_names() {
            let sizes =
                param_sizes(m, &name).unwrap_or_else(|| panic!("{name} is not in ptx/{}.ptx", m.name()));
            assert!(sizes.len() >= 4, "{name}: {sizes:?}");
            for s in &sizes {
                assert!([1, 4, 8, std::mem::size_of::<Strided>()].contains(s), "{name}: {sizes:?}");
            }
        }
        // Spot checks of the C signatures the launches in ops/ are written against.
        let strided = std::mem::size_of::<Strided>();
        let of = |m, n: &str| param_sizes(m, n).unwrap();
        use crate::kernels::Module::*;
        assert_eq!(of(Elementwise, "unary_affine_f32"), [8, 8, 8, strided, 8, 8, 4]);
        assert_eq!(of(Elementwise, "binary_lt_i64"), [8, 8, 8, strided, 8, strided]);
        assert_eq!(of(Elementwise, "fill_u8"), [8, 8, strided, 1]);
        assert_eq!(of(Elementwise, "fill_f32"), [8, 8, strided, 4]);
        assert_eq!(of(Reduce, "reduce_argmin_f64"), [8, 8, strided, strided, 8, 8]);
        assert_eq!(of(Reduce, "reduce_sum_f32"), [8, 8, strided, strided, 8, 8, 8]);
        assert_eq!(of(Index, "index_select_u8"), [8, 8, 8, strided, 8, strided, 8, 8, 8]);
        assert_eq!(of(Matmul, "matmul_i64"), [8, 8, strided, 8, strided, 8, 8, 8, 8]);
    }

    #[test]
    fn contiguous_and_broadcast_layouts_merge() {
        let d = Device::Cuda(0);
        let dense = Layout::contiguous([2, 3, 4]);
        let [s] = collapse([&dense], "t", d).unwrap();
        assert_eq!((s.rank, s.dims[0], s.strides[0]), (1, 24, 1));
        // A row broadcast over a matrix keeps two dims; the dense operand merges nothing with it.
        let row = Layout::contiguous([4]).broadcast_to(&ferrite_tensor::Shape::from([3, 4]), "t").unwrap();
        let [a, b] = collapse([&Layout::contiguous([3, 4]), &row], "t", d).unwrap();
        assert_eq!((a.rank, a.strides[..2].to_vec(), b.strides[..2].to_vec()), (2, vec![4, 1], vec![0, 1]));
        // A transposed view stays two dims; a scalar becomes one dim of size 1.
        let [t] = collapse([&Layout::contiguous([3, 4]).transpose(0, 1)], "t", d).unwrap();
        assert_eq!((t.rank, t.dims[..2].to_vec(), t.strides[..2].to_vec()), (2, vec![4, 3], vec![1, 4]));
        let [s] = collapse([&Layout::contiguous(Vec::<usize>::new())], "t", d).unwrap();
        assert_eq!((s.rank, s.dims[0]), (1, 1));
    }

    #[test]
    fn too_many_dims_is_an_error() {
        let l = Layout::contiguous([2; 9]).permute(&[8, 7, 6, 5, 4, 3, 2, 1, 0]).unwrap();
        let err = collapse([&l], "add", Device::Cuda(0)).unwrap_err();
        assert!(err.to_string().starts_with("add on cuda:0: unsupported layout: 9 dims"), "{err}");
    }
}
