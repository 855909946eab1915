//! Training on the real data, natively on the CPU (Flex) backend.

use burn::prelude::*;
use burn::tensor::Transaction;
use ganvas_core::data::Mnist;
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

/// Mean image of the generated digits against the mean real digit: the L2 distance between them.
fn mean_image_distance(trainer: &Trainer, data: &Mnist) -> f32 {
    let fakes = trainer.generate(trainer.fixed_noise(256)).mean_dim(0); // [1, 784]
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
