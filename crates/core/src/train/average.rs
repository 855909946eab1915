//! The moving average of G's weights that draws a run's samples (Karras et al. 2018, ProGAN; also
//! BigGAN and StyleGAN). G's own weights jump with every Adam step; their average over the last few
//! hundred steps draws cleaner digits, with fewer of the salt-and-pepper pixels an MLP generator
//! leaves. Training never reads it: D and G train exactly as without it, and only the pictures (the
//! grid, the metrics, the explorer, a saved model) come from the average.

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

use super::Trainer;
use crate::model::Generator;

impl Trainer {
    /// The generator that draws the run's pictures: the average of G's weights when the run keeps
    /// one, else G.
    pub fn sampler(&self) -> &Generator {
        self.averaged.as_ref().unwrap_or(&self.generator)
    }

    /// After a G update: moves the average towards G's new weights (starting it from G if the
    /// run has just asked for one), or drops it when the run asks for none.
    pub(super) fn update_average(&mut self) {
        if self.config.ema <= 0.0 {
            self.averaged = None;
            return;
        }
        let decay = warmed_up(self.config.ema, self.step);
        self.averaged = Some(match self.averaged.take() {
            Some(averaged) => blend(averaged, &self.generator, decay),
            None => start(&self.generator),
        });
    }
}

/// The decay used after `step` G updates when the run asks for `decay`: min(decay,
/// (1 + step) / (10 + step)), so that the first steps' untrained weights are soon forgotten.
pub fn warmed_up(decay: f32, step: u64) -> f32 {
    let t = step as f32;
    decay.min((1.0 + t) / (10.0 + t))
}

/// `average` <- `decay` * `average` + (1 - `decay`) * `generator`, parameter by parameter. The two
/// are the same network, so a visit meets their parameters in the same order (ids are not relied
/// on).
pub fn blend(average: Generator, generator: &Generator, decay: f32) -> Generator {
    let mut weights = Weights(Vec::new());
    generator.visit(&mut weights);
    average.map(&mut Blend {
        weights: weights.0.into_iter(),
        decay,
    })
}

/// A copy of `generator` that records no gradient, to start an average from.
pub fn start(generator: &Generator) -> Generator {
    generator.clone().no_grad()
}

/// Every float parameter of a module, flattened, in the order a visit meets them.
struct Weights(Vec<Tensor<1>>);

impl ModuleVisitor for Weights {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val().detach();
        let n = value.shape().num_elements();
        self.0.push(value.reshape([n]));
    }
}

struct Blend {
    weights: std::vec::IntoIter<Tensor<1>>,
    decay: f32,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let current = self
            .weights
            .next()
            .expect("the average and the generator are the same network");
        let decay = self.decay;
        param.map(|average| {
            let shape = average.shape();
            (average.detach() * decay + current.reshape(shape) * (1.0 - decay)).detach()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    fn first_weights(g: &Generator) -> Vec<f32> {
        let mut w = Weights(Vec::new());
        g.visit(&mut w);
        w.0.into_iter()
            .flat_map(|t| t.into_data().try_to_vec::<f32>().unwrap())
            .collect()
    }

    #[test]
    fn warm_up_forgets_the_first_steps() {
        assert_eq!(warmed_up(0.999, 0), 0.1);
        assert!((warmed_up(0.999, 90) - 0.91).abs() < 1e-6);
        assert_eq!(warmed_up(0.999, 1_000_000), 0.999);
        assert_eq!(warmed_up(0.5, 100), 0.5);
    }

    /// Every weight times `factor`.
    struct Scale(f32);

    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let factor = self.0;
            param.map(|t| t * factor)
        }
    }

    #[test]
    fn blend_moves_each_weight_towards_the_generator() {
        let device = Device::flex();
        let model = ModelConfig::new()
            .with_generator_hidden(vec![3])
            .with_latent_dim(2);
        let (g, _) = model.init(&device, 1);
        let average = start(&g);
        let moved = g.clone().map(&mut Scale(-2.0));
        let blended = blend(average, &moved, 0.75);
        let (before, after) = (first_weights(&g), first_weights(&blended));
        assert_eq!(before.len(), after.len());
        assert!(before.iter().any(|&w| w != 0.0));
        // 0.75 w + 0.25 (-2 w) = 0.25 w
        for (w, m) in before.iter().zip(&after) {
            assert!((m - 0.25 * w).abs() < 1e-6, "{m} vs {w}");
        }
    }
}
