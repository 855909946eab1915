//! A training step's statistics: tensors on the device until the caller reads them, at a sync
//! point of its choice (the page once per chunk, asynchronously).

use burn::prelude::*;
use burn::tensor::{ExecutionError, Transaction};

/// One step's statistics, still on the device: reading them is the caller's choice of sync point.
pub struct StepStats {
    pub d_loss: Tensor<1>,
    pub g_loss: Tensor<1>,
    /// Mean D(x) over the real batch of the last D update: a probability for the cross-entropy
    /// losses, D's raw output for the others.
    pub d_real: Tensor<1>,
    /// Mean D(G(z)) over the fake batch of the last D update, in the same units as `d_real`.
    pub d_fake: Tensor<1>,
    /// L2 norm of the gradient of G's loss over all of G's parameters: how strongly G is being
    /// told to change. It collapses towards 0 when G's gradients vanish.
    pub g_grad: Tensor<1>,
}

/// One G update's statistics, still on the device.
pub struct GStepStats {
    pub g_loss: Tensor<1>,
    pub g_grad: Tensor<1>,
}

/// One D update's statistics, still on the device.
pub struct DStepStats {
    pub d_loss: Tensor<1>,
    pub d_real: Tensor<1>,
    pub d_fake: Tensor<1>,
}

/// One step's statistics, read back to the host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepValues {
    pub d_loss: f32,
    pub g_loss: f32,
    pub d_real: f32,
    pub d_fake: f32,
    pub g_grad: f32,
}

impl StepValues {
    pub fn is_finite(&self) -> bool {
        [
            self.d_loss,
            self.g_loss,
            self.d_real,
            self.d_fake,
            self.g_grad,
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

impl StepStats {
    /// Reads the statistics in one transfer (without autodiff: G's gradient norm never had it). CPU-GPU sync point: await it every few steps,
    /// not every step. (A synchronous read panics on WebGPU in the browser.)
    pub async fn read(self) -> Result<StepValues, ExecutionError> {
        let data = Transaction::default()
            .register(self.d_loss.inner())
            .register(self.g_loss.inner())
            .register(self.d_real.inner())
            .register(self.d_fake.inner())
            .register(self.g_grad.inner())
            .execute_async()
            .await?;
        let value = |i: usize| -> f32 {
            data[i]
                .try_to_vec::<f32>()
                .ok()
                .and_then(|v| v.first().copied())
                .unwrap_or(f32::NAN)
        };
        Ok(StepValues {
            d_loss: value(0),
            g_loss: value(1),
            d_real: value(2),
            d_fake: value(3),
            g_grad: value(4),
        })
    }
}
