//! Adam (Kingma & Ba 2014) with its state keyed by module path, so a checkpoint can carry it.
//!
//! The arithmetic is burn 0.22.1's `Adam` (`burn-optim`, `AdaptiveMomentum::transform`), op for op,
//! so a run is bit-identical to one driven by `AdamConfig::init()` (a test checks it). Ganvas owns
//! the state because burn's `ModuleOptimizer::to_record` reads each state tensor with a synchronous
//! `into_data()`, which panics on WebGPU in the browser, and keys it by `ParamId`, which a reloaded
//! network does not keep. Here the state is read in one asynchronous transfer and matched by path.
//!
//! Serialised state ("adam" encoding, little-endian): u32 count, then per parameter a u16-length
//! UTF-8 module path, u64 time (updates so far), u32 element count n, n f32 first moments and n f32
//! second moments.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Transaction;

use crate::checkpoint::{CheckpointError, Reader, f32_bytes, f32_values};

/// One parameter's moments, flattened.
#[derive(Clone)]
struct Moments {
    time: u64,
    m1: Tensor<1>,
    m2: Tensor<1>,
}

/// Adam over one module's parameters.
#[derive(Clone)]
pub struct Adam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    states: BTreeMap<String, Moments>,
}

impl Adam {
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32) -> Self {
        Self {
            beta_1,
            beta_2,
            epsilon,
            states: BTreeMap::new(),
        }
    }

    /// Updates every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        module.map(&mut Stepper {
            adam: self,
            lr,
            grads: &mut grads,
            path: Vec::new(),
        })
    }

    /// One update of the flat tensor `value` (no autodiff graph) by its gradient, with the
    /// moments kept under `key`. burn-optim 0.22.1's `AdaptiveMomentum::transform`, op for op.
    pub fn update(&mut self, key: &str, value: Tensor<1>, grad: Tensor<1>, lr: f64) -> Tensor<1> {
        let (beta_1, beta_2) = (self.beta_1, self.beta_2);
        let state = match self.states.remove(key) {
            Some(mut s) => {
                s.m1 =
                    s.m1.mul_scalar(beta_1)
                        .add(grad.clone().mul_scalar(1.0 - beta_1));
                s.m2 =
                    s.m2.mul_scalar(beta_2)
                        .add(grad.square().mul_scalar(1.0 - beta_2));
                s.time += 1;
                s
            }
            None => Moments {
                time: 1,
                m1: grad.clone().mul_scalar(1.0 - beta_1),
                m2: grad.square().mul_scalar(1.0 - beta_2),
            },
        };
        // Loaded times are at most i32::MAX (`load`); a run would need 2^31 steps to pass it.
        let time = i32::try_from(state.time).unwrap_or(i32::MAX);
        let bias_correction2_sqrt = (1.0 - beta_2.powi(time)).sqrt();
        let combined_factor = bias_correction2_sqrt / (1.0 - beta_1.powi(time));
        let update = state.m1.clone().mul_scalar(combined_factor).div(
            state
                .m2
                .clone()
                .sqrt()
                .add_scalar(self.epsilon * bias_correction2_sqrt),
        );
        self.states.insert(key.to_string(), state);
        value - update.mul_scalar(lr)
    }

    /// The number of parameters with state (0 before the first step).
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The state in the "adam" encoding, read in one asynchronous transfer (safe on WebGPU).
    pub async fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        let mut t = Transaction::default();
        for m in self.states.values() {
            t = t.register(m.m1.clone()).register(m.m2.clone());
        }
        let data = if self.states.is_empty() {
            Vec::new()
        } else {
            t.execute_async().await?
        };
        let mut out = Vec::new();
        out.extend_from_slice(&(self.states.len() as u32).to_le_bytes());
        let mut data = data.into_iter();
        for (path, m) in &self.states {
            let mut next = || -> Result<Vec<f32>, CheckpointError> {
                data.next()
                    .ok_or_else(|| CheckpointError::Read("missing optimizer tensor".into()))?
                    .convert::<f32>()
                    .try_to_vec()
                    .map_err(|e| CheckpointError::Read(format!("{e:?}")))
            };
            let (m1, m2) = (next()?, next()?);
            out.extend_from_slice(&(path.len() as u16).to_le_bytes());
            out.extend_from_slice(path.as_bytes());
            out.extend_from_slice(&m.time.to_le_bytes());
            out.extend_from_slice(&(m1.len() as u32).to_le_bytes());
            out.extend_from_slice(&f32_bytes(&m1));
            out.extend_from_slice(&f32_bytes(&m2));
        }
        Ok(out)
    }

    /// Loads state in the "adam" encoding for `module`: every entry must name one of its float
    /// parameters with the same element count, and its values must be finite (second moments >= 0).
    /// Parameters without an entry start fresh, as they would before their first update.
    pub fn load<M: Module>(
        &mut self,
        module: &M,
        bytes: &[u8],
        device: &Device,
    ) -> Result<(), CheckpointError> {
        let sizes = param_sizes(module);
        let mut r = Reader::new(bytes);
        let count = r.u32()? as usize;
        let mut states = BTreeMap::new();
        for _ in 0..count {
            let len = r.u16()? as usize;
            let path = r.utf8(len)?;
            let time = r.u64()?;
            let n = r.u32()? as usize;
            let Some(&size) = sizes.get(&path) else {
                return Err(CheckpointError::WrongArchitecture(format!(
                    "optimizer state for {path:?}, which the network does not have"
                )));
            };
            if n != size {
                return Err(CheckpointError::WrongArchitecture(format!(
                    "optimizer state for {path} has {n} values; the parameter has {size}"
                )));
            }
            let bytes = n.checked_mul(4).ok_or(CheckpointError::Corrupted)?;
            let m1 = f32_values(r.take(bytes)?).expect("a multiple of 4 bytes");
            let m2 = f32_values(r.take(bytes)?).expect("a multiple of 4 bytes");
            if time == 0
                || time > i32::MAX as u64
                || m1.iter().any(|v| !v.is_finite())
                || m2.iter().any(|v| !v.is_finite() || *v < 0.0)
            {
                return Err(CheckpointError::BadMeta(format!(
                    "the optimizer state of {path} is not valid"
                )));
            }
            let tensor = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [n]), device);
            states.insert(
                path,
                Moments {
                    time,
                    m1: tensor(m1),
                    m2: tensor(m2),
                },
            );
        }
        if r.remaining() != 0 {
            return Err(CheckpointError::Corrupted);
        }
        self.states = states;
        Ok(())
    }
}

/// Element counts of a module's float parameters, by path.
fn param_sizes<M: Module>(module: &M) -> BTreeMap<String, usize> {
    struct Sizes {
        path: Vec<String>,
        sizes: BTreeMap<String, usize>,
    }
    impl ModuleVisitor for Sizes {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let n = param.lazy_shape().num_elements();
            self.sizes.insert(self.path.join("."), n);
        }
    }
    let mut v = Sizes {
        path: Vec::new(),
        sizes: BTreeMap::new(),
    };
    module.visit(&mut v);
    v.sizes
}

struct Stepper<'a> {
    adam: &'a mut Adam,
    lr: f64,
    grads: &'a mut GradientsParams,
    path: Vec<String>,
}

impl ModuleMapper for Stepper<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let dims = tensor.dims();
        let n = dims.iter().product::<usize>();
        let path = self.path.join(".");
        let value = tensor.inner().reshape([n]);
        let updated = self.adam.update(&path, value, grad.reshape([n]), self.lr);
        let mut tensor = Tensor::from_inner(updated.reshape(dims));
        if require_grad {
            tensor = tensor.require_grad();
        }
        Param::from_mapped_value(id, tensor, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::optim::AdamConfig;

    #[derive(Module, Debug)]
    struct Net {
        a: burn::nn::Linear,
        b: burn::nn::Linear,
    }

    fn net(device: &Device) -> Net {
        Net {
            a: burn::nn::LinearConfig::new(5, 4).init(device),
            b: burn::nn::LinearConfig::new(4, 3).init(device),
        }
    }

    fn loss(net: &Net, x: &Tensor<2>) -> Tensor<1> {
        let h = burn::tensor::activation::relu(net.a.forward(x.clone()));
        net.b.forward(h).powi_scalar(2).mean()
    }

    fn flat(net: &Net) -> Vec<f32> {
        let mut out = Vec::new();
        for t in [
            net.a.weight.val().reshape([20]),
            net.a.bias.as_ref().unwrap().val(),
            net.b.weight.val().reshape([12]),
            net.b.bias.as_ref().unwrap().val(),
        ] {
            out.extend(t.into_data().try_to_vec::<f32>().unwrap());
        }
        out
    }

    #[test]
    fn matches_burns_adam_bit_for_bit_and_resumes_exactly_from_bytes() {
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::from_data(
            TensorData::new((0..15).map(|i| (i as f32 * 0.37).sin()).collect(), [3, 5]),
            &device,
        );
        let start = net(&device);
        let config = AdamConfig::new()
            .with_beta_1(0.5)
            .with_beta_2(0.999)
            .with_epsilon(1e-8);
        let mut theirs = config.init();
        let mut ours = Adam::new(0.5, 0.999, 1e-8);
        let (mut a, mut b) = (start.clone(), start);
        let mut resumed: Option<(Net, Adam)> = None;
        for step in 0..6 {
            let g = GradientsParams::from_grads(loss(&a, &x).backward(), &a);
            a = theirs.step(1e-2, a, g);
            let g = GradientsParams::from_grads(loss(&b, &x).backward(), &b);
            b = ours.step(1e-2, b, g);
            assert_eq!(flat(&a), flat(&b), "step {step}");
            if let Some((net, adam)) = &mut resumed {
                let g = GradientsParams::from_grads(loss(net, &x).backward(), &*net);
                *net = adam.step(1e-2, net.clone(), g);
                assert_eq!(flat(net), flat(&b), "resumed, step {step}");
            }
            if step == 2 {
                // Save the state and load it for a copy of the network with other parameter ids.
                let bytes = pollster::block_on(ours.to_bytes()).unwrap();
                let copy = net(&device).load_record(b.clone().into_record());
                let mut adam = Adam::new(0.5, 0.999, 1e-8);
                adam.load(&copy, &bytes, &device).unwrap();
                assert_eq!(adam.len(), 4);
                resumed = Some((copy, adam));
            }
        }
    }

    #[test]
    fn load_refuses_state_that_does_not_fit() {
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::ones([2, 5], &device);
        let mut adam = Adam::new(0.5, 0.999, 1e-8);
        let n = net(&device);
        let g = GradientsParams::from_grads(loss(&n, &x).backward(), &n);
        let n = adam.step(1e-3, n, g);
        let bytes = pollster::block_on(adam.to_bytes()).unwrap();
        let other = Net {
            a: burn::nn::LinearConfig::new(5, 6).init(&device),
            b: burn::nn::LinearConfig::new(6, 3).init(&device),
        };
        let e = Adam::new(0.5, 0.999, 1e-8)
            .load(&other, &bytes, &device)
            .unwrap_err();
        assert!(matches!(e, CheckpointError::WrongArchitecture(_)), "{e:?}");
        for cut in [0, 3, 10, bytes.len() - 1] {
            assert!(
                Adam::new(0.5, 0.999, 1e-8)
                    .load(&n, &bytes[..cut], &device)
                    .is_err()
            );
        }
        let mut nan = bytes.clone();
        let at = nan.len() - 4;
        nan[at..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Adam::new(0.5, 0.999, 1e-8).load(&n, &nan, &device).is_err());

        // The first parameter's time (after the count and its path): the step takes it as an i32
        // exponent, so a larger one would turn negative.
        let path_len = u16::from_le_bytes([bytes[4], bytes[5]]) as usize;
        let at = 6 + path_len;
        let with_time = |time: u64| {
            let mut b = bytes.clone();
            b[at..at + 8].copy_from_slice(&time.to_le_bytes());
            b
        };
        let e = Adam::new(0.5, 0.999, 1e-8)
            .load(&n, &with_time(i32::MAX as u64 + 1), &device)
            .unwrap_err();
        assert!(e.to_string().contains("is not valid"), "{e}");
        let mut adam = Adam::new(0.5, 0.999, 1e-8);
        adam.load(&n, &with_time(i32::MAX as u64), &device).unwrap();
        let g = GradientsParams::from_grads(loss(&n, &x).backward(), &n);
        let stepped = adam.step(1e-3, n, g);
        assert!(flat(&stepped).iter().all(|v| v.is_finite()));
    }
}
