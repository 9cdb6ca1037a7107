//! Training and prediction speed on the real dataset, which the benches find
//! as the program does: IMDB_DATA, then data/.
//!
//! Run with `cargo bench --bench train`; `cargo bench -- --test` runs each
//! bench once.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use imdb_tui::data::{Dataset, PrepareOptions, locate, prepare};
use imdb_tui::model::Network;
use imdb_tui::predict::predict;
use imdb_tui::train::{RunConfig, RunKind, TrainEvent, train};

/// A review of typical length, 163 words, written for this bench.
const REVIEW: &str = "I went into this film expecting very little, because the trailer made it \
look like another tired remake, but I came out genuinely moved. The lead gives a quiet, \
careful performance that never tips into melodrama, and the supporting cast is just as good. \
The script takes its time in the first act, which some viewers will find slow, yet every scene \
pays off later. The photography is beautiful without showing off, and the score knows when to \
stay silent. My only complaint is the last ten minutes, where the story ties up its loose ends \
a little too neatly, as if the studio had asked for a happier ending. Even so, it is one of the \
best dramas I have seen this year, and I would happily watch it again. Don't let the marketing \
fool you: this is a thoughtful, funny and honest movie about families and the things we never \
say to each other. 9/10, and bring tissues!";

/// A review as short as many typed into the dashboard, 22 words.
const SHORT_REVIEW: &str = "The acting was wonderful and the story kept me hooked until the very \
end, although the middle drags a little. Loved it!";

fn dataset() -> Option<Dataset> {
    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let source = match locate(None, &data_dir) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("skipping the training benches, which need the IMDB dataset: {error}");
            return None;
        }
    };
    let options = PrepareOptions {
        cache_dir: Some(data_dir),
        ..PrepareOptions::default()
    };
    match prepare(&source, &options, &mut |_| {}) {
        Ok(prepared) => Some(prepared.dataset),
        Err(error) => {
            eprintln!("skipping the training benches: {error}");
            None
        }
    }
}

fn run(dataset: &Dataset, config: &RunConfig) -> Option<std::sync::Arc<Network>> {
    let mut model = None;
    train(dataset, config, &AtomicBool::new(false), &mut |event| {
        if let TrainEvent::Finished { model: trained, .. } = event {
            model = Some(trained);
        }
    });
    model
}

fn benches(criterion: &mut Criterion) {
    let Some(dataset) = dataset() else {
        return;
    };
    let mut group = criterion.benchmark_group("training");
    group.sample_size(10);
    group.bench_function("exploration_20_epochs", |bencher| {
        bencher.iter(|| run(&dataset, &RunConfig::default()));
    });
    let final_run = RunConfig {
        kind: RunKind::Final,
        epochs: 4,
        ..RunConfig::default()
    };
    group.bench_function("final_4_epochs_and_test", |bencher| {
        bencher.iter(|| run(&dataset, &final_run));
    });
    group.finish();

    let Some(model) = run(&dataset, &final_run) else {
        return;
    };
    criterion.bench_function("predict_typed_review", |bencher| {
        bencher.iter(|| predict(&dataset.vocabulary, &model, std::hint::black_box(REVIEW)));
    });
    criterion.bench_function("predict_short_review", |bencher| {
        bencher.iter(|| {
            predict(
                &dataset.vocabulary,
                &model,
                std::hint::black_box(SHORT_REVIEW),
            )
        });
    });
}

criterion_group!(train_benches, benches);
criterion_main!(train_benches);
