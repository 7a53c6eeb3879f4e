//! Resuming from a checkpoint: save the model, the optimizer and the scheduler after epoch k to a
//! safetensors file, build fresh ones, load all three, and the following steps must be bitwise
//! identical to the run that never stopped.

use ferrite_autograd::Backward;
use ferrite_nn::{Linear, Module, ModuleExt, ReLU, Sequential, StateDict, sequential};
use ferrite_optim::{
    Adam, CosineAnnealingLR, LrScheduler, Optimizer, OptimizerState, SGD, SchedulerState, StepLR,
};
use ferrite_tensor::Tensor;

const EPOCHS: usize = 4;
const RESUME_AFTER: usize = 2;
const BATCHES: usize = 3;

fn net() -> Sequential {
    sequential![Linear::new(4, 8).unwrap(), ReLU::new(), Linear::new(8, 2).unwrap()]
}

/// Batch `i` of a fixed data set, computed without the global random generator (tests run in
/// parallel and share it).
fn batch(i: usize) -> (Tensor, Tensor) {
    let x = Tensor::arange(24)
        .unwrap()
        .reshape([6, 4])
        .unwrap()
        .float()
        .unwrap()
        .add(i as f64)
        .unwrap()
        .mul(0.37)
        .unwrap()
        .sin()
        .unwrap();
    let y = x.narrow(1, 0, 2).unwrap().mul(2.0).unwrap().cos().unwrap();
    (x, y)
}

type Scheduler = Option<Box<dyn LrScheduler>>;

fn epoch(net: &Sequential, opt: &mut dyn Optimizer, sched: &mut Scheduler) {
    for i in 0..BATCHES {
        let (x, y) = batch(i);
        opt.zero_grad();
        let loss = net.forward(&x).unwrap().sub(&y).unwrap().square().unwrap().mean_all().unwrap();
        loss.backward().unwrap();
        opt.step().unwrap();
    }
    if let Some(s) = sched {
        s.step(opt).unwrap();
    }
}

fn params_bits(net: &Sequential) -> Vec<Vec<u32>> {
    net.parameters()
        .iter()
        .map(|p| p.tensor().unwrap().to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// Writes model, optimizer and scheduler state into one file, each under its prefix.
fn save(path: &std::path::Path, net: &Sequential, opt: &dyn Optimizer, sched: &Scheduler) {
    let mut pairs: Vec<(String, Tensor)> =
        net.state_dict().entries().iter().map(|(k, t)| (format!("model.{k}"), t.clone())).collect();
    pairs.extend(opt.state_dict().to_named_tensors().into_iter().map(|(k, t)| (format!("optimizer.{k}"), t)));
    if let Some(s) = sched {
        pairs.extend(
            s.state_dict().to_named_tensors().into_iter().map(|(k, t)| (format!("scheduler.{k}"), t)),
        );
    }
    ferrite_serialize::save(&pairs[..], path).unwrap();
}

fn with_prefix(pairs: &[(String, Tensor)], prefix: &str) -> Vec<(String, Tensor)> {
    pairs.iter().filter_map(|(k, t)| Some((k.strip_prefix(prefix)?.to_string(), t.clone()))).collect()
}

fn load(path: &std::path::Path, net: &Sequential, opt: &mut dyn Optimizer, sched: &mut Scheduler) {
    let pairs = ferrite_serialize::load_map(path).unwrap();
    let mut dict = StateDict::default();
    for (k, t) in with_prefix(&pairs, "model.") {
        dict.insert(k, t);
    }
    net.load_state_dict(&dict).unwrap();
    opt.load_state_dict(&OptimizerState::from_named_tensors(with_prefix(&pairs, "optimizer.")).unwrap())
        .unwrap();
    if let Some(s) = sched {
        s.load_state_dict(&SchedulerState::from_named_tensors(with_prefix(&pairs, "scheduler.")).unwrap())
            .unwrap();
    }
}

type Build = fn(&Sequential) -> (Box<dyn Optimizer>, Scheduler);

fn resume_is_bitwise_identical(build: Build) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.safetensors");

    // The uninterrupted run, checkpointed after epoch RESUME_AFTER.
    let a = net();
    let (mut opt_a, mut sched_a) = build(&a);
    for e in 0..EPOCHS {
        if e == RESUME_AFTER {
            save(&path, &a, opt_a.as_ref(), &sched_a);
        }
        epoch(&a, opt_a.as_mut(), &mut sched_a);
    }

    // A fresh model (other initial weights) and optimizer, resumed from the file.
    let b = net();
    let (mut opt_b, mut sched_b) = build(&b);
    assert_ne!(
        params_bits(&a),
        params_bits(&b),
        "the fresh model must start elsewhere for the test to mean anything"
    );
    load(&path, &b, opt_b.as_mut(), &mut sched_b);
    for _ in RESUME_AFTER..EPOCHS {
        epoch(&b, opt_b.as_mut(), &mut sched_b);
    }

    assert_eq!(params_bits(&a), params_bits(&b));
    let lr = |o: &dyn Optimizer| o.param_groups().iter().map(|g| g.lr().to_bits()).collect::<Vec<_>>();
    assert_eq!(lr(opt_a.as_ref()), lr(opt_b.as_ref()));
    let (sa, sb) = (opt_a.state_dict(), opt_b.state_dict());
    assert_eq!(sa.state.keys().collect::<Vec<_>>(), sb.state.keys().collect::<Vec<_>>());
    for (i, entries) in &sa.state {
        for (k, t) in entries {
            let bits =
                |t: &Tensor| t.to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(t), bits(&sb.state[i][k]), "state.{i}.{k}");
        }
    }
}

#[test]
fn sgd_with_momentum_and_step_lr_resumes_bitwise() {
    resume_is_bitwise_identical(|net| {
        let opt = SGD::new(net.parameters(), 0.1).unwrap().momentum(0.9).unwrap().weight_decay(1e-3).unwrap();
        let sched = StepLR::new(&opt, 1, 0.5).unwrap();
        (Box::new(opt), Some(Box::new(sched)))
    });
}

#[test]
fn adam_with_amsgrad_and_cosine_resumes_bitwise() {
    resume_is_bitwise_identical(|net| {
        let opt = Adam::new(net.parameters(), 0.01).unwrap().amsgrad(true).unwrap();
        let sched = CosineAnnealingLR::new(&opt, 3, 1e-4).unwrap();
        (Box::new(opt), Some(Box::new(sched)))
    });
}

#[test]
fn adam_without_scheduler_resumes_bitwise() {
    resume_is_bitwise_identical(|net| (Box::new(Adam::new(net.parameters(), 0.01).unwrap()), None));
}
