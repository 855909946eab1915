//! Measuring a generator's samples with the classifier: `ganvas eval`, and the JSON line that
//! `ganvas train --eval-every` prints.

use std::fs;
use std::path::Path;

use burn::prelude::*;
use ganvas_core::classifier_file::ClassifierFile;
use ganvas_core::data::Mnist;
use ganvas_core::evaluator::Evaluator;
use ganvas_core::metrics::Metrics;
use ganvas_core::model::CLASSES;
use ganvas_core::train::{GanCheckpoint, evaluation_noise};

use crate::args::EvalArgs;
use crate::load_dataset;

pub(crate) fn load_evaluator(
    path: &Path,
    data: &Mnist,
    device: &Device,
) -> Result<Evaluator, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (file, classifier) =
        ClassifierFile::decode(&bytes, device).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Evaluator::new(classifier, file.reference, data, device))
}

pub(crate) fn measure(
    evaluator: &Evaluator,
    images: Tensor<2>,
    data: &Mnist,
) -> Result<Metrics, String> {
    if images.dims()[0] < 2 {
        return Err("the metrics need at least 2 samples".into());
    }
    pollster::block_on(evaluator.evaluate(images, data))
        .map_err(|e| format!("measuring the samples failed: {e:?}"))
}

/// One JSON line of metrics (`train_s`: training wall time so far, evaluation excluded).
/// For a conditional model, `asked_for` is the share of samples classified as the digit asked for
/// (the evaluation noise asks sample i for digit i % 10).
pub(crate) fn metrics_json(
    step: u64,
    m: &Metrics,
    train_s: Option<f64>,
    conditional: bool,
) -> String {
    let histogram: Vec<String> = m.coverage.histogram.iter().map(u32::to_string).collect();
    let mut time = train_s.map_or(String::new(), |t| format!(",\"train_s\":{t:.1}"));
    if conditional {
        let asked = m.agreement(|i| (i % CLASSES) as u8);
        time = format!(",\"asked_for\":{asked:.4}{time}");
    }
    format!(
        "{{\"step\":{step},\"samples\":{},\"classifier_score\":{:.3},\"fid\":{:.3},\"coverage\":{},\"coverage_kl\":{:.4},\"histogram\":[{}],\"copy_rate\":{:.4},\"median_copy_ratio\":{:.3},\"diversity\":{:.3}{time}}}",
        m.samples,
        m.classifier_score,
        m.fid,
        m.coverage.digits_covered,
        m.coverage.kl_from_uniform,
        histogram.join(","),
        m.copy_rate,
        m.median_copy_ratio,
        m.diversity,
    )
}

pub(crate) fn evaluate_checkpoint(
    path: &Path,
    json: bool,
    eval: &EvalArgs,
    data_dir: &Path,
) -> Result<(), String> {
    let device = Device::flex();
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let checkpoint =
        GanCheckpoint::decode(&bytes, &device).map_err(|e| format!("{}: {e}", path.display()))?;
    // The run's own data set, measured by its classifier.
    let dataset = checkpoint.config.dataset;
    let data = load_dataset(data_dir, dataset)?;
    let evaluator = load_evaluator(&eval.classifier_for(dataset), &data, &device)?;
    let config = &checkpoint.config;
    let z = evaluation_noise(&config.model, config.seed, eval.samples, &device);
    let metrics = measure(&evaluator, checkpoint.generator.sample(&z), &data)?;
    if json {
        let conditional = config.model.conditional;
        println!(
            "{}",
            metrics_json(checkpoint.step, &metrics, None, conditional)
        );
    } else {
        let c = &metrics.coverage;
        println!("step                {}", checkpoint.step);
        println!("samples             {}", metrics.samples);
        println!(
            "classifier score    {:.2}  (1 to 10)",
            metrics.classifier_score
        );
        println!(
            "FID-MNIST           {:.2}  (0 is the real data)",
            metrics.fid
        );
        println!(
            "digits covered      {}/10  histogram {:?}",
            c.digits_covered, c.histogram
        );
        println!("copy rate           {:.1}%", metrics.copy_rate * 100.0);
        println!(
            "median copy ratio   {:.2}  (1: as novel as real digits)",
            metrics.median_copy_ratio
        );
    }
    Ok(())
}
