//! Timings of dataset preparation: from the tarball (or folder) named by
//! `IMDB_DATA`, from the cache, and of tokenizing one review.
//!
//! Run with `IMDB_DATA=path/to/aclImdb_v1.tar.gz cargo bench --bench prepare`.
//! Without `IMDB_DATA`, only the tokenizer is measured.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imdb_tui::data::tokenize::for_each_token;
use imdb_tui::data::{DATA_ENV_VAR, DataSource, PrepareOptions, locate_from, prepare};

/// A review of typical length (about 1,300 bytes, the dataset's mean) and
/// markup, written for this benchmark.
const TYPICAL_REVIEW: &str = "I went into this film expecting very little, and I came out \
    pleasantly surprised. The story follows a retired lighthouse keeper who finds a stranded \
    sailor on the rocks one stormy night, and the two of them slowly build an odd friendship \
    over the winter.<br /><br />The acting is the real strength here. The lead gives a quiet, \
    careful performance that never tips into sentimentality, and the young actor playing the \
    sailor matches him scene for scene. The supporting cast is good too, although the \
    village doctor's subplot doesn't go anywhere and could've been cut.<br /><br />Where the \
    film stumbles is the pacing. The middle third drags badly; there are at least three \
    scenes of people staring at the sea that add nothing. The score is lovely but it's used \
    far too often, as if the director didn't trust the images to carry the mood on their \
    own. The ending, on the other hand, is handled with real restraint, and I won't spoil it \
    here.<br /><br />It isn't a masterpiece, and it's about 20 minutes too long, but it's \
    honest, well-acted and beautifully shot. If you like slow, character-driven dramas in \
    the vein of the 1970s European films, give it a try. I'd rate it 7/10, maybe an 8 on a \
    good day. Don't expect action or big twists: this is a film about two lonely men and a \
    lighthouse, and it's all the better for it.";

fn tokenizer(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(TYPICAL_REVIEW.len() as u64));
    group.bench_function("typical_review", |bencher| {
        bencher.iter(|| {
            let mut count = 0_usize;
            for_each_token(black_box(TYPICAL_REVIEW.as_bytes()), |token| {
                count += token.len();
            });
            count
        });
    });
    group.finish();
}

fn prepare_dataset(criterion: &mut Criterion) {
    let Some(data) = std::env::var_os(DATA_ENV_VAR).filter(|value| !value.is_empty()) else {
        eprintln!(
            "benches/prepare.rs: {DATA_ENV_VAR} is not set, so only the tokenizer is measured; \
             set {DATA_ENV_VAR} to aclImdb_v1.tar.gz or the aclImdb folder to measure \
             preparing the dataset"
        );
        return;
    };
    let source = match locate_from(None, Some(Path::new(&data)), Path::new("data")) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("benches/prepare.rs: {error}");
            return;
        }
    };
    let cache = match tempfile::tempdir() {
        Ok(cache) => cache,
        Err(error) => {
            eprintln!("benches/prepare.rs: failed to create a cache folder: {error}");
            return;
        }
    };

    let mut group = criterion.benchmark_group("prepare");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));

    let uncached = PrepareOptions::default();
    let source_kind = match source {
        DataSource::Tarball(_) => "from_tarball",
        DataSource::Folder(_) => "from_folder",
    };
    group.bench_function(source_kind, |bencher| {
        bencher.iter(|| prepare(&source, &uncached, &mut |_| {}).map(|prepared| prepared.dataset));
    });

    let cached = PrepareOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..PrepareOptions::default()
    };
    group.bench_function("from_cache", |bencher| {
        // Writes the cache that the measured calls load.
        if let Err(error) = prepare(&source, &cached, &mut |_| {}) {
            eprintln!("benches/prepare.rs: failed to write the cache: {error}");
        }
        bencher.iter(|| prepare(&source, &cached, &mut |_| {}).map(|prepared| prepared.from_cache));
    });
    group.finish();
}

criterion_group!(benches, tokenizer, prepare_dataset);
criterion_main!(benches);
