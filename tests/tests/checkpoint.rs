//! Training checkpoints: save a run after epoch k (model, Adam's state, a scheduler, the epoch and
//! the random generator that shuffles the DataLoader and draws dropout masks), resume it in fresh
//! objects, and the next epoch is bitwise the uninterrupted one.

use ferrite::prelude::*;
use ferrite_tests::rng_lock;

fn model() -> Result<nn::Sequential> {
    Ok(nn::sequential![
        nn::Linear::new(4, 16)?,
        nn::ReLU::new(),
        nn::Dropout::new(0.3)?,
        nn::Linear::new(16, 1)?
    ])
}

fn loader() -> Result<data::DataLoader> {
    // Fixed data, independent of the generator's state.
    let x = Tensor::arange(256)?.float()?.reshape([64, 4])?.div(256.0)?.sin()?;
    let y = x.sum(&[1], true)?.cos()?;
    Ok(data::DataLoader::new(data::TensorDataset::new(x, y)?, 8)?.shuffle(true))
}

/// One epoch; returns every batch loss's bits.
fn epoch(
    net: &nn::Sequential,
    iter: &data::DataLoader,
    trainer: &mut dyn Optimizer,
    sched: &mut dyn LrScheduler,
) -> Result<Vec<u32>> {
    let loss = nn::MSELoss::new();
    let mut bits = Vec::new();
    for batch in iter {
        let (x, y) = batch?;
        let l = loss.forward(&net.forward(&x)?, &y)?;
        trainer.zero_grad();
        l.backward()?;
        trainer.step()?;
        bits.push(l.item::<f32>()?.to_bits());
    }
    sched.step(trainer)?;
    Ok(bits)
}

fn param_bits(net: &nn::Sequential) -> Result<Vec<u32>> {
    let mut out = Vec::new();
    for p in net.parameters() {
        out.extend(p.data()?.to_vec::<f32>()?.into_iter().map(f32::to_bits));
    }
    Ok(out)
}

#[test]
fn resumed_run_takes_bitwise_the_same_steps() -> Result<()> {
    let _rng = rng_lock();
    let path = std::env::temp_dir().join(format!("ferrite-ckpt-test-{}", std::process::id()));
    manual_seed(7);
    let net = model()?;
    let iter = loader()?;
    let mut trainer = optim::Adam::new(net.parameters(), 0.01)?.amsgrad(true)?;
    let mut sched = optim::StepLR::new(&trainer, 1, 0.5)?;
    for _ in 0..2 {
        epoch(&net, &iter, &mut trainer, &mut sched)?;
    }
    ferrite::Checkpoint::new(2, &net, Some(&trainer)).with_scheduler(&sched).save(&path)?;
    let expected = epoch(&net, &iter, &mut trainer, &mut sched)?;
    let expected_params = param_bits(&net)?;

    // Fresh objects, other initial weights and another generator state.
    manual_seed(99);
    let net2 = model()?;
    let mut trainer2 = optim::Adam::new(net2.parameters(), 0.01)?.amsgrad(true)?;
    let mut sched2 = optim::StepLR::new(&trainer2, 1, 0.5)?;
    let ckpt = ferrite::Checkpoint::load(&path)?;
    assert_eq!(ckpt.epoch, 2);
    ckpt.restore(&net2, Some(&mut trainer2))?;
    ckpt.restore_scheduler(&mut sched2)?;
    assert_eq!(trainer2.param_groups()[0].lr(), 0.01 * 0.25);
    let resumed = epoch(&net2, &iter, &mut trainer2, &mut sched2)?;
    assert_eq!(resumed, expected, "the batch losses of the resumed epoch");
    assert_eq!(param_bits(&net2)?, expected_params, "the weights after it");
    std::fs::remove_file(&path).expect("cleanup");
    Ok(())
}

#[test]
fn a_checkpoint_that_does_not_fit_changes_nothing() -> Result<()> {
    let _rng = rng_lock();
    let path = std::env::temp_dir().join(format!("ferrite-ckpt-misfit-{}", std::process::id()));
    let net = model()?;
    let trainer = optim::SGD::new(net.parameters(), 0.1)?.momentum(0.9)?;
    ferrite::Checkpoint::new(1, &net, Some(&trainer)).save(&path)?;
    // Same model, but an optimizer over only some of the parameters: its groups do not fit.
    let net2 = model()?;
    let before = param_bits(&net2)?;
    let mut partial = optim::SGD::new(net2.parameters().into_iter().take(2), 0.1)?;
    let err = ferrite::Checkpoint::load(&path)?.restore(&net2, Some(&mut partial)).unwrap_err();
    assert!(err.to_string().contains("group"), "{err}");
    assert_eq!(param_bits(&net2)?, before, "the model was put back");
    // A plain state-dict file is not a checkpoint.
    ferrite::save(&net.state_dict(), &path)?;
    let err = ferrite::Checkpoint::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a ferrite training checkpoint") || err.contains("unexpected entry"), "{err}");
    std::fs::remove_file(&path).expect("cleanup");
    Ok(())
}
