//! CPU-vs-GPU parity of every `BackendStorage` method: random inputs through several layouts
//! (dense, transposed, broadcast, offset slices, no unit stride), compared elementwise (integers
//! and bools exactly, floats with rtol 1e-5 and an atol scaled to the result's magnitude).
//!
//! Without a GPU the same cases run on a recording device (`CudaDevice::recording`): every
//! dispatch path runs, each launch is checked against its kernel's parameters in the PTX, and
//! results are compared by dtype, length and error only (the values are not computed).

use ferrite_cuda::CudaDevice;
use ferrite_tensor::backend::{BackendStorage, DeviceBackend};
use ferrite_tensor::cpu::CpuStorage;
use ferrite_tensor::op::{BinaryOp, ReduceOp, UnaryOp};
use ferrite_tensor::{DType, Device, Layout, Scalar, Shape};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::OnceLock;

/// Whether results hold computed values (a real GPU) or only their dtype and length (recording).
static REAL: OnceLock<bool> = OnceLock::new();

/// cuda:0, or a recording device when there is no GPU.
fn gpu(test: &str) -> Option<CudaDevice> {
    let real = *REAL.get_or_init(|| ferrite_cuda::init().expect("init") > 0);
    if !real {
        eprintln!("{test}: no CUDA device, checking the dispatch only (recording device)");
        return Some(CudaDevice::recording(0));
    }
    Some(ferrite_cuda::device(Device::Cuda(0)).expect("cuda:0"))
}

type Boxed = Box<dyn BackendStorage>;

/// `n` random values of `dtype` (floats in [-2, 2), integers in [0, 10), bools half true).
fn random(dtype: DType, n: usize, seed: u64) -> CpuStorage {
    let mut r = StdRng::seed_from_u64(seed);
    match dtype {
        DType::F32 => CpuStorage::F32((0..n).map(|_| r.random_range(-2.0..2.0)).collect()),
        DType::F64 => CpuStorage::F64((0..n).map(|_| r.random_range(-2.0..2.0)).collect()),
        DType::I64 => CpuStorage::I64((0..n).map(|_| r.random_range(0..10)).collect()),
        DType::U8 => CpuStorage::U8((0..n).map(|_| r.random_range(0..10)).collect()),
        DType::Bool => CpuStorage::Bool((0..n).map(|_| r.random_bool(0.5)).collect()),
    }
}

fn positive(dtype: DType, n: usize, seed: u64) -> CpuStorage {
    let mut r = StdRng::seed_from_u64(seed);
    match dtype {
        DType::F32 => CpuStorage::F32((0..n).map(|_| r.random_range(0.1..2.0)).collect()),
        DType::F64 => CpuStorage::F64((0..n).map(|_| r.random_range(0.1..2.0)).collect()),
        _ => random(dtype, n, seed),
    }
}

/// Both copies of an input: the host one and the device one.
fn pair(d: &CudaDevice, c: CpuStorage) -> (CpuStorage, Boxed) {
    let g = d.upload(&c).expect("upload");
    (c, g)
}

fn assert_close(what: &str, want: &CpuStorage, got: &CpuStorage) {
    assert_close_rtol(what, want, got, 1e-5)
}

/// [`assert_close`] with another relative tolerance for f32 (f64 keeps 1e-12).
fn assert_close_rtol(what: &str, want: &CpuStorage, got: &CpuStorage, rtol_f32: f64) {
    assert_eq!(want.dtype(), got.dtype(), "{what}: dtype");
    assert_eq!(want.len(), got.len(), "{what}: length");
    if !REAL.get().copied().unwrap_or(false) {
        return;
    }
    if want.dtype().is_float() {
        let (w, g) = (want.to_f64_vec(), got.to_f64_vec());
        let scale = w.iter().filter(|x| x.is_finite()).fold(0f64, |m, x| m.max(x.abs())).max(1.0);
        let rtol = if want.dtype() == DType::F32 { rtol_f32 } else { 1e-12 };
        let atol = scale * if want.dtype() == DType::F32 { 1e-6 } else { 1e-13 };
        for (i, (a, b)) in w.iter().zip(&g).enumerate() {
            let ok = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= atol + rtol * a.abs();
            assert!(ok, "{what}: element {i}: cpu {a}, gpu {b}");
        }
    } else {
        assert_eq!(want, got, "{what}");
    }
}

fn host(g: &dyn BackendStorage, shape: &[usize]) -> CpuStorage {
    g.to_cpu(&Layout::contiguous(shape.to_vec())).expect("to_cpu")
}

/// Layouts of shape [4, 6] over a storage of 42 elements: dense, transposed, offset slice,
/// broadcast row, and every other element of rows 10 apart (no unit stride).
fn layouts() -> Vec<(&'static str, Layout)> {
    let s = Shape::from([4, 6]);
    vec![
        ("dense", Layout::contiguous([4, 6])),
        ("transposed", Layout::contiguous([6, 4]).transpose(0, 1)),
        ("slice", Layout::contiguous([6, 7]).slice(0, 1, 4, 1).slice(1, 1, 6, 1)),
        ("broadcast", Layout::contiguous([6]).broadcast_to(&s, "t").unwrap()),
        ("step", Layout::new(s.clone(), vec![10, 2], 0)),
    ]
}

const N: usize = 42;

#[test]
fn unary_ops_match() {
    let Some(d) = gpu("unary_ops_match") else { return };
    let ops = [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Abs,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Relu,
        UnaryOp::Sigmoid,
        UnaryOp::Tanh,
        UnaryOp::Sign,
        UnaryOp::Recip,
        UnaryOp::Square,
        UnaryOp::LogicalNot,
        UnaryOp::Powf(2.0),
        UnaryOp::Powf(0.5),
        UnaryOp::Clamp(Some(0.5), None),
        UnaryOp::Clamp(Some(-1.0), Some(3.0)),
        UnaryOp::Affine(2.0, 0.0),
        UnaryOp::Affine(1.0, 3.0),
        UnaryOp::Affine(-0.5, 1.5),
    ];
    for dtype in DType::ALL {
        let (c, g) = pair(&d, positive(dtype, N, 1));
        for op in ops {
            for (lname, l) in layouts() {
                let want = c.unary(op, &l);
                let got = g.unary(op, &l);
                let what = format!("{op:?} {dtype} {lname}");
                match (want, got) {
                    (Ok(w), Ok(gg)) => assert_close(&what, &host(&*w, &[4, 6]), &host(&*gg, &[4, 6])),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                    (w, gg) => panic!("{what}: cpu {w:?}, gpu {gg:?}"),
                }
            }
        }
    }
}

#[test]
fn binary_ops_match() {
    let Some(d) = gpu("binary_ops_match") else { return };
    use BinaryOp::*;
    let ops = [Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Xor];
    for dtype in DType::ALL {
        let (ca, ga) = pair(&d, positive(dtype, N, 2));
        let (cb, gb) = pair(&d, positive(dtype, N, 3));
        for op in ops {
            for (na, la) in layouts() {
                for (nb, lb) in layouts() {
                    let what = format!("{op:?} {dtype} {na}/{nb}");
                    match (ca.binary(op, &la, &cb, &lb), ga.binary(op, &la, &*gb, &lb)) {
                        (Ok(w), Ok(g)) => assert_close(&what, &host(&*w, &[4, 6]), &host(&*g, &[4, 6])),
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                        (w, g) => panic!("{what}: cpu {w:?}, gpu {g:?}"),
                    }
                }
            }
        }
    }
}

#[test]
fn where_casts_copies_and_fills_match() {
    let Some(d) = gpu("where_casts_copies_and_fills_match") else { return };
    let (cc, gc) = pair(&d, random(DType::Bool, N, 4));
    for dtype in DType::ALL {
        let (ct, gt) = pair(&d, random(dtype, N, 5));
        let (cf, gf) = pair(&d, random(dtype, N, 6));
        for (n, l) in layouts() {
            let w = cc.where_cond(&l, &ct, &l, &cf, &layouts()[1].1).unwrap();
            let g = gc.where_cond(&l, &*gt, &l, &*gf, &layouts()[1].1).unwrap();
            assert_close(&format!("where {dtype} {n}"), &host(&*w, &[4, 6]), &host(&*g, &[4, 6]));
            for to in DType::ALL {
                let (w, g) = (ct.cast(&l, to).unwrap(), gt.cast(&l, to).unwrap());
                assert_close(&format!("cast {dtype}->{to} {n}"), &host(&*w, &[4, 6]), &host(&*g, &[4, 6]));
            }
            let (w, g) = (ct.copy_strided(&l).unwrap(), gt.copy_strided(&l).unwrap());
            assert_close(&format!("copy_strided {dtype} {n}"), &host(&*w, &[4, 6]), &gt.to_cpu(&l).unwrap());
            assert_close(&format!("to_cpu {dtype} {n}"), &host(&*w, &[4, 6]), &host(&*g, &[4, 6]));
            // Fill and copy_from through a non-broadcast view of a fresh 42-element storage.
            if n != "broadcast" {
                for v in [Scalar::Float(-1.5), Scalar::Int(3), Scalar::Float(0.0), Scalar::Bool(true)] {
                    let (mut cw, mut gw) = pair(&d, random(dtype, N, 7));
                    cw.fill(&l, v).unwrap();
                    gw.fill(&l, v).unwrap();
                    assert_close(&format!("fill {v:?} {dtype} {n}"), &cw, &host(&*gw, &[N]));
                }
                let (mut cw, mut gw) = pair(&d, random(dtype, N, 8));
                cw.copy_from(&l, &cf, &layouts()[1].1).unwrap();
                gw.copy_from(&l, &*gf, &layouts()[1].1).unwrap();
                assert_close(&format!("copy_from {dtype} {n}"), &cw, &host(&*gw, &[N]));
            }
        }
    }
}

#[test]
fn inplace_updates_match() {
    let Some(d) = gpu("inplace_updates_match") else { return };
    use BinaryOp::*;
    for dtype in DType::ALL {
        let (cb, gb) = pair(&d, positive(dtype, N, 9));
        let (ca, ga) = pair(&d, positive(dtype, N, 10));
        for (n, l) in layouts().into_iter().filter(|(n, _)| *n != "broadcast") {
            for op in [Add, Sub, Mul, Div, Maximum, Minimum, Eq, Or] {
                for (nb, lb) in layouts() {
                    let (mut cw, mut gw) = pair(&d, positive(dtype, N, 11));
                    let what = format!("{op:?}_ {dtype} {n}/{nb}");
                    match (cw.binary_inplace(op, &l, &cb, &lb), gw.binary_inplace(op, &l, &*gb, &lb)) {
                        (Ok(()), Ok(())) => assert_close(&what, &cw, &host(&*gw, &[N])),
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                        (w, g) => panic!("{what}: cpu {w:?}, gpu {g:?}"),
                    }
                }
            }
            let (mut cw, mut gw) = pair(&d, positive(dtype, N, 12));
            let what = format!("mul_add {dtype} {n}");
            let lb = &layouts()[3].1;
            match (cw.mul_add_inplace(&l, &ca, &l, &cb, lb), gw.mul_add_inplace(&l, &*ga, &l, &*gb, lb)) {
                (Ok(()), Ok(())) => assert_close(&what, &cw, &host(&*gw, &[N])),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                (w, g) => panic!("{what}: cpu {w:?}, gpu {g:?}"),
            }
        }
    }
}

#[test]
fn reductions_and_cumsum_match() {
    let Some(d) = gpu("reductions_and_cumsum_match") else { return };
    let ops =
        [ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min, ReduceOp::ArgMax, ReduceOp::ArgMin];
    // The long rows are cut into parts reduced in a second launch.
    let shapes: [&[usize]; 5] = [&[3, 5, 7], &[1000], &[2, 300, 3], &[1 << 16], &[3, 20000]];
    for dtype in DType::ALL {
        for shape in shapes {
            let n: usize = shape.iter().product();
            // Prod over many elements overflows floats either way: keep values near 1.
            let mut r = StdRng::seed_from_u64(13);
            let c = match dtype {
                DType::F32 => CpuStorage::F32((0..n).map(|_| r.random_range(0.99..1.01)).collect()),
                DType::F64 => CpuStorage::F64((0..n).map(|_| r.random_range(0.99..1.01)).collect()),
                _ => random(dtype, n, 13),
            };
            let (c, g) = pair(&d, c);
            let l = Layout::contiguous(shape.to_vec());
            let rank = shape.len();
            // Each dim alone, all dims, and the outer two together (sorted and unique, as the contract says).
            let mut dim_sets: Vec<Vec<usize>> = (0..rank).map(|i| vec![i]).collect();
            if rank > 1 {
                dim_sets.push((0..rank).collect());
                dim_sets.push(vec![0, rank - 1]);
            }
            for op in ops {
                for dims in &dim_sets {
                    let arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
                    if arg && dims.len() != 1 {
                        continue;
                    }
                    let what = format!("{op:?} {dtype} {shape:?} over {dims:?}");
                    match (c.reduce(op, &l, dims), g.reduce(op, &l, dims)) {
                        (Ok(w), Ok(gg)) => {
                            assert_close(&what, &host(&*w, &[w.len()]), &host(&*gg, &[gg.len()]))
                        }
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                        (w, gg) => panic!("{what}: cpu {w:?}, gpu {gg:?}"),
                    }
                }
            }
            for dim in 0..rank {
                let what = format!("cumsum {dtype} {shape:?} dim {dim}");
                match (c.cumsum(&l, dim), g.cumsum(&l, dim)) {
                    (Ok(w), Ok(gg)) => assert_close(&what, &host(&*w, &[n]), &host(&*gg, &[n])),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
                    (w, gg) => panic!("{what}: cpu {w:?}, gpu {gg:?}"),
                }
            }
        }
    }
}

#[test]
fn matmuls_match() {
    let Some(d) = gpu("matmuls_match") else { return };
    let (b, m, k, n) = (3, 17, 33, 9);
    for dtype in [DType::F32, DType::F64, DType::I64, DType::U8] {
        let (ca, ga) = pair(&d, random(dtype, b * m * k * 2, 14));
        let (cb, gb) = pair(&d, random(dtype, b * k * n * 2, 15));
        let a_layouts = [
            ("dense", Layout::contiguous([b, m, k])),
            ("transposed", Layout::contiguous([b, k, m]).transpose(1, 2)),
            ("strided", Layout::contiguous([b, m, 2 * k]).slice(2, 0, k, 2)),
            ("batch-broadcast", Layout::new(Shape::from([b, m, k]), vec![0, k, 1], 0)),
        ];
        let b_layouts = [
            ("dense", Layout::contiguous([b, k, n])),
            ("transposed", Layout::contiguous([b, n, k]).transpose(1, 2)),
            ("offset", Layout::contiguous_with_offset([b, k, n], 5)),
        ];
        for (na, la) in &a_layouts {
            for (nb, lb) in &b_layouts {
                let w = ca.matmul(la, &cb, lb).unwrap();
                let g = ga.matmul(la, &*gb, lb).unwrap();
                assert_close(
                    &format!("matmul {dtype} {na}@{nb}"),
                    &host(&*w, &[b * m * n]),
                    &host(&*g, &[b * m * n]),
                );
            }
        }
    }
}

#[test]
fn indexing_matches() {
    let Some(d) = gpu("indexing_matches") else { return };
    let ids = CpuStorage::I64(vec![3, 0, -1, 2, 2].into());
    let (ci, gi) = pair(&d, ids);
    let il = Layout::contiguous([5]);
    for dtype in DType::ALL {
        let (c, g) = pair(&d, random(dtype, N, 16));
        for (n, l) in layouts() {
            for dim in 0..2 {
                let what = format!("index_select {dtype} {n} dim {dim}");
                let (w, gg) =
                    (c.index_select(&l, &ci, &il, dim).unwrap(), g.index_select(&l, &*gi, &il, dim).unwrap());
                assert_close(&what, &host(&*w, &[w.len()]), &host(&*gg, &[gg.len()]));
            }
        }
        // gather along each dim with a [4, 3] index of values in 0..4.
        let gids = CpuStorage::I64((0..12).map(|i| (i * 7 % 4) as i64).collect());
        let (cg, gg) = pair(&d, gids);
        let gl = Layout::contiguous([4, 3]);
        for (n, l) in layouts() {
            for dim in 0..2 {
                let what = format!("gather {dtype} {n} dim {dim}");
                let (w, g2) = (c.gather(&l, &cg, &gl, dim).unwrap(), g.gather(&l, &*gg, &gl, dim).unwrap());
                assert_close(&what, &host(&*w, &[12]), &host(&*g2, &[12]));
                if matches!(dtype, DType::F32 | DType::F64 | DType::I64) {
                    // Integers in floats sum exactly in any order, so atomics compare exactly.
                    let src = CpuStorage::I64((0..12).map(|i| i as i64 - 4).collect());
                    let (cs, gs) = pair(&d, ferrite_tensor::cpu::CpuStorage::clone(&src));
                    let (cs, gs) = (cs.cast(&gl, dtype).unwrap(), gs.cast(&gl, dtype).unwrap());
                    let dst = Layout::contiguous([4, 6]);
                    let (mut cw, mut gw) = pair(&d, CpuStorage::zeros(24, dtype));
                    cw.scatter_add(&dst, &cg, &gl, &*cs, &gl, dim).unwrap();
                    gw.scatter_add(&dst, &*gg, &gl, &*gs, &gl, dim).unwrap();
                    assert_close(&format!("scatter_add {dtype} dim {dim}"), &cw, &host(&*gw, &[24]));
                }
            }
        }
        if matches!(dtype, DType::F32 | DType::F64 | DType::I64) {
            let dst = Layout::contiguous([4, 6]);
            let src_l = Layout::contiguous([5, 6]);
            let src = CpuStorage::I64((0..30).map(|i| i as i64 % 7 - 3).collect());
            let (cs, gs) = pair(&d, src);
            let (cs, gs) = (cs.cast(&src_l, dtype).unwrap(), gs.cast(&src_l, dtype).unwrap());
            let (mut cw, mut gw) = pair(&d, CpuStorage::zeros(24, dtype));
            cw.index_add(&dst, &ci, &il, &*cs, &src_l, 0).unwrap();
            gw.index_add(&dst, &*gi, &il, &*gs, &src_l, 0).unwrap();
            assert_close(&format!("index_add {dtype}"), &cw, &host(&*gw, &[24]));
        }
    }
}

#[test]
fn tensors_move_to_the_gpu_and_back() {
    if ferrite_cuda::init().unwrap() == 0 {
        eprintln!("tensors_move_to_the_gpu_and_back: skipped, no CUDA device");
        return;
    }
    let x = ferrite_tensor::Tensor::arange(6).unwrap().reshape([2, 3]).unwrap().float().unwrap();
    let g = x.to_device(Device::Cuda(0)).unwrap();
    assert_eq!(g.device(), Device::Cuda(0));
    let y = g.matmul(&g.t().unwrap()).unwrap().exp().unwrap().sum_all().unwrap();
    let want = x.matmul(&x.t().unwrap()).unwrap().exp().unwrap().sum_all().unwrap();
    let (a, b) = (y.item::<f64>().unwrap(), want.item::<f64>().unwrap());
    assert!((a - b).abs() <= 1e-5 * b.abs(), "{a} vs {b}");
    assert!(ferrite_cuda::device(Device::Cuda(ferrite_cuda::device_count())).is_err());
}
