//! Laws of the tensor core, checked with proptest on random shapes and values: broadcasting,
//! reshape, transpose, strided views, cat/split, matmul, sums, aliasing and in-place ops each agree
//! with a naive model written here over plain `Vec`s and index arithmetic.
//!
//! Values are small integers stored as `f64` wherever the law is exact (sums of them are exact),
//! and uniform reals where the law holds up to rounding (matmul, with an `atol`).

use ferrite_tensor::{Result, Tensor, s};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Keeps each law to a fraction of a second in the dev profile.
const CASES: u32 = 64;

/// Dims and row-major values.
type Array = (Vec<usize>, Vec<f64>);

// ---- the naive model -----------------------------------------------------------------------

/// Row-major multi-index of the `flat`-th element of `dims`.
fn unravel(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for (i, &d) in dims.iter().enumerate().rev() {
        idx[i] = flat % d;
        flat /= d;
    }
    idx
}

/// Row-major position of `idx` in `dims`.
fn ravel(idx: &[usize], dims: &[usize]) -> usize {
    idx.iter().zip(dims).fold(0, |acc, (&i, &d)| acc * d + i)
}

fn numel(dims: &[usize]) -> usize {
    dims.iter().product()
}

/// NumPy's broadcast shape, or `None`.
fn broadcast_dims(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            match (da, db) {
                (x, y) if x == y => Some(x),
                (1, y) => Some(y),
                (x, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}

/// The index into an operand of `dims` that broadcasting reads for output index `out`.
fn broadcast_source(out: &[usize], dims: &[usize]) -> usize {
    let lead = out.len() - dims.len();
    let idx: Vec<usize> =
        dims.iter().enumerate().map(|(i, &d)| if d == 1 { 0 } else { out[lead + i] }).collect();
    ravel(&idx, dims)
}

/// Elementwise `f` of two row-major arrays, broadcast.
fn naive_binary(a: &[f64], ad: &[usize], b: &[f64], bd: &[usize], f: fn(f64, f64) -> f64) -> Vec<f64> {
    let out = broadcast_dims(ad, bd).expect("broadcastable");
    (0..numel(&out))
        .map(|k| {
            let idx = unravel(k, &out);
            f(a[broadcast_source(&idx, ad)], b[broadcast_source(&idx, bd)])
        })
        .collect()
}

/// PyTorch's `matmul` by triple loop: 1-D operands are promoted and the added dim removed after,
/// batch dims broadcast. Returns the output dims and values.
fn naive_matmul(a: &[f64], ad: &[usize], b: &[f64], bd: &[usize]) -> Array {
    let a2: Vec<usize> = if ad.len() == 1 { vec![1, ad[0]] } else { ad.to_vec() };
    let b2: Vec<usize> = if bd.len() == 1 { vec![bd[0], 1] } else { bd.to_vec() };
    let (ra, rb) = (a2.len(), b2.len());
    let (m, k, n) = (a2[ra - 2], a2[ra - 1], b2[rb - 1]);
    let batch = broadcast_dims(&a2[..ra - 2], &b2[..rb - 2]).expect("batch dims broadcast");
    let mut out = Vec::with_capacity(numel(&batch) * m * n);
    for bi in 0..numel(&batch) {
        let bidx = unravel(bi, &batch);
        let oa = broadcast_source(&bidx, &a2[..ra - 2]) * m * k;
        let ob = broadcast_source(&bidx, &b2[..rb - 2]) * k * n;
        for i in 0..m {
            for j in 0..n {
                out.push((0..k).map(|p| a[oa + i * k + p] * b[ob + p * n + j]).sum());
            }
        }
    }
    let mut dims = batch;
    if ad.len() > 1 {
        dims.push(m);
    }
    if bd.len() > 1 {
        dims.push(n);
    }
    (dims, out)
}

/// Sum over `dims` (all when empty) of a row-major array; the output dims keep size 1 when
/// `keepdim`.
fn naive_sum(x: &[f64], xd: &[usize], dims: &[usize], keepdim: bool) -> Array {
    let reduced = |i: usize| dims.is_empty() || dims.contains(&i);
    let kept: Vec<usize> = xd.iter().enumerate().map(|(i, &d)| if reduced(i) { 1 } else { d }).collect();
    let mut out = vec![0.0; numel(&kept)];
    for (flat, v) in x.iter().enumerate() {
        let idx = unravel(flat, xd);
        let oidx: Vec<usize> = idx.iter().enumerate().map(|(i, &j)| if reduced(i) { 0 } else { j }).collect();
        out[ravel(&oidx, &kept)] += v;
    }
    let dims_out = if keepdim {
        kept
    } else {
        xd.iter().enumerate().filter(|&(i, _)| !reduced(i)).map(|(_, &d)| d).collect()
    };
    (dims_out, out)
}

// ---- strategies ----------------------------------------------------------------------------

/// Dims of rank `0..=max_rank`, each `0..=4`.
fn dims(max_rank: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=4, 0..=max_rank)
}

/// Small integers as `f64`, so sums and products are exact.
fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-9i32..=9).prop_map(f64::from), n)
}

/// Dims and matching values.
fn array(max_rank: usize) -> impl Strategy<Value = Array> {
    dims(max_rank).prop_flat_map(|d| {
        let n = numel(&d);
        (Just(d), values(n))
    })
}

/// Dims of at least rank `min_rank`, each `1..=4`, with values.
fn nonempty_array(min_rank: usize, max_rank: usize) -> impl Strategy<Value = Array> {
    prop::collection::vec(1usize..=4, min_rank..=max_rank).prop_flat_map(|d| {
        let n = numel(&d);
        (Just(d), values(n))
    })
}

/// An operand shape that broadcasts to `out`: a suffix of it with some dims set to 1.
fn broadcastable_to(out: Vec<usize>) -> impl Strategy<Value = Vec<usize>> {
    let n = out.len();
    (0..=n, prop::collection::vec(any::<bool>(), n)).prop_map(move |(rank, ones)| {
        out[n - rank..].iter().zip(&ones).map(|(&d, &one)| if one { 1 } else { d }).collect()
    })
}

/// Two arrays whose shapes broadcast together.
fn broadcast_pair() -> impl Strategy<Value = (Array, Array)> {
    dims(4).prop_flat_map(|out| (broadcastable_to(out.clone()), broadcastable_to(out))).prop_flat_map(
        |(a, b)| {
            let (na, nb) = (numel(&a), numel(&b));
            ((Just(a), values(na)), (Just(b), values(nb)))
        },
    )
}

fn t(d: &[usize], v: &[f64]) -> Tensor {
    Tensor::from_slice(v, d).expect("values match dims")
}

fn vals(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().expect("to_vec")
}

/// Turns a core error into a failed case with its message.
fn ok<T>(r: Result<T>) -> std::result::Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(e.to_string()))
}

/// The same values as `x` in a column-major (non-contiguous) layout: the last two dims swapped in
/// storage and swapped back by a transpose view.
fn column_major(x: &Tensor) -> Result<Tensor> {
    if x.dim() < 2 {
        return Ok(x.clone());
    }
    x.transpose(-1, -2)?.contiguous()?.transpose(-1, -2)
}

// ---- laws ----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// `a op b` equals `a.expand(s).contiguous() op b.expand(s).contiguous()`, and both equal the
    /// naive broadcast.
    #[test]
    fn broadcast_agrees_with_explicit_expand(((ad, av), (bd, bv)) in broadcast_pair()) {
        let (a, b) = (t(&ad, &av), t(&bd, &bv));
        let out = broadcast_dims(&ad, &bd).unwrap();
        let ea = ok(ok(a.expand(out.as_slice()))?.contiguous())?;
        let eb = ok(ok(b.expand(out.as_slice()))?.contiguous())?;
        prop_assert_eq!(ea.dims(), out.as_slice());
        prop_assert_eq!(vals(&ea), naive_binary(&av, &ad, &vec![0.0; numel(&out)], &out, |x, _| x));
        type Law = (fn(&Tensor, &Tensor) -> Result<Tensor>, fn(f64, f64) -> f64);
        let ops: [Law; 4] = [
            (|x, y| x.add(y), |x, y| x + y),
            (|x, y| x.sub(y), |x, y| x - y),
            (|x, y| x.mul(y), |x, y| x * y),
            (|x, y| x.maximum(y), f64::max),
        ];
        for (op, f) in ops {
            let implicit = ok(op(&a, &b))?;
            let explicit = ok(op(&ea, &eb))?;
            prop_assert_eq!(implicit.dims(), out.as_slice());
            prop_assert_eq!(vals(&implicit), vals(&explicit));
            prop_assert_eq!(vals(&implicit), naive_binary(&av, &ad, &bv, &bd, f));
        }
    }

    /// `x.reshape(s).reshape(x.shape)` is `x`, for contiguous and transposed `x`; a reshape keeps
    /// the row-major order of the elements.
    #[test]
    fn reshape_round_trips(
        (d, v) in array(4),
        split in prop::collection::vec(any::<prop::sample::Index>(), 0..=3),
    ) {
        // A new shape with the same numel: the count factored another way (some zero-size shape
        // when there are no elements).
        let n = numel(&d);
        let target = if n == 0 {
            if split.len() % 2 == 0 { vec![0] } else { vec![2, 0, 3] }
        } else {
            let mut rest = n;
            let mut target = vec![];
            for ix in &split {
                let divisors: Vec<usize> = (1..=rest).filter(|&k| rest.is_multiple_of(k)).collect();
                let k = divisors[ix.index(divisors.len())];
                target.push(k);
                rest /= k;
            }
            target.push(rest);
            target
        };
        let x = t(&d, &v);
        for x in [x.clone(), ok(column_major(&x))?] {
            let y = ok(x.reshape(target.as_slice()))?;
            prop_assert_eq!(y.dims(), target.as_slice());
            prop_assert_eq!(vals(&y), v.clone());
            let back = ok(y.reshape(d.as_slice()))?;
            prop_assert_eq!(back.dims(), d.as_slice());
            prop_assert_eq!(vals(&back), v.clone());
        }
    }

    /// Transposing the same two dims twice gives back the same shape, strides and values; a
    /// permutation followed by its inverse does too.
    #[test]
    fn transpose_twice_is_identity(
        (d, v) in array(4),
        i in any::<prop::sample::Index>(),
        j in any::<prop::sample::Index>(),
        perm in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        prop_assume!(!d.is_empty());
        let x = t(&d, &v);
        let (a, b) = (i.index(d.len()) as isize, j.index(d.len()) as isize);
        let xt = ok(x.transpose(a, b))?;
        let back = ok(xt.transpose(a, b))?;
        prop_assert_eq!(back.layout(), x.layout());
        prop_assert_eq!(vals(&back), v.clone());
        // Elementwise, the transpose reads x at the swapped index.
        let xtv = vals(&xt);
        for (k, got) in xtv.iter().enumerate() {
            let mut idx = unravel(k, xt.dims());
            idx.swap(a as usize, b as usize);
            prop_assert_eq!(*got, v[ravel(&idx, &d)]);
        }
        // A permutation of the rank's dims and its inverse.
        let p: Vec<isize> = perm.iter().filter(|&&q| q < d.len()).map(|&q| q as isize).collect();
        let mut inv = vec![0isize; p.len()];
        for (k, &q) in p.iter().enumerate() { inv[q as usize] = k as isize; }
        let round = ok(ok(x.permute(&p))?.permute(&inv))?;
        prop_assert_eq!(round.layout(), x.layout());
    }

    /// Strided views (transposes, slices with a step, selects) read the same elements as their
    /// contiguous copies, through every kind of kernel: copy, unary, binary, reduction, matmul.
    #[test]
    fn strided_view_equals_contiguous_copy(
        (d, v) in nonempty_array(2, 4),
        start in 0isize..4,
        end in -4isize..=4,
        step in 1usize..=3,
        dim in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
    ) {
        let x = t(&d, &v);
        let dim = dim.index(d.len()) as isize;
        let end = if end <= 0 { None } else { Some(end) };
        let mut items = vec![ferrite_tensor::IndexItem::from(..); dim as usize];
        items.push(ferrite_tensor::IndexItem::Slice { start: Some(start), end, step });
        let sliced = ok(x.i(&items))?;
        let selected = ok(x.select(0, at.index(d[0]) as isize))?;
        let views = [ok(x.transpose(0, -1))?, ok(sliced.transpose(0, -1))?, sliced.clone(), selected];
        // The slice, elementwise: along `dim`, position p reads start + p * step.
        let sv = vals(&sliced);
        for (k, got) in sv.iter().enumerate() {
            let mut idx = unravel(k, sliced.dims());
            idx[dim as usize] = start as usize + idx[dim as usize] * step;
            prop_assert_eq!(*got, v[ravel(&idx, &d)]);
        }
        for view in &views {
            let copy = ok(view.contiguous())?;
            prop_assert!(copy.is_contiguous());
            prop_assert_eq!(copy.dims(), view.dims());
            prop_assert_eq!(vals(view), vals(&copy));
            prop_assert_eq!(vals(&ok(view.neg())?), vals(&ok(copy.neg())?));
            prop_assert_eq!(vals(&ok(view.add(view))?), vals(&ok(copy.add(&copy))?));
            prop_assert_eq!(vals(&ok(view.mul(&copy))?), vals(&ok(copy.mul(&copy))?));
            if view.dim() > 0 {
                prop_assert_eq!(vals(&ok(view.sum(&[0], false))?), vals(&ok(copy.sum(&[0], false))?));
                prop_assert_eq!(vals(&ok(view.cumsum(-1))?), vals(&ok(copy.cumsum(-1))?));
            }
            prop_assert_eq!(vals(&ok(view.sum_all())?), vals(&ok(copy.sum_all())?));
            if view.dim() >= 2 {
                let vt = ok(view.transpose(-1, -2))?;
                let ct = ok(ok(copy.transpose(-1, -2))?.contiguous())?;
                prop_assert_eq!(vals(&ok(view.matmul(&vt))?), vals(&ok(copy.matmul(&ct))?));
            }
        }
    }

    /// `cat` along a dim then `split_sizes` by the parts' sizes gives the parts back.
    #[test]
    fn cat_then_split_is_identity(
        base in prop::collection::vec(0usize..=3, 1..=3),
        dim in any::<prop::sample::Index>(),
        sizes in prop::collection::vec(0usize..=3, 1..=4),
        seed in any::<u64>(),
    ) {
        let d = dim.index(base.len());
        let mut next = seed;
        let parts: Vec<Array> = sizes
            .iter()
            .map(|&s| {
                let mut dims = base.clone();
                dims[d] = s;
                let v = (0..numel(&dims))
                    .map(|_| {
                        next = next.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        f64::from((next >> 59) as u8) - 16.0
                    })
                    .collect();
                (dims, v)
            })
            .collect();
        let tensors: Vec<Tensor> = parts.iter().map(|(dd, v)| t(dd, v)).collect();
        let refs: Vec<&Tensor> = tensors.iter().collect();
        let joined = ok(Tensor::cat(&refs, d as isize))?;
        let mut jd = base.clone();
        jd[d] = sizes.iter().sum();
        prop_assert_eq!(joined.dims(), jd.as_slice());
        let pieces = ok(joined.split_sizes(&sizes, d as isize))?;
        prop_assert_eq!(pieces.len(), parts.len());
        for (piece, (dd, v)) in pieces.iter().zip(&parts) {
            prop_assert_eq!(piece.dims(), dd.as_slice());
            prop_assert_eq!(&vals(piece), v);
        }
    }

    /// `matmul` equals the triple loop on random shapes: vectors, matrices, batches that
    /// broadcast, 1-D operands promoted on either side, contiguous or column-major operands.
    #[test]
    fn matmul_equals_naive_loop(
        (m, k, n) in (0usize..=5, 0usize..=5, 0usize..=5),
        (a_kind, b_kind) in (0usize..4, 0usize..4),
        batch in prop::collection::vec(1usize..=3, 0..=2),
        (ones_a, ones_b) in (prop::collection::vec(any::<bool>(), 2), prop::collection::vec(any::<bool>(), 2)),
        (col_a, col_b) in (any::<bool>(), any::<bool>()),
        seed in any::<u64>(),
    ) {
        // Kind 0: a vector; 1: a matrix; 2: batched with `batch`; 3: batched with a suffix of it.
        let shape = |kind: usize, rows: usize, cols: usize, vec_len: usize, ones: &[bool]| -> Vec<usize> {
            let mut s: Vec<usize> = match kind {
                0 => return vec![vec_len],
                1 => vec![],
                2 => batch.clone(),
                _ => batch.iter().skip(1).copied().collect(),
            };
            for (x, &one) in s.iter_mut().zip(ones) {
                if one { *x = 1; }
            }
            s.extend([rows, cols]);
            s
        };
        let ad = shape(a_kind, m, k, k, &ones_a);
        let bd = shape(b_kind, k, n, k, &ones_b);
        let mut next = seed;
        let mut draw = |len: usize| -> Vec<f64> {
            (0..len)
                .map(|_| {
                    next = next.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (next >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
                })
                .collect()
        };
        let (av, bv) = (draw(numel(&ad)), draw(numel(&bd)));
        let (a, b) = (t(&ad, &av), t(&bd, &bv));
        let a = if col_a { ok(column_major(&a))? } else { a };
        let b = if col_b { ok(column_major(&b))? } else { b };
        let (want_dims, want) = naive_matmul(&av, &ad, &bv, &bd);
        let got = ok(a.matmul(&b))?;
        prop_assert_eq!(got.dims(), want_dims.as_slice(), "{:?} @ {:?}", ad, bd);
        for (g, w) in vals(&got).iter().zip(&want) {
            prop_assert!((g - w).abs() <= 1e-12 * (k as f64 + 1.0), "{:?} @ {:?}: {} vs {}", ad, bd, g, w);
        }
    }

    /// `sum(dims, keepdim)` equals the naive sum, for any set of dims (negative ones included).
    #[test]
    fn sum_over_dims_equals_naive(
        (d, v) in array(4),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..=3),
        negative in any::<bool>(),
        keepdim in any::<bool>(),
    ) {
        let x = t(&d, &v);
        let mut dims: Vec<usize> = if d.is_empty() { vec![] } else { picks.iter().map(|p| p.index(d.len())).collect() };
        dims.sort_unstable();
        dims.dedup();
        let arg: Vec<isize> =
            dims.iter().map(|&i| if negative { i as isize - d.len() as isize } else { i as isize }).collect();
        let got = ok(x.sum(&arg, keepdim))?;
        let (want_dims, want) = naive_sum(&v, &d, &dims, keepdim);
        prop_assert_eq!(got.dims(), want_dims.as_slice());
        prop_assert_eq!(vals(&got), want);
    }

    /// Writing through a view (slice assignment, in-place add on a transpose, `fill_` on a
    /// stepped slice) changes the base, and only the viewed elements.
    #[test]
    fn views_alias_storage(
        (d, v) in nonempty_array(2, 3),
        step in 1usize..=2,
        value in -9i32..=9,
    ) {
        let base = t(&d, &v);
        let before = base.data_ptr();

        // `base[1:, ::step] = value`
        ok(base.set_(s![1.., ..;step], value))?;
        let mut want = v.clone();
        for (k, w) in want.iter_mut().enumerate() {
            let idx = unravel(k, &d);
            if idx[0] >= 1 && idx[1].is_multiple_of(step) { *w = f64::from(value); }
        }
        prop_assert_eq!(vals(&base), want.clone());

        // `base.transpose(0, 1) += 1`, through a second handle on the view.
        let view = ok(base.transpose(0, 1))?;
        prop_assert_eq!(view.data_ptr(), before);
        ok(view.add_(1))?;
        for w in want.iter_mut() { *w += 1.0; }
        prop_assert_eq!(vals(&base), want.clone());

        // `base[-1].fill_(0)` on a select view.
        ok(ok(base.i(s![-1]))?.fill_(0))?;
        let row = numel(&d[1..]);
        for w in want[(d[0] - 1) * row..].iter_mut() { *w = 0.0; }
        prop_assert_eq!(vals(&base), want);
        prop_assert_eq!(base.data_ptr(), before);
    }

    /// `a.add_(b)` leaves `a` equal to `a.add(b)`, for contiguous and transposed `a` and any `b`
    /// that broadcasts to `a`'s shape, and keeps `a`'s storage.
    #[test]
    fn inplace_add_equals_out_of_place(
        (ad, av) in array(4),
        pick in any::<prop::sample::Index>(),
        ones in prop::collection::vec(any::<bool>(), 4),
        transposed in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let rank = pick.index(ad.len() + 1);
        let bd: Vec<usize> =
            ad[ad.len() - rank..].iter().zip(&ones).map(|(&x, &one)| if one { 1 } else { x }).collect();
        let bv: Vec<f64> = (0..numel(&bd)).map(|i| f64::from(((seed >> (i % 60)) & 15) as u8) - 7.0).collect();
        let a = t(&ad, &av);
        let a = if transposed { ok(column_major(&a))? } else { a };
        let b = t(&bd, &bv);
        let want = ok(a.add(&b))?;
        let target = ok(a.deep_clone())?;
        let target = if transposed { ok(column_major(&target))? } else { target };
        let before = target.data_ptr();
        ok(target.add_(&b))?;
        prop_assert_eq!(target.data_ptr(), before);
        prop_assert_eq!(target.dims(), want.dims());
        prop_assert_eq!(vals(&target), vals(&want));
        prop_assert_eq!(vals(&target), naive_binary(&av, &ad, &bv, &bd, |x, y| x + y));
    }
}
