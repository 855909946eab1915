//! The data sets' class names, in label order (0-9). A file of its own, with no imports, so that
//! `cargo xtask data` (which does not build burn) reads the same names through `#[path]`.

/// MNIST's classes are its digits.
pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Fashion-MNIST's labels 0-9, from the dataset's README.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
