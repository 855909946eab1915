//! Which data set a run trains on: its files, classes, name and measuring classifier. The data
//! itself is read by `data.rs`.

/// Which data set a run trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Dataset {
    /// Handwritten digits (MNIST, a 10,000-image subset).
    Mnist,
    /// Clothes (Fashion-MNIST, a 10,000-image subset).
    Fashion,
}

impl Dataset {
    /// The gzipped IDX files of its 10,000-image subset, under `www/data/`.
    pub fn files(self) -> [&'static str; 2] {
        match self {
            Dataset::Mnist => [
                "mnist-10k-images-idx3-ubyte.gz",
                "mnist-10k-labels-idx1-ubyte.gz",
            ],
            Dataset::Fashion => [
                "fashion-10k-images-idx3-ubyte.gz",
                "fashion-10k-labels-idx1-ubyte.gz",
            ],
        }
    }

    /// The measuring classifier's file for it, under `www/models/` (`ganvas classifier train
    /// --dataset <id>` writes it).
    pub fn classifier_file(self) -> &'static str {
        match self {
            Dataset::Mnist => "classifier.ganvas",
            Dataset::Fashion => "classifier-fashion.ganvas",
        }
    }

    /// Names of its ten classes.
    pub fn classes(self) -> [&'static str; 10] {
        match self {
            Dataset::Mnist => crate::class_names::MNIST_CLASSES,
            Dataset::Fashion => crate::class_names::FASHION_CLASSES,
        }
    }

    /// Its name on the page.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Mnist => "MNIST",
            Dataset::Fashion => "Fashion-MNIST",
        }
    }

    /// Every data set.
    pub const ALL: [Dataset; 2] = [Dataset::Mnist, Dataset::Fashion];

    pub fn id(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::Fashion => "fashion",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.id() == id)
    }
}
