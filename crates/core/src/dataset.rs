//! Which data set a run trains on: its files, classes, name and measuring classifier. The data
//! itself is read by `data.rs`.

/// Which data set a run trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Dataset {
    /// Handwritten digits (MNIST, a 10,000-image subset).
    Mnist,
    /// Clothes (Fashion-MNIST, a 10,000-image subset).
    Fashion,
    /// The learner's own images, made MNIST-like in the page (`own_images`): no files, no classes,
    /// no held-out split. They travel with the run, never over the network.
    Own,
}

impl Dataset {
    /// The gzipped IDX files (images, labels) of its 10,000-image subset, under `www/data/`;
    /// none for the learner's own images.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Dataset::Mnist => &[
                "mnist-10k-images-idx3-ubyte.gz",
                "mnist-10k-labels-idx1-ubyte.gz",
            ],
            Dataset::Fashion => &[
                "fashion-10k-images-idx3-ubyte.gz",
                "fashion-10k-labels-idx1-ubyte.gz",
            ],
            Dataset::Own => &[],
        }
    }

    /// Whether its images carry classes (a conditional run needs them).
    pub fn has_classes(self) -> bool {
        self != Dataset::Own
    }

    /// The measuring classifier's file for it, under `www/models/` (`ganvas classifier train
    /// --dataset <id>` writes it). Own images borrow MNIST's: the page measures them only for
    /// copies and variety, which need its distances, not its classes.
    pub fn classifier_file(self) -> &'static str {
        match self {
            Dataset::Mnist | Dataset::Own => "classifier.ganvas",
            Dataset::Fashion => "classifier-fashion.ganvas",
        }
    }

    /// Names of its ten classes.
    pub fn classes(self) -> [&'static str; 10] {
        match self {
            Dataset::Mnist | Dataset::Own => crate::class_names::MNIST_CLASSES,
            Dataset::Fashion => crate::class_names::FASHION_CLASSES,
        }
    }

    /// Its name on the page.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Mnist => "MNIST",
            Dataset::Fashion => "Fashion-MNIST",
            Dataset::Own => "your images",
        }
    }

    /// Every data set.
    pub const ALL: [Dataset; 3] = [Dataset::Mnist, Dataset::Fashion, Dataset::Own];

    pub fn id(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::Fashion => "fashion",
            Dataset::Own => "own",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.id() == id)
    }
}
