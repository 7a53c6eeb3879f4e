//! Optimizer behaviour that PyTorch users rely on: zero_grad, skipping parameters without a
//! gradient, parameter-group validation and defaults, state dicts (round trips, snapshots and the
//! checks that leave an optimizer unchanged), lazy parameters, and scheduler errors.

use ferrite_nn::{LazyLinear, Module, ModuleExt, Parameter};
use ferrite_optim::{
    Adam, AdamW, CosineAnnealingLR, Error, HyperValue, LrScheduler, Optimizer, OptimizerState, ParamGroup,
    SGD, SchedulerState, StepLR,
};
use ferrite_tensor::{DType, Tensor};

fn param(values: &[f32]) -> Parameter {
    Parameter::new(Tensor::from_slice(values, [values.len()]).unwrap()).unwrap()
}

fn values(p: &Parameter) -> Vec<f32> {
    p.tensor().unwrap().to_vec::<f32>().unwrap()
}

fn set_grad(p: &Parameter, g: &[f32]) {
    p.tensor().unwrap().set_grad(Some(Tensor::from_slice(g, [g.len()]).unwrap()));
}

fn err_text<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// The state tensors of `s` as bits, for exact comparisons.
fn state_bits(s: &OptimizerState) -> Vec<(usize, String, Vec<u64>)> {
    let mut out = vec![];
    for (i, entries) in &s.state {
        for (k, t) in entries {
            out.push((*i, k.clone(), t.to_vec::<f64>().unwrap().iter().map(|v| v.to_bits()).collect()));
        }
    }
    out
}

#[test]
fn zero_grad_sets_grads_to_none() {
    let (a, b) = (param(&[1.0, 2.0]), param(&[3.0]));
    let mut opt =
        Adam::with_groups(vec![ParamGroup::new(vec![a.clone()]), ParamGroup::new(vec![b.clone()])], 0.1)
            .unwrap();
    set_grad(&a, &[1.0, 1.0]);
    set_grad(&b, &[1.0]);
    opt.zero_grad();
    assert!(a.grad().is_none() && b.grad().is_none());
}

#[test]
fn step_skips_parameters_without_grad() {
    let (a, b) = (param(&[1.0, 2.0]), param(&[3.0]));
    let mut sgd = SGD::new(vec![a.clone(), b.clone()], 0.5).unwrap().momentum(0.9).unwrap();
    set_grad(&a, &[1.0, -1.0]);
    sgd.step().unwrap();
    assert_eq!(values(&a), [0.5, 2.5]);
    assert_eq!(values(&b), [3.0]);
    // Only the parameter that moved has a momentum buffer.
    assert_eq!(sgd.state_dict().state.keys().copied().collect::<Vec<_>>(), [0]);

    let mut adam = Adam::new(vec![a.clone(), b.clone()], 0.1).unwrap();
    set_grad(&b, &[2.0]);
    a.tensor().unwrap().set_grad(None);
    adam.step().unwrap();
    assert_eq!(values(&a), [0.5, 2.5]);
    // Adam's first step moves by lr in the gradient's direction (m / sqrt(v) = 1).
    assert!((values(&b)[0] - 2.9).abs() < 1e-6);
    let state = adam.state_dict();
    assert_eq!(state.state.keys().copied().collect::<Vec<_>>(), [1]);
    assert_eq!(state.state[&1]["step"].item::<f32>().unwrap(), 1.0);
}

#[test]
fn steps_write_in_place_and_record_no_history() {
    let p = param(&[1.0, 2.0]);
    let handle = p.tensor().unwrap();
    let ptr = handle.data_ptr();
    let mut opt = AdamW::new(vec![p.clone()], 0.1).unwrap();
    set_grad(&p, &[1.0, 1.0]);
    opt.step().unwrap();
    let after = p.tensor().unwrap();
    assert_eq!(after.data_ptr(), ptr, "the update must write the parameter's own storage");
    assert!(after.is_leaf() && after.requires_grad());
    assert_eq!(handle.to_vec::<f32>().unwrap(), values(&p));
}

#[test]
fn f64_parameters_update_in_f64() {
    let p = Parameter::new(Tensor::from_vec(vec![1.0f64, 2.0], [2]).unwrap()).unwrap();
    let mut opt = SGD::new(vec![p.clone()], 0.1).unwrap();
    p.tensor().unwrap().set_grad(Some(Tensor::from_vec(vec![0.3f64, 0.3], [2]).unwrap()));
    opt.step().unwrap();
    let t = p.tensor().unwrap();
    assert_eq!(t.dtype(), DType::F64);
    assert_eq!(t.to_vec::<f64>().unwrap(), [1.0 - 0.1 * 0.3, 2.0 - 0.1 * 0.3]);
    let mut adam = Adam::new(vec![p.clone()], 0.1).unwrap();
    adam.step().unwrap();
    assert_eq!(adam.state_dict().state[&0]["exp_avg"].dtype(), DType::F64);
}

#[test]
fn lazy_parameters_are_skipped_until_materialized() {
    let net = LazyLinear::new(2);
    let params = net.parameters();
    let mut opt = SGD::new(params.clone(), 0.1).unwrap();
    opt.zero_grad();
    opt.step().unwrap();
    net.forward(&Tensor::ones([3, 4])).unwrap();
    let w = &params[0];
    let before = values(w);
    w.tensor().unwrap().set_grad(Some(Tensor::ones([2, 4])));
    opt.step().unwrap();
    let after = values(w);
    assert!(before.iter().zip(&after).all(|(b, a)| *a == *b - 0.1f32));
}

#[test]
fn group_options_override_defaults_and_builders_reach_the_rest() {
    let (a, b) = (param(&[1.0]), param(&[1.0]));
    let opt = SGD::with_groups(
        vec![ParamGroup::new(vec![a]).with_momentum(0.5).with_lr(0.01), ParamGroup::new(vec![b])],
        0.1,
    )
    .unwrap()
    .momentum(0.9)
    .unwrap();
    let g = opt.param_groups();
    assert_eq!((g[0].lr(), g[0].momentum()), (0.01, Some(0.5)));
    assert_eq!((g[1].lr(), g[1].momentum()), (0.1, Some(0.9)));
    assert_eq!(g[1].betas(), None);
}

#[test]
fn group_lr_changes_the_step() {
    let (a, b) = (param(&[1.0]), param(&[1.0]));
    let mut opt =
        SGD::with_groups(vec![ParamGroup::new(vec![a.clone()]), ParamGroup::new(vec![b.clone()])], 0.5)
            .unwrap();
    opt.param_groups_mut()[1].set_lr(0.25);
    set_grad(&a, &[1.0]);
    set_grad(&b, &[1.0]);
    opt.step().unwrap();
    assert_eq!((values(&a)[0], values(&b)[0]), (0.5, 0.75));
}

#[test]
fn invalid_construction_is_refused_with_the_option_named() {
    let w = param(&[1.0]);
    let one = || vec![w.clone()];
    assert_eq!(err_text(SGD::new(vec![], 0.1)), "SGD: optimizer got an empty parameter list");
    assert_eq!(err_text(Adam::with_groups(vec![], 0.1)), "Adam: optimizer got an empty parameter list");
    assert_eq!(err_text(SGD::new(one(), f64::NAN)), "SGD: invalid lr: NaN (it must be >= 0)");
    assert_eq!(
        err_text(SGD::new(one(), 0.1).unwrap().momentum(-1.0)),
        "SGD: invalid momentum: -1 (it must be >= 0)"
    );
    assert_eq!(
        err_text(SGD::new(one(), 0.1).unwrap().weight_decay(-1.0)),
        "SGD: invalid weight_decay: -1 (it must be >= 0)"
    );
    assert_eq!(
        err_text(SGD::new(one(), 0.1).unwrap().momentum(0.9).unwrap().dampening(0.1).unwrap().nesterov(true)),
        "SGD: invalid nesterov: Nesterov momentum requires a momentum and zero dampening"
    );
    assert_eq!(
        err_text(Adam::new(one(), 0.1).unwrap().betas(0.9, 1.0)),
        "Adam: invalid betas: beta parameter at index 1 is 1 (it must be in [0, 1))"
    );
    assert_eq!(
        err_text(AdamW::new(one(), 0.1).unwrap().eps(-1e-8)),
        "AdamW: invalid eps: -0.00000001 (it must be >= 0)"
    );
    // Group overrides are checked too (PyTorch checks only the defaults).
    assert_eq!(
        err_text(SGD::with_groups(vec![ParamGroup::new(one()).with_lr(-0.5)], 0.1)),
        "SGD: invalid lr: -0.5 (it must be >= 0)"
    );
    assert_eq!(
        err_text(SGD::with_groups(vec![ParamGroup::new(one()).with_amsgrad(true)], 0.1)),
        "SGD has no option 'amsgrad'"
    );
    assert_eq!(
        err_text(Adam::with_groups(vec![ParamGroup::new(one()).with_momentum(0.9)], 0.1)),
        "Adam has no option 'momentum'"
    );
}

#[test]
fn a_parameter_in_two_groups_is_refused() {
    let (w, b) = (param(&[1.0]), param(&[2.0]));
    let groups = vec![ParamGroup::new(vec![w.clone(), b.clone()]), ParamGroup::new(vec![w.clone()])];
    assert_eq!(
        err_text(SGD::with_groups(groups, 0.1)),
        "SGD: some parameters appear in more than one parameter group (groups 0 and 1)"
    );
    let err = err_text(Adam::new(vec![b.clone(), w.clone(), b.clone()], 0.1));
    assert_eq!(err, "Adam: parameter group 0 lists a parameter more than once");
    // Distinct parameters with equal values are fine: identity, not value, decides.
    SGD::new(vec![param(&[1.0]), param(&[1.0])], 0.1).unwrap();
}

fn trained_adam(params: &[Parameter]) -> Adam {
    let groups = vec![
        ParamGroup::new(vec![params[0].clone()]),
        ParamGroup::new(vec![params[1].clone()]).with_betas(0.8, 0.99),
    ];
    let mut opt = Adam::with_groups(groups, 0.01).unwrap().amsgrad(true).unwrap();
    for k in 0..3 {
        set_grad(&params[0], &[0.5 + k as f32, -1.0]);
        set_grad(&params[1], &[0.25 * k as f32]);
        opt.step().unwrap();
    }
    opt
}

#[test]
fn state_dict_round_trips_through_named_tensors() {
    let params = [param(&[1.0, 2.0]), param(&[3.0])];
    let opt = trained_adam(&params);
    let state = opt.state_dict();
    assert_eq!(state.param_groups[1].options["betas"], HyperValue::Pair(0.8, 0.99));
    assert_eq!(state.param_groups[1].options["amsgrad"], HyperValue::Bool(true));
    assert_eq!(
        state.state[&0].keys().map(String::as_str).collect::<Vec<_>>(),
        ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    );
    let pairs = state.to_named_tensors();
    let find = |n: &str| &pairs.iter().find(|(k, _)| k == n).unwrap().1;
    assert_eq!(find("param_groups.1.params").to_vec::<i64>().unwrap(), [1]);
    assert_eq!(find("param_groups.0.lr").dtype(), DType::F64);
    assert_eq!(find("param_groups.0.maximize").dtype(), DType::Bool);
    assert_eq!(find("state.1.step").item::<f32>().unwrap(), 3.0);

    let back = OptimizerState::from_named_tensors(pairs.into_iter().rev()).unwrap();
    assert_eq!(back.param_groups, state.param_groups);
    assert_eq!(state_bits(&back), state_bits(&state));

    let fresh_params = [param(&[0.0, 0.0]), param(&[0.0])];
    let mut fresh = Adam::with_groups(
        vec![ParamGroup::new(vec![fresh_params[0].clone()]), ParamGroup::new(vec![fresh_params[1].clone()])],
        0.5,
    )
    .unwrap();
    fresh.load_state_dict(&back).unwrap();
    assert_eq!(fresh.param_groups()[1].betas(), Some((0.8, 0.99)));
    assert_eq!(fresh.param_groups()[0].amsgrad(), Some(true));
    assert_eq!(state_bits(&fresh.state_dict()), state_bits(&state));
}

#[test]
fn state_dict_is_a_snapshot_and_loading_copies() {
    let params = [param(&[1.0, 2.0]), param(&[3.0])];
    let mut opt = trained_adam(&params);
    let saved = opt.state_dict();
    let bits = state_bits(&saved);
    opt.step().unwrap();
    assert_eq!(state_bits(&saved), bits, "a later step changed the snapshot");
    opt.load_state_dict(&saved).unwrap();
    opt.step().unwrap();
    assert_eq!(state_bits(&saved), bits, "the loaded optimizer writes into the caller's state");
}

#[test]
fn bad_state_dicts_leave_the_optimizer_unchanged() {
    let params = [param(&[1.0, 2.0]), param(&[3.0])];
    let mut opt = trained_adam(&params);
    let good = opt.state_dict();
    let before = (state_bits(&good), good.param_groups.clone());
    let check = |opt: &Adam| {
        let now = opt.state_dict();
        assert_eq!((state_bits(&now), now.param_groups), before);
    };

    let mut s = good.clone();
    s.param_groups.pop();
    let e = err_text(opt.load_state_dict(&s));
    assert!(e.contains("loaded state dict has a different number of parameter groups"), "{e}");
    check(&opt);

    let mut s = good.clone();
    s.param_groups[1].params.push(7);
    let e = err_text(opt.load_state_dict(&s));
    assert!(
        e.contains(
            "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
        ),
        "{e}"
    );
    check(&opt);

    let mut s = good.clone();
    s.state.get_mut(&0).unwrap().insert("exp_avg".into(), Tensor::zeros([3]));
    let e = err_text(opt.load_state_dict(&s));
    assert_eq!(
        e,
        "Adam: cannot load state dict: state.0.exp_avg has shape [3] but parameter 0 has shape [2]"
    );
    check(&opt);

    let mut s = good.clone();
    s.state.get_mut(&1).unwrap().insert("momentum_buffer".into(), Tensor::zeros([1]));
    let e = err_text(opt.load_state_dict(&s));
    assert!(e.contains("Adam keeps no state named 'momentum_buffer'"), "{e}");
    check(&opt);

    let mut s = good.clone();
    s.state.get_mut(&1).unwrap().remove("exp_avg");
    let e = err_text(opt.load_state_dict(&s));
    assert!(e.contains("no 'exp_avg'"), "{e}");
    check(&opt);

    let mut s = good.clone();
    s.param_groups[0].options.insert("lr".into(), HyperValue::Float(-1.0));
    assert_eq!(err_text(opt.load_state_dict(&s)), "Adam: invalid lr: -1 (it must be >= 0)");
    check(&opt);

    let mut s = good.clone();
    s.param_groups[0].options.insert("lr".into(), HyperValue::Bool(true));
    assert!(err_text(opt.load_state_dict(&s)).contains("param_groups.0.lr must be a number"));
    check(&opt);

    let mut s = good.clone();
    s.state.insert(9, s.state[&0].clone());
    assert!(
        err_text(opt.load_state_dict(&s)).contains("state for parameter 9, which no parameter group lists")
    );
    check(&opt);

    // Another optimizer's state names its options.
    let sgd = SGD::new(vec![param(&[0.0, 0.0]), param(&[0.0])], 0.1).unwrap().momentum(0.9).unwrap();
    let mut s = sgd.state_dict();
    s.param_groups = good.param_groups.clone();
    let mut other = SGD::with_groups(
        vec![ParamGroup::new(vec![param(&[0.0, 0.0])]), ParamGroup::new(vec![param(&[0.0])])],
        0.1,
    )
    .unwrap();
    assert_eq!(err_text(other.load_state_dict(&s)), "SGD has no option 'amsgrad'");
}

#[test]
fn optimizers_debug_print_like_pytorch() {
    let opt = SGD::new(vec![param(&[1.0])], 0.1).unwrap().momentum(0.9).unwrap();
    assert_eq!(
        format!("{opt:?}"),
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    \
         nesterov: False\n    weight_decay: 0\n)"
    );
}

#[test]
fn optimizers_and_schedulers_are_send() {
    fn send<T: Send>() {}
    send::<SGD>();
    send::<Adam>();
    send::<AdamW>();
    send::<StepLR>();
    send::<CosineAnnealingLR>();
    send::<Box<dyn Optimizer>>();
}

#[test]
fn scheduler_refuses_another_optimizer_and_bad_states() {
    let mut one = SGD::new(vec![param(&[1.0])], 0.1).unwrap();
    let mut two = SGD::with_groups(
        vec![ParamGroup::new(vec![param(&[1.0])]), ParamGroup::new(vec![param(&[1.0])])],
        0.1,
    )
    .unwrap();
    let mut sched = StepLR::new(&one, 1, 0.5).unwrap();
    assert_eq!(
        err_text(sched.step(&mut two)),
        "StepLR: the optimizer has 2 parameter groups but the scheduler was built for 1"
    );
    assert_eq!(sched.last_epoch(), 0, "a refused step must not advance");
    sched.step(&mut one).unwrap();
    let bad = SchedulerState { last_epoch: 1, base_lrs: vec![0.1, 0.1], last_lr: vec![0.1, 0.1] };
    assert!(err_text(sched.load_state_dict(&bad)).contains("the scheduler has 1 parameter groups"));
    let bad = SchedulerState { last_epoch: -3, base_lrs: vec![0.1], last_lr: vec![0.1] };
    assert!(err_text(sched.load_state_dict(&bad)).contains("last_epoch is -3"));
    assert_eq!(
        sched.state_dict(),
        SchedulerState { last_epoch: 1, base_lrs: vec![0.1], last_lr: vec![0.05] }
    );
    assert_eq!(
        err_text(CosineAnnealingLR::new(&one, 5, f64::INFINITY)),
        "CosineAnnealingLR: invalid eta_min: inf (it must be finite)"
    );
}

#[test]
fn scheduler_state_round_trips_and_resumes() {
    let mut opt = SGD::new(vec![param(&[1.0])], 0.1).unwrap();
    let mut sched = CosineAnnealingLR::new(&opt, 5, 0.01).unwrap();
    let mut lrs = vec![];
    for _ in 0..12 {
        sched.step(&mut opt).unwrap();
        lrs.push(sched.get_last_lr()[0]);
    }
    // Resume after epoch 4 from saved optimizer and scheduler state.
    let mut opt = SGD::new(vec![param(&[1.0])], 0.1).unwrap();
    let mut sched = CosineAnnealingLR::new(&opt, 5, 0.01).unwrap();
    for _ in 0..4 {
        sched.step(&mut opt).unwrap();
    }
    let saved_opt = opt.state_dict();
    let saved = SchedulerState::from_named_tensors(sched.state_dict().to_named_tensors()).unwrap();
    let mut opt2 = SGD::new(vec![param(&[1.0])], 0.1).unwrap();
    opt2.load_state_dict(&saved_opt).unwrap();
    let mut resumed = CosineAnnealingLR::new(&opt2, 5, 0.01).unwrap();
    resumed.load_state_dict(&saved).unwrap();
    let mut rest = vec![];
    for _ in 4..12 {
        resumed.step(&mut opt2).unwrap();
        rest.push(resumed.get_last_lr()[0]);
    }
    assert_eq!(rest, lrs[4..]);
}
