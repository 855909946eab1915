//! Ganvas's model crate: everything that trains, with no web dependency.

pub mod activation;
pub mod adam;
pub mod checkpoint;
pub mod class_names;
pub mod classifier;
pub mod classifier_file;
pub mod data;
pub mod dataset;
pub mod dcgan;
pub mod evaluator;
pub mod fid;
pub mod latent;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod norm;
pub mod outliers;
pub mod own_images;
pub mod picture;
pub mod preset;
pub mod resume;
pub mod rng;
pub mod settings;
pub mod train;
