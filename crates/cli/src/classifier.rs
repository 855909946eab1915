//! `ganvas classifier train`: trains the measuring classifier and writes its file.

use std::fs;
use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use ganvas_core::classifier::{ClassifierTraining, accuracy, calibration, train_classifier};
use ganvas_core::classifier_file::ClassifierFile;
use ganvas_core::data::Dataset;
use ganvas_core::evaluator::reference;
use ganvas_core::outliers::early_generator_images;

use crate::load_dataset;

pub(crate) fn classifier_train(
    training: ClassifierTraining,
    dataset: Dataset,
    out: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    let data = load_dataset(data_dir, dataset)?;
    let device = Device::flex();
    let started = Instant::now();
    let early = pollster::block_on(early_generator_images(256, &device))
        .map_err(|e| format!("drawing untrained generators' images failed: {e:?}"))?;
    let classifier = train_classifier(&training, &data, &early, &device, |epoch, loss| {
        let loss: f32 = pollster::block_on(loss.into_data_async())
            .ok()
            .and_then(|d| d.try_to_vec::<f32>().ok())
            .and_then(|v| v.first().copied())
            .unwrap_or(f32::NAN);
        eprintln!(
            "epoch {epoch:>2}/{}  loss {loss:.4}  {:.0}s",
            training.epochs,
            started.elapsed().as_secs_f64()
        );
    });
    let heldout: Vec<usize> = data.heldout_indices().collect();
    let heldout_accuracy = pollster::block_on(accuracy(&classifier, &data, &heldout, &device))
        .map_err(|e| format!("measuring accuracy failed: {e:?}"))?;
    let reference = pollster::block_on(reference(&classifier, &data, &device))
        .map_err(|e| format!("measuring the held-out digits failed: {e:?}"))?;
    let calibrated = pollster::block_on(calibration(&classifier, &data, &heldout, 0.9, &device))
        .map_err(|e| format!("measuring calibration failed: {e:?}"))?;
    println!(
        "held-out images predicted with p >= 0.9: {:.1}%, of which {:.2}% are right",
        calibrated.confident_share * 100.0,
        calibrated.confident_accuracy * 100.0
    );
    let file = ClassifierFile {
        config: training.model.clone(),
        training,
        heldout_accuracy,
        reference,
    };
    let bytes = pollster::block_on(file.encode(&classifier))
        .map_err(|e| format!("saving the classifier failed: {e}"))?;
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(out, &bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "held-out accuracy {:.2}% ({} images); held-out nearest-training-image median distance {:.3}; wrote {} ({} bytes) in {:.0}s",
        heldout_accuracy * 100.0,
        heldout.len(),
        file.reference.heldout_nn_median,
        out.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
