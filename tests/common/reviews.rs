//! Hand-written review fixtures in the `aclImdb` layout, as folders and
//! tarballs, for the tests of hard inputs.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The four class folders of a dataset, relative to `aclImdb/`.
pub const CLASS_FOLDERS: [&str; 4] = ["train/pos", "train/neg", "test/pos", "test/neg"];

/// Words that the generated reviews draw from. Positive reviews lean on the
/// first half and negative reviews on the second, so a network can learn.
const WORDS: [&str; 16] = [
    "great",
    "wonderful",
    "moving",
    "best",
    "loved",
    "superb",
    "fun",
    "brilliant",
    "awful",
    "boring",
    "worst",
    "waste",
    "dull",
    "bad",
    "hated",
    "poor",
];

/// A review file: its path under `aclImdb/` and its bytes.
pub type ReviewFile = (String, Vec<u8>);

/// Returns a small labeled dataset: two reviews per class folder.
pub fn small_files() -> Vec<ReviewFile> {
    generated_files(2, 6, 1)
}

/// Returns `per_class` generated reviews of `words` words in each class
/// folder.
pub fn generated_files(per_class: usize, words: usize, seed: u64) -> Vec<ReviewFile> {
    generated_files_with_fillers(per_class, words, 0, seed)
}

/// Like [`generated_files`], with `fillers` extra words per review drawn
/// from 5,000 filler words (`f0` to `f4999`), so that the vocabulary and
/// the work per review grow.
pub fn generated_files_with_fillers(
    per_class: usize,
    words: usize,
    fillers: usize,
    seed: u64,
) -> Vec<ReviewFile> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut files = Vec::with_capacity(per_class * 4);
    let mut id = 0;
    for folder in CLASS_FOLDERS {
        let positive = folder.ends_with("pos");
        for _ in 0..per_class {
            let mut text = String::new();
            for _ in 0..words {
                let lean = if positive { 0 } else { 8 };
                let index = if rng.random_bool(0.7) {
                    lean + rng.random_range(0..8)
                } else {
                    rng.random_range(0..WORDS.len())
                };
                text.push_str(WORDS[index]);
                text.push(' ');
            }
            for _ in 0..fillers {
                text.push_str(&format!("f{} ", rng.random_range(0..5_000)));
            }
            let rating = if positive { 8 } else { 2 };
            files.push((format!("{folder}/{id}_{rating}.txt"), text.into_bytes()));
            id += 1;
        }
    }
    files
}

/// Writes `files` under `root/aclImdb/`, creating the four class folders
/// even when no file lands in them, and returns the `aclImdb` folder.
pub fn write_folder(root: &Path, files: &[ReviewFile]) -> PathBuf {
    let folder = root.join("aclImdb");
    for class_folder in CLASS_FOLDERS {
        fs::create_dir_all(folder.join(class_folder)).unwrap();
    }
    for (path, contents) in files {
        let path = folder.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    folder
}

/// Appends a regular file entry, writing the path bytes straight into the
/// header so that paths the `tar` crate rejects (`..`, absolute) can be
/// written too. A path is cut to 99 bytes.
pub fn append_raw<W: Write>(builder: &mut tar::Builder<W>, path: &[u8], contents: &[u8]) {
    let mut header = tar::Header::new_gnu();
    let name = &mut header.as_old_mut().name;
    let length = path.len().min(name.len() - 1);
    name[..length].copy_from_slice(&path[..length]);
    header.set_size(contents.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, contents).unwrap();
}

/// Builds a `.tar.gz` in memory with each file under `prefix`.
pub fn tarball_bytes(files: &[ReviewFile], prefix: &str) -> Vec<u8> {
    let encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (path, contents) in files {
        append_raw(&mut builder, format!("{prefix}{path}").as_bytes(), contents);
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// Writes `files` as `path`, a `.tar.gz` with every entry under `aclImdb/`.
pub fn write_tarball(path: &Path, files: &[ReviewFile]) -> PathBuf {
    fs::write(path, tarball_bytes(files, "aclImdb/")).unwrap();
    path.to_path_buf()
}
