//! Training on the real data, natively on the CPU (Flex) backend.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Transaction;
use ganvas_core::data::Mnist;
use ganvas_core::loss::GanLoss;
use ganvas_core::model::IMAGE_PIXELS;
use ganvas_core::train::{StepValues, TrainConfig, Trainer};

fn mnist() -> Mnist {
    Mnist::from_idx_gz(
        include_bytes!("../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
        include_bytes!("../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
    )
    .expect("the committed data set decodes")
}

/// Native tests may block: Flex reads synchronously.
fn read(stats: ganvas_core::train::StepStats) -> StepValues {
    pollster::block_on(stats.read()).expect("CPU read")
}

fn run(config: TrainConfig, data: &Mnist, steps: usize) -> Vec<StepValues> {
    let mut trainer = Trainer::new(config, &Device::flex(), data);
    (0..steps).map(|_| read(trainer.train_step(data))).collect()
}

#[test]
fn a_seeded_step_is_finite_and_bit_identical() {
    let data = mnist();
    let a = run(TrainConfig::new().with_seed(3), &data, 3);
    let b = run(TrainConfig::new().with_seed(3), &data, 3);
    let c = run(TrainConfig::new().with_seed(4), &data, 3);
    assert!(a.iter().all(StepValues::is_finite), "{a:?}");
    assert_eq!(a, b, "same seed, same losses, bit for bit");
    assert_ne!(a, c, "another seed, another run");
    // At the start, D can't tell real from fake: both mean scores are near 0.5 and D's loss is near
    // 2 log 2 = 1.386.
    assert!((a[0].d_loss - 1.386).abs() < 0.2, "{:?}", a[0]);
    assert!((a[0].d_real - 0.5).abs() < 0.1 && (a[0].d_fake - 0.5).abs() < 0.1);
}

#[test]
fn a_chunk_of_steps_is_the_same_steps_with_the_chunks_mean_losses() {
    let data = mnist();
    for config in [TrainConfig::new(), TrainConfig::new().with_d_steps(2)] {
        let config = config.with_seed(9).with_batch_size(16);
        let one_by_one = run(config.clone(), &data, 4);
        let mut chunked = Trainer::new(config, &Device::flex(), &data);
        let v = read(chunked.train_steps(&data, 4));
        assert_eq!(chunked.step, 4);
        // The last step's D scores and G gradient are the same numbers as one step at a time: the
        // skipped statistics changed nothing in the training.
        let last = one_by_one[3];
        assert_eq!(
            (v.d_real, v.d_fake, v.g_grad),
            (last.d_real, last.d_fake, last.g_grad)
        );
        let mean = |f: fn(&StepValues) -> f32| one_by_one.iter().map(f).sum::<f32>() / 4.0;
        assert!((v.d_loss - mean(|s| s.d_loss)).abs() < 1e-5, "{v:?}");
        assert!((v.g_loss - mean(|s| s.g_loss)).abs() < 1e-5, "{v:?}");
    }
}

/// Mean image of the generated digits against the mean real digit: the L2 distance between them.
fn mean_image_distance(trainer: &Trainer, data: &Mnist) -> f32 {
    let fakes = trainer.generate(&trainer.fixed_noise(256)).mean_dim(0); // [1, 784]
    let real: Vec<f32> = data.gather(&data.heldout_indices().collect::<Vec<_>>());
    let n = real.len() / IMAGE_PIXELS;
    let real_mean: Vec<f32> = (0..IMAGE_PIXELS)
        .map(|p| (0..n).map(|i| real[i * IMAGE_PIXELS + p]).sum::<f32>() / n as f32)
        .collect();
    let fake_mean = Transaction::default().register(fakes).execute()[0]
        .try_to_vec::<f32>()
        .unwrap();
    fake_mean
        .iter()
        .zip(&real_mean)
        .map(|(f, r)| (f - r) * (f - r))
        .sum::<f32>()
        .sqrt()
}

#[test]
fn it_learns_to_draw_closer_to_real_digits() {
    let data = mnist();
    let mut trainer = Trainer::new(TrainConfig::new().with_seed(1), &Device::flex(), &data);
    let before = mean_image_distance(&trainer, &data);
    let mut last = None;
    for _ in 0..300 {
        last = Some(trainer.train_step(&data));
    }
    assert!(read(last.unwrap()).is_finite());
    let after = mean_image_distance(&trainer, &data);
    eprintln!("mean-image L2 distance to real digits: step 0 {before:.2}, step 300 {after:.2}");
    assert!(
        after < 0.5 * before,
        "after 300 steps the generated mean image should be at least twice as close to the real \
         one: {before} -> {after}"
    );
}

#[test]
fn every_loss_trains_a_finite_step() {
    let data = mnist();
    for loss in [
        GanLoss::NonSaturating,
        GanLoss::Minimax,
        GanLoss::LeastSquares,
        GanLoss::Hinge,
        GanLoss::Wasserstein,
    ] {
        let values = run(TrainConfig::new().with_seed(2).with_loss(loss), &data, 2);
        assert!(
            values.iter().all(StepValues::is_finite),
            "{loss:?}: {values:?}"
        );
        if loss.has_probabilities() {
            assert!(values.iter().all(|v| (0.0..=1.0).contains(&v.d_real)));
        }
    }
}

/// The largest absolute value among a module's float parameters.
#[derive(Default)]
struct MaxAbs(f32);

impl ModuleVisitor for MaxAbs {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values: Vec<f32> = param.val().abs().max().into_data().try_to_vec().unwrap();
        self.0 = self.0.max(values[0]);
    }
}

#[test]
fn the_wasserstein_critic_is_clipped_after_every_update() {
    let data = mnist();
    let config = TrainConfig::new()
        .with_loss(GanLoss::Wasserstein)
        .with_clip(0.02)
        .with_d_steps(3);
    let mut trainer = Trainer::new(config, &Device::flex(), &data);
    let mut before = MaxAbs::default();
    trainer.discriminator.visit(&mut before);
    assert!(before.0 > 0.02, "the initial weights exceed the clip");
    read(trainer.train_step(&data));
    let mut after = MaxAbs::default();
    trainer.discriminator.visit(&mut after);
    assert!(after.0 <= 0.02 + 1e-7, "{}", after.0);
    // The clipped critic still trains: a second step is finite.
    assert!(read(trainer.train_step(&data)).is_finite());
}

#[test]
fn d_steps_take_that_many_real_batches_per_step() {
    let data = mnist();
    let device = Device::flex();
    let mut three = Trainer::new(TrainConfig::new().with_d_steps(3), &device, &data);
    let mut one = Trainer::new(TrainConfig::new(), &device, &data);
    read(three.train_step(&data));
    for _ in 0..3 {
        read(one.train_step(&data));
    }
    assert_eq!(three.step, 1);
    // Both have drawn three batches: the next one is the same.
    let a: Vec<f32> = three
        .next_real(&data)
        .images
        .into_data()
        .try_to_vec()
        .unwrap();
    let b: Vec<f32> = one
        .next_real(&data)
        .images
        .into_data()
        .try_to_vec()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn one_sided_label_smoothing_changes_only_the_discriminator_loss() {
    let data = mnist();
    let plain = run(TrainConfig::new().with_seed(9), &data, 1)[0];
    let smooth = run(
        TrainConfig::new().with_seed(9).with_real_label(0.9),
        &data,
        1,
    )[0];
    assert!(smooth.d_loss > plain.d_loss, "{plain:?} {smooth:?}");
    // The first D update sees the same batch and fakes: D's scores before it are the same.
    assert_eq!(plain.d_real, smooth.d_real);
    assert_eq!(plain.d_fake, smooth.d_fake);
}

#[test]
fn every_model_trains_a_finite_step() {
    use ganvas_core::model::ModelConfig;
    let data = mnist();
    for model in [
        ModelConfig::new(),
        ModelConfig::new().with_conditional(true),
        ModelConfig::dcgan(),
        ModelConfig::dcgan().with_conditional(true),
    ] {
        let name = format!("{:?} conditional={}", model.architecture, model.conditional);
        let config = TrainConfig::new().with_model(model).with_batch_size(16);
        let values = run(config, &data, 2);
        assert!(
            values.iter().all(StepValues::is_finite),
            "{name}: {values:?}"
        );
        assert!(values[1].g_grad > 0.0, "{name}: G gets a gradient");
    }
}

#[test]
fn step_views_are_the_updates_they_show() {
    let data = mnist();
    let mut trainer = Trainer::new(TrainConfig::new().with_seed(5), &Device::flex(), &data);
    let view = trainer.d_step_view(&data, 8);
    assert_eq!(
        (trainer.d_updates, trainer.step),
        (1, 0),
        "a D step is one D update"
    );
    assert_eq!(view.real.dims(), [8, IMAGE_PIXELS]);
    let mean = |t: Tensor<1>| -> f32 { t.mean().into_data().try_to_vec::<f32>().unwrap()[0] };
    // One D update raises D's scores of those real images and lowers those of those fakes.
    assert!(mean(view.real_after) > mean(view.real_before));
    assert!(mean(view.fake_after) < mean(view.fake_before));
    let view = trainer.g_step_view(8);
    assert_eq!(
        (trainer.d_updates, trainer.step),
        (1, 1),
        "a G step is one G update"
    );
    // One G update makes D score the same noise's images as more real.
    assert!(mean(view.score_after) > mean(view.score_before));

    // The views draw what the plain steps draw: the same run, step for step.
    let mut plain = Trainer::new(TrainConfig::new().with_seed(5), &Device::flex(), &data);
    let real = plain.next_real(&data);
    plain.d_step(real);
    plain.g_step(plain.config.batch_size);
    let z = trainer.fixed_noise(4);
    let a: Vec<f32> = trainer.generate(&z).into_data().try_to_vec().unwrap();
    let b: Vec<f32> = plain.generate(&z).into_data().try_to_vec().unwrap();
    assert_eq!(a, b);
}

/// G's samples of the fixed noise, read on the host.
fn samples(trainer: &Trainer) -> Vec<f32> {
    trainer
        .generate(&trainer.fixed_noise(16))
        .into_data()
        .try_to_vec()
        .unwrap()
}

#[test]
fn a_checkpoint_continues_the_run_bit_for_bit() {
    use ganvas_core::model::ModelConfig;
    use ganvas_core::resume::{RunHistory, SavedRun};
    let data = mnist();
    let configs = [
        TrainConfig::new().with_batch_size(16),
        TrainConfig::new()
            .with_model(ModelConfig::dcgan().with_conditional(true))
            .with_batch_size(8),
        TrainConfig::new()
            .with_loss(GanLoss::Wasserstein)
            .with_d_steps(2)
            .with_batch_size(8),
    ];
    for config in configs {
        let name = format!("{:?} {:?}", config.model.architecture, config.loss);
        let mut a = Trainer::new(config, &Device::flex(), &data);
        for _ in 0..3 {
            read(a.train_step(&data));
        }
        let real = a.next_real(&data);
        a.d_step(real); // a lone D step: the counters differ
        let bytes = pollster::block_on(a.checkpoint(&RunHistory::default(), true)).unwrap();
        let saved = SavedRun::parse(&bytes).unwrap();
        let mut b = saved.into_trainer(&Device::flex(), &data).unwrap();
        assert_eq!((b.step, b.d_updates), (a.step, a.d_updates), "{name}");
        assert_eq!(samples(&a), samples(&b), "{name}: same networks");
        for step in 0..4 {
            let (x, y) = (read(a.train_step(&data)), read(b.train_step(&data)));
            assert_eq!(x, y, "{name}: step {step} after loading differs");
        }
        assert_eq!(
            samples(&a),
            samples(&b),
            "{name}: same networks after training on"
        );

        // Without the optimizers and streams: the same weights and step, a fresh Adam, so the
        // next step differs.
        let bytes = pollster::block_on(a.checkpoint(&RunHistory::default(), false)).unwrap();
        let saved = SavedRun::parse(&bytes).unwrap();
        assert!(!saved.full);
        let mut c = saved.into_trainer(&Device::flex(), &data).unwrap();
        assert_eq!(samples(&a), samples(&c), "{name}: weights only");
        assert_eq!(c.step, a.step);
        assert_ne!(
            read(a.train_step(&data)),
            read(c.train_step(&data)),
            "{name}"
        );
    }
}
