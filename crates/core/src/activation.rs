//! LeakyReLU as the networks train it: relu(x) - slope * relu(-x), the same values as burn's
//! `leaky_relu` and the same gradients, in cheaper passes.
//!
//! burn 0.22.1's autodiff has no LeakyReLU of its own: it builds one from a comparison, a scaled
//! copy and `mask_where`, and sends the gradient back through two more `mask_where`s, each with a
//! tensor of zeros. On the CPU backend `mask_where` is a branch per element, taken at random for
//! LeakyReLU's input, and it was 12% of a native training step of the seed GAN (README, "The fast
//! path"). ReLU has its own forward and backward in autodiff, both one branch-free pass.
//!
//! Exactness, for a slope in (0, 1): for x > 0, relu(x) = x, relu(-x) = 0 and x - slope * 0 = x;
//! for x < 0, 0 - slope * (-x) = slope * x, since negation and the product's sign are exact. The
//! gradient g becomes g or slope * g the same way. Only at x = 0 exactly does the gradient differ
//! (0 here, g in burn's), where LeakyReLU has none.

use burn::prelude::*;
use burn::tensor::activation::relu;

/// LeakyReLU with `slope` for x < 0 (`slope` in (0, 1)).
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    let negative = relu(x.clone().neg()).mul_scalar(slope);
    relu(x) - negative
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{RunRng, Stream};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<u32> {
        let v: Vec<f32> = t.into_data().try_to_vec().unwrap();
        v.into_iter().map(f32::to_bits).collect()
    }

    /// Values and gradients, bit for bit, against burn's LeakyReLU, on random inputs (none is 0).
    #[test]
    fn matches_burns_leaky_relu_bit_for_bit() {
        let device = Device::flex().autodiff();
        let mut rng = RunRng::new(3, Stream::Init);
        let input: Vec<f32> = rng.normal(4096).into_iter().map(|v| v * 3.0).collect();
        assert!(input.iter().all(|v| *v != 0.0));
        let upstream = rng.normal(4096);
        let run = |ours: bool| {
            let x = Tensor::<2>::from_data(TensorData::new(input.clone(), [64, 64]), &device)
                .require_grad();
            let y = if ours {
                leaky_relu(x.clone(), 0.2)
            } else {
                burn::tensor::activation::leaky_relu(x.clone(), 0.2)
            };
            let g = Tensor::<2>::from_data(TensorData::new(upstream.clone(), [64, 64]), &device);
            let grads = (y.clone() * g).sum().backward();
            (values(y), values(x.grad(&grads).unwrap()))
        };
        let (ours, theirs) = (run(true), run(false));
        assert_eq!(ours.0, theirs.0, "values");
        assert_eq!(ours.1, theirs.1, "gradients");
        // Both slopes occur.
        assert!(input.iter().any(|v| *v < 0.0) && input.iter().any(|v| *v > 0.0));
    }
}
