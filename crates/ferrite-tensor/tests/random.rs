//! The random API: seeded reproducibility, state checkpoints, distribution statistics, in-place
//! fills and argument errors.
//!
//! Every test here draws under `SEQUENTIAL`, a lock over the process-wide generator, and seeds it
//! first: tests run on parallel threads, and an unlocked draw would shift another test's stream.
//! The tests live in `mod random` so `cargo test -p ferrite-tensor random` selects them.

mod random {
    use ferrite_tensor::{
        DType, Error, RngState, Tensor, get_rng_state, initial_seed, manual_seed, no_grad, seed,
        set_rng_state, tensor,
    };
    use std::sync::{Mutex, MutexGuard};

    static SEQUENTIAL: Mutex<()> = Mutex::new(());

    /// Holds the generator for one test and seeds it.
    fn seeded(seed: u64) -> MutexGuard<'static, ()> {
        let guard = SEQUENTIAL.lock().unwrap_or_else(|e| e.into_inner());
        manual_seed(seed);
        guard
    }

    fn f32s(t: &Tensor) -> Vec<f32> {
        t.to_vec::<f32>().unwrap()
    }

    fn i64s(t: &Tensor) -> Vec<i64> {
        t.to_vec::<i64>().unwrap()
    }

    /// Mean and (population) standard deviation.
    fn moments(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    fn moments_f32(t: &Tensor) -> (f64, f64) {
        moments(&t.to_vec::<f64>().unwrap())
    }

    /// Relative frequency of each of `k` categories among `draws`.
    fn frequencies(draws: &[i64], k: usize) -> Vec<f64> {
        let mut counts = vec![0usize; k];
        for &d in draws {
            counts[usize::try_from(d).unwrap()] += 1;
        }
        counts.iter().map(|&c| c as f64 / draws.len() as f64).collect()
    }

    /// A sequence touching every random op, as bits so equality is exact.
    fn draw_everything() -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        out.extend(f32s(&Tensor::rand([5])).iter().map(|v| u64::from(v.to_bits())));
        out.extend(f32s(&Tensor::randn([3])).iter().map(|v| u64::from(v.to_bits())));
        out.extend(f32s(&Tensor::normal(1.0, 2.0, [3]).unwrap()).iter().map(|v| u64::from(v.to_bits())));
        out.extend(f32s(&Tensor::uniform(-1.0, 1.0, [3]).unwrap()).iter().map(|v| u64::from(v.to_bits())));
        out.extend(
            Tensor::randn_dtype([2], DType::F64)
                .unwrap()
                .to_vec::<f64>()
                .unwrap()
                .iter()
                .map(|v| v.to_bits()),
        );
        out.extend(i64s(&Tensor::randint(0, 1000, [4]).unwrap()).iter().map(|&v| v as u64));
        out.extend(i64s(&Tensor::randperm(7)).iter().map(|&v| v as u64));
        out.extend(
            f32s(&tensor!([0.5, 0.5, 0.5]).bernoulli().unwrap()).iter().map(|v| u64::from(v.to_bits())),
        );
        let probs = tensor!([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]);
        out.extend(i64s(&probs.multinomial(3, true).unwrap()).iter().map(|&v| v as u64));
        out.extend(i64s(&probs.multinomial(2, false).unwrap()).iter().map(|&v| v as u64));
        let counts = Tensor::multinomial_counts(20, &probs).unwrap();
        out.extend(f32s(&counts).iter().map(|v| u64::from(v.to_bits())));
        let w = Tensor::zeros([4]);
        w.uniform_(0.0, 1.0).unwrap();
        w.normal_(0.0, 1.0).unwrap();
        out.extend(f32s(&w).iter().map(|v| u64::from(v.to_bits())));
        w.bernoulli_(0.5).unwrap();
        out.extend(f32s(&w).iter().map(|v| u64::from(v.to_bits())));
        out
    }

    #[test]
    fn same_seed_repeats_every_op_and_another_seed_differs() {
        let _g = seeded(42);
        let a = draw_everything();
        manual_seed(42);
        let b = draw_everything();
        manual_seed(43);
        let c = draw_everything();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Without reseeding, the stream moves on.
        assert_ne!(draw_everything(), c);
    }

    #[test]
    fn seed_and_initial_seed() {
        let _g = seeded(1234);
        assert_eq!(initial_seed(), 1234);
        let s = seed();
        assert_eq!(initial_seed(), s);
        let a = f32s(&Tensor::rand([8]));
        manual_seed(s);
        assert_eq!(f32s(&Tensor::rand([8])), a, "seed() must be a seed manual_seed can replay");
    }

    #[test]
    fn state_round_trip_repeats_the_next_draws_bitwise() {
        let _g = seeded(7);
        // Leave the generator mid-block (3 words into a 16-word block) before the snapshot.
        let _ = Tensor::rand([3]);
        let state = get_rng_state();
        assert_eq!(state.word_pos(), 3);
        let a = draw_everything();
        let _ = Tensor::randn([100]);

        set_rng_state(&state);
        assert_eq!(draw_everything(), a);

        // Through bytes, as a checkpoint file would carry it, after reseeding elsewhere.
        let bytes = state.to_bytes();
        assert_eq!(bytes.len(), RngState::BYTES);
        manual_seed(99);
        let restored = RngState::from_bytes(&bytes).unwrap();
        assert_eq!(restored, state);
        set_rng_state(&restored);
        assert_eq!(get_rng_state(), state);
        assert_eq!(draw_everything(), a);
        // Restoring the state does not claim a different initial seed.
        assert_eq!(initial_seed(), 99);
    }

    #[test]
    fn state_from_bad_bytes_is_an_error() {
        let _g = seeded(0);
        let mut bytes = get_rng_state().to_bytes();
        let err = RngState::from_bytes(&bytes[..10]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { op: "RngState::from_bytes", .. }), "{err}");
        assert_eq!(err.to_string(), "RngState::from_bytes: expected 61 bytes, got 10");
        bytes[0] = b'X';
        assert!(matches!(RngState::from_bytes(&bytes), Err(Error::InvalidArgument { .. })));
        assert!(RngState::from_bytes(&[]).is_err());
    }

    #[test]
    fn rand_is_uniform_on_unit_interval() {
        let _g = seeded(1);
        let x = Tensor::rand([100_000]);
        assert_eq!((x.dims(), x.dtype()), (&[100_000][..], DType::F32));
        let v = f32s(&x);
        assert!(v.iter().all(|x| (0.0..1.0).contains(x)));
        let (mean, std) = moments_f32(&x);
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        assert!((std - (1.0f64 / 12.0).sqrt()).abs() < 0.005, "std {std}");
        // Both ends of the interval are reached.
        assert!(v.iter().any(|&x| x < 0.001) && v.iter().any(|&x| x > 0.999));
    }

    #[test]
    fn randn_and_normal_match_their_moments() {
        let _g = seeded(2);
        let (mean, std) = moments_f32(&Tensor::randn([100_000]));
        assert!(mean.abs() < 0.01, "randn mean {mean}");
        assert!((std - 1.0).abs() < 0.01, "randn std {std}");

        let (mean, std) = moments_f32(&Tensor::normal(3.0, 2.0, [100_000]).unwrap());
        assert!((mean - 3.0).abs() < 0.02, "normal mean {mean}");
        assert!((std - 2.0).abs() < 0.02, "normal std {std}");

        let x = Tensor::randn_dtype([100_000], DType::F64).unwrap();
        let (mean, std) = moments(&x.to_vec::<f64>().unwrap());
        assert!(mean.abs() < 0.01 && (std - 1.0).abs() < 0.01, "f64 randn {mean} {std}");

        // A normal tail is there: about 270 of 100k draws lie beyond 3 sigma.
        let beyond = x.to_vec::<f64>().unwrap().iter().filter(|v| v.abs() > 3.0).count();
        assert!((150..400).contains(&beyond), "{beyond} draws beyond 3 sigma");

        // std 0 gives the mean exactly.
        assert_eq!(f32s(&Tensor::normal(5.0, 0.0, [3]).unwrap()), vec![5.0; 3]);
    }

    #[test]
    fn uniform_stays_in_bounds() {
        let _g = seeded(3);
        let x = Tensor::uniform(-2.0, 5.0, [100_000]).unwrap();
        let v = f32s(&x);
        assert!(v.iter().all(|x| (-2.0..5.0).contains(x)));
        let (mean, std) = moments_f32(&x);
        assert!((mean - 1.5).abs() < 0.03, "mean {mean}");
        assert!((std - 7.0 / 12f64.sqrt()).abs() < 0.03, "std {std}");

        // A range narrower than one f32 step cannot round up to `high`.
        let lo = 1.0f32;
        let hi = lo.next_up();
        let narrow = Tensor::uniform(f64::from(lo), f64::from(hi), [1000]).unwrap();
        assert!(f32s(&narrow).iter().all(|&x| x == lo));
    }

    #[test]
    fn randint_covers_its_range_evenly() {
        let _g = seeded(4);
        let x = Tensor::randint(-3, 4, [70_000]).unwrap();
        assert_eq!(x.dtype(), DType::I64);
        let v = i64s(&x);
        assert!(v.iter().all(|x| (-3..4).contains(x)));
        let shifted: Vec<i64> = v.iter().map(|x| x + 3).collect();
        for (value, f) in frequencies(&shifted, 7).iter().enumerate() {
            assert!((f - 1.0 / 7.0).abs() < 0.01, "value {} has frequency {f}", value as i64 - 3);
        }
        // A one-value range.
        assert_eq!(i64s(&Tensor::randint(5, 6, [4]).unwrap()), vec![5; 4]);
    }

    #[test]
    fn randperm_is_a_permutation() {
        let _g = seeded(5);
        let p = i64s(&Tensor::randperm(1000));
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(p, sorted, "a shuffle of 1000 left everything in place");
        assert_ne!(p, i64s(&Tensor::randperm(1000)));
        assert_eq!(Tensor::randperm(0).dims(), &[0]);
        // Each position is uniform: element 0 lands in each of 4 slots about a quarter of the time.
        let slots: Vec<i64> = (0..20_000)
            .map(|_| i64s(&Tensor::randperm(4)).iter().position(|&v| v == 0).unwrap() as i64)
            .collect();
        for f in frequencies(&slots, 4) {
            assert!((f - 0.25).abs() < 0.02, "slot frequency {f}");
        }
    }

    #[test]
    fn bernoulli_frequencies_follow_probabilities() {
        let _g = seeded(6);
        let p = tensor!([0.0, 0.3, 1.0]).expand([50_000, 3]).unwrap();
        let x = p.bernoulli().unwrap();
        assert_eq!((x.dims(), x.dtype()), (&[50_000, 3][..], DType::F32));
        let col_means = f32s(&x.mean(&[0], false).unwrap());
        assert_eq!(col_means[0], 0.0);
        assert!((col_means[1] - 0.3).abs() < 0.01, "p=0.3 gave {}", col_means[1]);
        assert_eq!(col_means[2], 1.0);
        // The result keeps a float input's dtype.
        let p64 = Tensor::full([4], 0.5, DType::F64).unwrap();
        assert_eq!(p64.bernoulli().unwrap().dtype(), DType::F64);
        // The values are 0 and 1 only.
        assert!(f32s(&x).iter().all(|&v| v == 0.0 || v == 1.0));
    }

    #[test]
    fn bernoulli_fill_is_in_place_and_any_dtype() {
        let _g = seeded(7);
        let mask = Tensor::zeros([100_000]);
        let alias = mask.clone();
        let view = mask.reshape([1000, 100]).unwrap();
        let before = mask.storage_version();
        mask.bernoulli_(0.8).unwrap();
        assert!(mask.storage_version() > before);
        let (mean, _) = moments_f32(&alias);
        assert!((mean - 0.8).abs() < 0.01, "bernoulli_(0.8) mean {mean}");
        assert_eq!(f32s(&view.flatten_all().unwrap()), f32s(&alias));

        let ints = Tensor::zeros_dtype([1000], DType::I64);
        ints.bernoulli_(0.5).unwrap();
        assert_eq!(ints.dtype(), DType::I64);
        let ones = i64s(&ints).iter().filter(|&&v| v == 1).count();
        assert!(i64s(&ints).iter().all(|&v| v == 0 || v == 1));
        assert!((400..600).contains(&ones), "{ones} ones of 1000");
    }

    #[test]
    fn multinomial_fair_die_converges_to_one_sixth() {
        let _g = seeded(8);
        // d2l 2.6: 10000 rolls of a fair die.
        let fair_probs = Tensor::ones([6]).div(6).unwrap();
        let rolls = fair_probs.multinomial(10_000, true).unwrap();
        assert_eq!((rolls.dims(), rolls.dtype()), (&[10_000][..], DType::I64));
        for (face, f) in frequencies(&i64s(&rolls), 6).iter().enumerate() {
            assert!((f - 1.0 / 6.0).abs() < 0.02, "face {face}: {f}");
        }

        // The same as counts, torch.distributions.Multinomial(10000, fair_probs).sample().
        let counts = Tensor::multinomial_counts(10_000, &fair_probs).unwrap();
        assert_eq!((counts.dims(), counts.dtype()), (&[6][..], DType::F32));
        let c = f32s(&counts);
        assert_eq!(c.iter().sum::<f32>(), 10_000.0);
        for (face, n) in c.iter().enumerate() {
            assert!((n / 10_000.0 - 1.0 / 6.0).abs() < 0.02, "face {face}: {n}");
        }

        // d2l's single roll: one count of 1.
        let one = f32s(&Tensor::multinomial_counts(1, &fair_probs).unwrap());
        assert_eq!(one.iter().filter(|&&n| n == 1.0).count(), 1);
        assert_eq!(one.iter().sum::<f32>(), 1.0);
    }

    #[test]
    fn multinomial_rows_follow_unnormalized_weights() {
        let _g = seeded(9);
        // Row 0 sums to 1; row 1 is unnormalized weights (PyTorch normalizes them).
        let probs = tensor!([[0.1, 0.2, 0.7, 0.0], [0.0, 3.0, 0.0, 1.0]]);
        let draws = probs.multinomial(20_000, true).unwrap();
        assert_eq!(draws.dims(), &[2, 20_000]);
        let rows = i64s(&draws);
        let f0 = frequencies(&rows[..20_000], 4);
        let f1 = frequencies(&rows[20_000..], 4);
        for (f, p) in f0.iter().zip([0.1, 0.2, 0.7, 0.0]).chain(f1.iter().zip([0.0, 0.75, 0.0, 0.25])) {
            assert!((f - p).abs() < 0.015, "frequency {f} for probability {p}");
        }
        assert_eq!(f0[3], 0.0);
        assert_eq!((f1[0], f1[2]), (0.0, 0.0));

        // Batched counts: every experiment sums to its total, and the batch mean converges.
        let counts =
            Tensor::multinomial_counts(10, &probs.select(0, 0).unwrap().expand([5000, 4]).unwrap()).unwrap();
        assert_eq!(counts.dims(), &[5000, 4]);
        assert!(f32s(&counts.sum(&[1], false).unwrap()).iter().all(|&s| s == 10.0));
        let mean = f32s(&counts.mean(&[0], false).unwrap());
        for (m, p) in mean.iter().zip([1.0, 2.0, 7.0, 0.0]) {
            assert!((m - p).abs() < 0.1, "mean count {m}, expected {p}");
        }
    }

    #[test]
    fn multinomial_without_replacement_draws_distinct_categories() {
        let _g = seeded(10);
        let probs = tensor!([0.1, 0.2, 0.3, 0.4, 0.0]);
        let mut first = Vec::new();
        for _ in 0..10_000 {
            let d = i64s(&probs.multinomial(4, false).unwrap());
            let mut sorted = d.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2, 3], "draw {d:?}");
            first.push(d[0]);
        }
        // The first draw of a sequence without replacement follows the probabilities.
        for (f, p) in frequencies(&first, 5).iter().zip([0.1, 0.2, 0.3, 0.4, 0.0]) {
            assert!((f - p).abs() < 0.02, "first draw frequency {f} for probability {p}");
        }
        // Second draw after the heaviest category: 0.1/0.6 for category 0.
        let mut after_three = Vec::new();
        for _ in 0..20_000 {
            let d = i64s(&probs.multinomial(2, false).unwrap());
            if d[0] == 3 {
                after_three.push(d[1]);
            }
        }
        let f = frequencies(&after_three, 5);
        assert!((f[0] - 1.0 / 6.0).abs() < 0.03, "second draw after 3: {:?}", f);
    }

    #[test]
    fn fills_write_views_in_place_without_history() {
        let _g = seeded(11);
        let w = Tensor::zeros([3, 4]);
        let col = w.t().unwrap().select(0, 2).unwrap(); // a strided view: column 2
        col.uniform_(10.0, 20.0).unwrap();
        let v = f32s(&w);
        for r in 0..3 {
            for c in 0..4 {
                let x = v[r * 4 + c];
                if c == 2 {
                    assert!((10.0..20.0).contains(&x));
                } else {
                    assert_eq!(x, 0.0);
                }
            }
        }

        // An f64 tensor is drawn in f64 (values f32 cannot hold exactly).
        let d = Tensor::zeros_dtype([1000], DType::F64);
        d.normal_(0.0, 1.0).unwrap();
        let dv = d.to_vec::<f64>().unwrap();
        assert_eq!(d.dtype(), DType::F64);
        assert!(dv.iter().any(|&x| f64::from(x as f32) != x));
        let (mean, std) = moments(&dv);
        assert!(mean.abs() < 0.1 && (std - 1.0).abs() < 0.1, "{mean} {std}");

        // A leaf requiring grad is refused under grad mode, filled under no_grad, and keeps no history.
        let p = Tensor::zeros([4]).requires_grad_(true).unwrap();
        assert!(matches!(p.normal_(0.0, 1.0), Err(Error::InPlace { op: "normal_", .. })));
        {
            let _ng = no_grad();
            p.normal_(0.0, 1.0).unwrap();
        }
        assert!(p.is_leaf() && p.requires_grad());
        assert!(f32s(&p).iter().any(|&x| x != 0.0));

        // A tensor with history would have its gradient cut, so grad mode refuses it.
        let y = p.mul(2).unwrap();
        assert!(matches!(y.uniform_(0.0, 1.0), Err(Error::InPlace { op: "uniform_", .. })));
        assert!(matches!(y.bernoulli_(0.5), Err(Error::InPlace { op: "bernoulli_", .. })));
    }

    #[test]
    fn refused_fills_leave_the_stream_and_the_tensor_alone() {
        let _g = seeded(12);
        let t = Tensor::zeros_dtype([3], DType::I64);
        assert!(matches!(t.uniform_(0.0, 1.0), Err(Error::UnsupportedDType { op: "uniform_", .. })));
        assert!(matches!(t.normal_(0.0, 1.0), Err(Error::UnsupportedDType { op: "normal_", .. })));
        assert_eq!(i64s(&t), vec![0, 0, 0]);
        let state = get_rng_state();
        assert!(Tensor::normal(0.0, -1.0, [10]).is_err());
        assert!(tensor!([0.5, 2.0]).bernoulli().is_err());
        assert_eq!(get_rng_state(), state);
    }

    fn reason(err: Error, expected_op: &str) -> String {
        match err {
            Error::InvalidArgument { op, reason } => {
                assert_eq!(op, expected_op, "{reason}");
                reason
            }
            other => panic!("expected InvalidArgument from {expected_op}, got {other:?}"),
        }
    }

    #[test]
    fn bad_arguments_are_errors_naming_op_and_values() {
        let _g = seeded(13);
        let r = reason(Tensor::normal(0.0, -1.0, [2]).unwrap_err(), "normal");
        assert_eq!(r, "expects std >= 0.0, but found std -1");
        let err = Tensor::zeros([2]).normal_(1.0, -0.5).unwrap_err();
        assert_eq!(err.to_string(), "normal_: expects std >= 0.0, but found std -0.5");
        assert!(reason(Tensor::normal(0.0, f64::NAN, [2]).unwrap_err(), "normal").contains("NaN"));

        let r = reason(Tensor::uniform(1.0, 1.0, [2]).unwrap_err(), "uniform");
        assert!(r.contains("low=1") && r.contains("high=1"), "{r}");
        assert!(Tensor::uniform(2.0, 1.0, [2]).is_err());
        assert!(Tensor::uniform(0.0, f64::INFINITY, [2]).is_err());
        let r = reason(Tensor::zeros([2]).uniform_(3.0, -3.0).unwrap_err(), "uniform_");
        assert!(r.contains("low=3") && r.contains("high=-3"), "{r}");
        // Distinct in f64 but not in f32; and a span that overflows f32.
        let r = reason(Tensor::zeros([2]).uniform_(1.0, 1.0 + 1e-12).unwrap_err(), "uniform_");
        assert!(r.contains("f32"), "{r}");
        assert!(Tensor::uniform(-3e38, 3e38, [2]).is_err());
        assert!(Tensor::zeros_dtype([2], DType::F64).uniform_(-3e38, 3e38).is_ok());

        let r = reason(Tensor::randint(5, 5, [2]).unwrap_err(), "randint");
        assert_eq!(r, "expects low < high, but found low=5 and high=5");

        let r = reason(tensor!([0.2, 1.5]).bernoulli().unwrap_err(), "bernoulli");
        assert!(r.contains("1.5") && r.contains("index 1"), "{r}");
        assert!(tensor!([-0.1]).bernoulli().is_err());
        assert!(tensor!([f32::NAN]).bernoulli().is_err());
        assert!(matches!(tensor!([1, 0]).bernoulli(), Err(Error::UnsupportedDType { op: "bernoulli", .. })));
        let r = reason(Tensor::zeros([2]).bernoulli_(-0.5).unwrap_err(), "bernoulli_");
        assert!(r.contains("-0.5"), "{r}");

        let probs = tensor!([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]);
        let r = reason(probs.multinomial(1, true).unwrap_err(), "multinomial");
        assert!(r.contains("row 1") && r.contains("sum to 0"), "{r}");
        let r = reason(tensor!([0.5, -0.5]).multinomial(1, true).unwrap_err(), "multinomial");
        assert!(r.contains("-0.5"), "{r}");
        assert!(tensor!([0.5, f32::INFINITY]).multinomial(1, true).is_err());
        let r = reason(tensor!([0.2, 0.8]).multinomial(3, false).unwrap_err(), "multinomial");
        assert_eq!(r, "cannot sample 3 samples without replacement from 2 categories");
        let r = reason(tensor!([0.2, 0.8, 0.0]).multinomial(3, false).unwrap_err(), "multinomial");
        assert!(r.contains("2 categories with nonzero probability"), "{r}");
        assert!(tensor!([0.2, 0.8, 0.0]).multinomial(3, true).is_ok());
        let r = reason(Tensor::ones([2, 2, 2]).multinomial(1, true).unwrap_err(), "multinomial");
        assert!(r.contains("[2, 2, 2]"), "{r}");
        assert!(Tensor::zeros([0]).multinomial(1, true).is_err());
        assert!(matches!(
            tensor!([1, 1]).multinomial(1, true),
            Err(Error::UnsupportedDType { op: "multinomial", .. })
        ));

        let r =
            reason(Tensor::multinomial_counts(3, &tensor!([0.0, 0.0])).unwrap_err(), "multinomial_counts");
        assert!(r.contains("sum to 0"), "{r}");
        assert!(Tensor::multinomial_counts(3, &Tensor::scalar(1.0)).is_err());
        assert!(Tensor::multinomial_counts(3, &tensor!([-1.0, 2.0])).is_err());
    }

    #[test]
    fn empty_and_zero_sized_draws() {
        let _g = seeded(14);
        assert_eq!(Tensor::rand([0, 3]).dims(), &[0, 3]);
        assert_eq!(Tensor::randint(0, 2, [0]).unwrap().numel(), 0);
        assert_eq!(tensor!([0.5, 0.5]).multinomial(0, false).unwrap().dims(), &[0]);
        let counts = Tensor::multinomial_counts(0, &tensor!([0.5, 0.5])).unwrap();
        assert_eq!(f32s(&counts), vec![0.0, 0.0]);
        assert_eq!(Tensor::rand(()).dims(), &[] as &[usize]);
    }
}
