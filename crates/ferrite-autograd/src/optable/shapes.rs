//! Input shapes for op-table rows, derived from a random base shape (rank 0 to 3): the same shape,
//! broadcast-compatible pairs, shapes with a minimum rank, and matmul's rank combinations.

use crate::gradcheck::SplitMix;

type Shapes = Vec<Vec<usize>>;

/// `base` with leading dims added (sizes 2, 3, ...) up to rank `r`.
fn at_least(base: &[usize], r: usize) -> Vec<usize> {
    let mut v = base.to_vec();
    while v.len() < r {
        v.insert(0, 2 + v.len());
    }
    v
}

/// A shape that broadcasts to `base`: some leading dims dropped, some others set to 1.
fn shrink(base: &[usize], rng: &mut SplitMix) -> Vec<usize> {
    let drop = rng.below(base.len() + 1);
    base[drop..].iter().map(|&d| if rng.below(2) == 0 { 1 } else { d }).collect()
}

/// One input of the base shape.
pub(super) fn same(b: &[usize], _: &mut SplitMix) -> Shapes {
    vec![b.to_vec()]
}

/// Two inputs of the base shape.
pub(super) fn same2(b: &[usize], _: &mut SplitMix) -> Shapes {
    vec![b.to_vec(), b.to_vec()]
}

/// Two inputs that broadcast together, the smaller one on either side.
pub(super) fn bcast2(b: &[usize], rng: &mut SplitMix) -> Shapes {
    let other = shrink(b, rng);
    if rng.below(2) == 0 { vec![b.to_vec(), other] } else { vec![other, b.to_vec()] }
}

/// A base and a value that broadcasts to it (in-place updates, `copy_`).
pub(super) fn into_base(b: &[usize], rng: &mut SplitMix) -> Shapes {
    vec![b.to_vec(), shrink(b, rng)]
}

/// One input of rank at least 1.
pub(super) fn rank1(b: &[usize], _: &mut SplitMix) -> Shapes {
    vec![at_least(b, 1)]
}

/// One input of rank at least 2.
pub(super) fn rank2(b: &[usize], _: &mut SplitMix) -> Shapes {
    vec![at_least(b, 2)]
}

/// Rank at least 1 with a last dim of at least 2 (unbiased variance, narrowing off one element).
pub(super) fn wide_last(b: &[usize], _: &mut SplitMix) -> Shapes {
    let mut s = at_least(b, 1);
    if let Some(last) = s.last_mut() {
        *last = (*last).max(2);
    }
    vec![s]
}

/// A leading dim of size 1 (`squeeze(0)`).
pub(super) fn lead_one(b: &[usize], _: &mut SplitMix) -> Shapes {
    let mut s = b.to_vec();
    s.insert(0, 1);
    vec![s]
}

/// Rank at least 1 with random dims set to 1 (`squeeze_all`, `expand`).
pub(super) fn with_ones(b: &[usize], rng: &mut SplitMix) -> Shapes {
    vec![at_least(b, 1).iter().map(|&d| if rng.below(2) == 0 { 1 } else { d }).collect()]
}

/// Rank at most 2 (`t()`).
pub(super) fn matrix(b: &[usize], _: &mut SplitMix) -> Shapes {
    vec![b[b.len().saturating_sub(2)..].to_vec()]
}

/// Two inputs of rank at least 1 that differ only in dim 0 (`cat`).
pub(super) fn cat2(b: &[usize], rng: &mut SplitMix) -> Shapes {
    let a = at_least(b, 1);
    let mut c = a.clone();
    c[0] = 1 + rng.below(3);
    vec![a, c]
}

/// A base of rank at least 1 and a value that broadcasts to `base[0]` (`set_(s![0], value)`).
pub(super) fn row_value(b: &[usize], rng: &mut SplitMix) -> Shapes {
    let a = at_least(b, 1);
    let v = shrink(&a[1..], rng);
    vec![a, v]
}

/// Matrix sizes `(m, k, n)` and a batch size from the base shape's dims.
fn sizes(b: &[usize]) -> [usize; 4] {
    let d = |i: usize| b.get(i).copied().unwrap_or(2 + i % 2).max(1);
    [d(0), d(1), d(2), d(0) + 1]
}

macro_rules! matmul_shapes {
    ($($name:ident => |$m:ident, $k:ident, $n:ident, $bt:ident| $shapes:expr;)*) => {$(
        /// Matmul operand shapes for one rank combination.
        pub(super) fn $name(b: &[usize], _: &mut SplitMix) -> Shapes {
            let [$m, $k, $n, $bt] = sizes(b);
            let _ = ($m, $k, $n, $bt);
            $shapes
        }
    )*};
}

matmul_shapes! {
    mm_vv => |m, k, n, bt| vec![vec![k], vec![k]];
    mm_mv => |m, k, n, bt| vec![vec![m, k], vec![k]];
    mm_vm => |m, k, n, bt| vec![vec![k], vec![k, n]];
    mm_mm => |m, k, n, bt| vec![vec![m, k], vec![k, n]];
    addmm_shapes => |m, k, n, bt| vec![vec![n], vec![m, k], vec![k, n]];
    mm_bb => |m, k, n, bt| vec![vec![bt, m, k], vec![bt, k, n]];
    mm_bm => |m, k, n, bt| vec![vec![bt, m, k], vec![k, n]];
    mm_mb => |m, k, n, bt| vec![vec![m, k], vec![bt, k, n]];
    mm_vb => |m, k, n, bt| vec![vec![k], vec![bt, k, n]];
    mm_bv => |m, k, n, bt| vec![vec![bt, m, k], vec![k]];
    mm_broadcast => |m, k, n, bt| vec![vec![2, 1, m, k], vec![bt, k, n]];
}
