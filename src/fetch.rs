//! Downloading the dataset.
