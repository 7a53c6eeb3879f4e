//! A training step on a GPU waits for the device once: for its loss. The whole stack (modules,
//! losses, autograd, optimizers) runs on ferrite-cuda's *recording* device, registered with the
//! core as `cuda:6`: every launch is checked against its kernel's parameters in the PTX and
//! recorded instead of run, so no GPU is needed, and every wait of the host for the device is
//! counted. An op that fell back to the host (read back, compute, upload) would add a wait; so
//! would a layer or an optimizer that looks at values it should leave on the device.

use ferrite::prelude::*;
use ferrite_cuda::CudaDevice;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// The recording device's ordinal: above the GPUs a test machine has (the tests skip otherwise).
const GPU: Device = Device::Cuda(6);

/// The recording device, registered once for this test binary, and a lock that keeps its tests
/// from running at once (they count the device's waits); `None` (the test skips) when a real GPU
/// has that ordinal.
fn recording(test: &str) -> Option<(&'static CudaDevice, MutexGuard<'static, ()>)> {
    static DEVICE: OnceLock<Option<CudaDevice>> = OnceLock::new();
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let device = DEVICE.get_or_init(|| {
        (ferrite::cuda::device_count() <= 6).then(|| {
            let d = CudaDevice::recording(6);
            ferrite::core::backend::register_device(Arc::new(d.clone()));
            d
        })
    });
    let Some(device) = device else {
        eprintln!("{test}: skipped, this machine has a real cuda:6");
        return None;
    };
    Some((device, ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())))
}

/// Runs `steps` training steps of `net` on a batch of Fashion-MNIST's shape and checks that the
/// only waits are the loss read-backs, and that the step's matmuls went to cuBLAS.
fn check_steps(
    gpu: &CudaDevice,
    net: &nn::Sequential,
    optimizer: &mut dyn optim::Optimizer,
) -> ferrite::Result<()> {
    let x = Tensor::randn([256, 1, 28, 28]).to_device(GPU)?;
    let y = Tensor::randint(0, 10, [256])?.to_device(GPU)?;
    let loss = nn::CrossEntropyLoss::new();
    gpu.recorded_launches();
    for step in 0..3 {
        let before = gpu.sync_count();
        let mut launched = Vec::new();
        // Each phase must queue its work without waiting for the GPU.
        let phase = |name: &str, launched: &mut Vec<String>| {
            let now = gpu.recorded_launches();
            let waits = gpu.sync_count() - before;
            assert_eq!(
                waits, 0,
                "step {step}: {name} waited {waits} time(s) for the device; it launched {now:?}"
            );
            launched.extend(now);
        };
        optimizer.zero_grad();
        let l = loss.forward(&net.forward(&x)?, &y)?;
        phase("the forward pass", &mut launched);
        l.backward()?;
        phase("backward", &mut launched);
        optimizer.step()?;
        phase("the optimizer step", &mut launched);
        let gemms = launched.iter().filter(|k| k.starts_with("gemm")).count();
        // Two layers: two matmuls forward, three backward (no input gradient for the first).
        assert!(gemms >= 5, "step {step}: {gemms} cuBLAS calls in {launched:?}");
        l.item::<f32>()?;
        assert_eq!(gpu.sync_count(), before + 1, "step {step}: reading the loss waits once");
    }
    Ok(())
}

#[test]
fn an_sgd_step_of_d2l_mlp_waits_only_for_its_loss() -> ferrite::Result<()> {
    let Some((gpu, _alone)) = recording("an_sgd_step_of_d2l_mlp_waits_only_for_its_loss") else {
        return Ok(());
    };
    let net = nn::sequential![
        nn::Flatten::new(),
        nn::Linear::new(784, 256)?,
        nn::ReLU::new(),
        nn::Linear::new(256, 10)?,
    ];
    net.to(GPU)?;
    assert_eq!(net.get::<nn::Linear>(1)?.weight()?.device(), GPU);
    let mut sgd = optim::SGD::new(net.parameters(), 0.1)?.momentum(0.9)?.weight_decay(1e-4)?;
    check_steps(gpu, &net, &mut sgd)
}

#[test]
fn an_adam_step_with_dropout_waits_only_for_its_loss() -> ferrite::Result<()> {
    let Some((gpu, _alone)) = recording("an_adam_step_with_dropout_waits_only_for_its_loss") else {
        return Ok(());
    };
    let net = nn::sequential![
        nn::Flatten::new(),
        nn::Linear::new(784, 256)?,
        nn::ReLU::new(),
        nn::Dropout::new(0.5)?,
        nn::Linear::new(256, 10)?,
    ];
    net.to(GPU)?;
    let mut adam = optim::Adam::new(net.parameters(), 1e-3)?;
    check_steps(gpu, &net, &mut adam)
}
