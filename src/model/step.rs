//! Gradient steps over batches of reviews, on one or two threads.
//!
//! The first layer's rows are cut into two parts ([`PartedSplit`]). A step
//! runs in three phases with a barrier after the first two:
//! 1. Each part sums its rows for every review of the batch.
//! 2. Chunks of [`CHUNK_REVIEWS`] reviews run the rest of the forward and
//!    backward pass from those sums, on alternate threads.
//! 3. Each part adds the reviews' deltas to its rows in review order and
//!    updates them. One thread also sums the chunks' gradients of the
//!    later layers in chunk order and updates those layers.
//!
//! A part's rows belong to one thread for a whole call, so phase 3 of a
//! step and phase 1 of the next follow without a barrier. Every sum has a
//! fixed order, so results are bit-identical on one thread or two.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::backprop::{BatchStats, CHUNK_REVIEWS, ChunkResult, Gradients, StepJob};
use super::barrier::{BreakOnPanic, Broken, SpinBarrier};
use super::network::Network;
use super::objective::Objective;
use super::optimizer::OptimizerState;
use super::parted::PartedSplit;
use super::parts::{PartRows, gather_part, scatter_part};
use super::row_split::PARTS;
use super::update::Update;
use super::upper::UpperParams;
use crate::data::Split;

/// Buffers of [`train_batches`], kept between calls so that their memory
/// is reused.
#[derive(Default)]
pub struct StepScratch {
    /// Gradients shaped like the network, all zeros between steps.
    gradients: Gradients,
    chunks: Vec<ChunkResult>,
    sums: [Vec<f32>; PARTS],
}

impl StepScratch {
    pub fn new(network: &Network) -> Self {
        Self {
            gradients: Gradients::zeros_like(network),
            ..Self::default()
        }
    }

    /// Gradients, which are all zeros between steps.
    pub fn gradients(&self) -> &Gradients {
        &self.gradients
    }
}

/// Trains `network` on one batch: computes the gradient of `objective`
/// over `samples` (review numbers in `split`) and applies one update of
/// `optimizer` to every parameter. Returns the batch's loss and accuracy,
/// measured with the weights before the update, as Keras reports them.
/// An empty `samples` takes no step.
pub fn train_step(
    network: &mut Network,
    optimizer: &mut OptimizerState,
    objective: &Objective,
    split: &Split,
    samples: &[usize],
    scratch: &mut StepScratch,
) -> BatchStats {
    let mut stats = BatchStats::default();
    let batch_size = samples.len().max(1);
    let mut keep = |_, batch_stats| {
        stats = batch_stats;
        ControlFlow::Continue(())
    };
    let batches = Batches {
        samples,
        batch_size,
    };
    let parted = PartedSplit::new(split, network.inputs());
    let parted = &parted;
    train_batches(
        network, optimizer, objective, parted, batches, scratch, &mut keep,
    );
    stats
}

/// The batches of one call: `samples` cut into runs of `batch_size`, the
/// last one shorter.
#[derive(Clone, Copy, Debug)]
pub struct Batches<'a> {
    pub samples: &'a [usize],
    pub batch_size: usize,
}

impl<'a> Batches<'a> {
    fn len(&self) -> usize {
        self.samples.len().div_ceil(self.batch_size.max(1))
    }

    pub(crate) fn get(&self, number: usize) -> &'a [usize] {
        let size = self.batch_size.max(1);
        let start = (number * size).min(self.samples.len());
        let end = (start + size).min(self.samples.len());
        &self.samples[start..end]
    }
}

/// Trains `network` on each of `batches` (review numbers in `parted`'s
/// split) in turn, one step of `optimizer` each. After each step, `after_step` gets the step's number in this call
/// and the batch's statistics, and stops the training by returning
/// `Break`. It runs on the calling thread.
pub fn train_batches(
    network: &mut Network,
    optimizer: &mut OptimizerState,
    objective: &Objective,
    parted: &PartedSplit,
    batches: Batches,
    scratch: &mut StepScratch,
    after_step: &mut dyn FnMut(usize, BatchStats) -> ControlFlow<()>,
) {
    let shapes_match = scratch.gradients.layers.len() == network.layers.len()
        && (scratch.gradients.layers.iter().zip(&network.layers))
            .all(|(gradient, layer)| gradient.weights.raw_dim() == layer.weights.raw_dim());
    if !shapes_match {
        scratch.gradients = Gradients::zeros_like(network);
    }
    let mode = Mode::Apply {
        optimizer: optimizer.optimizer,
        first_step: optimizer.steps(),
    };
    let slots = &mut optimizer.slots;
    let done = run(
        Run {
            network,
            slots,
            gradients: &mut scratch.gradients,
            mode,
            objective,
            parted,
            batches,
        },
        &mut scratch.chunks,
        &mut scratch.sums,
        after_step,
    );
    optimizer.count_steps(done as u64);
}

/// Adds the gradient of `objective` over `samples` (review numbers in
/// `split`) to `gradients`, and returns the batch's loss and accuracy.
/// `step` is the step number that seeds the dropout masks; the first step
/// of a run is 0. The sums are those of [`train_step`].
pub fn accumulate_gradients(
    network: &Network,
    objective: &Objective,
    step: u64,
    split: &Split,
    samples: &[usize],
    gradients: &mut Gradients,
) -> BatchStats {
    let mut network = network.clone();
    let mut stats = BatchStats::default();
    let mut keep = |_, batch_stats| {
        stats = batch_stats;
        ControlFlow::Continue(())
    };
    let batches = Batches {
        samples,
        batch_size: samples.len().max(1),
    };
    let parted = PartedSplit::new(split, network.inputs());
    run(
        Run {
            network: &mut network,
            slots: &mut [],
            gradients,
            mode: Mode::Keep { step },
            objective,
            parted: &parted,
            batches,
        },
        &mut Vec::new(),
        &mut Default::default(),
        &mut keep,
    );
    add_penalty_gradients(&network, objective, gradients);
    stats
}

/// Adds the L2 penalty's gradient `2 l2 w` to every weight's gradient.
fn add_penalty_gradients(network: &Network, objective: &Objective, gradients: &mut Gradients) {
    if objective.l2 == 0.0 {
        return;
    }
    let decay = 2.0 * objective.l2;
    for (layer, gradient) in network.layers.iter().zip(&mut gradients.layers) {
        gradient
            .weights
            .zip_mut_with(&layer.weights, |g, &w| *g += decay * w);
    }
}

/// The use of a step's gradients.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mode {
    /// Updates the parameters with `optimizer`, whose steps so far number
    /// `first_step`.
    Apply {
        optimizer: super::optimizer::Optimizer,
        first_step: u64,
    },
    /// Keeps the gradients of one step numbered `step`.
    Keep { step: u64 },
}

impl Mode {
    /// Number of step `number` of this call in the run.
    fn step(self, number: usize) -> u64 {
        match self {
            Self::Apply { first_step, .. } => first_step + number as u64,
            Self::Keep { step } => step + number as u64,
        }
    }

    /// Returns the update of step `number`, or `None` when gradients are
    /// kept.
    pub(crate) fn update(self, number: usize, l2: f32) -> Option<Update> {
        match self {
            Self::Apply { optimizer, .. } => {
                Some(Update::new(optimizer, self.step(number) + 1, 2.0 * l2))
            }
            Self::Keep { .. } => None,
        }
    }
}

/// Everything one call trains with.
struct Run<'a> {
    network: &'a mut Network,
    slots: &'a mut [Gradients],
    /// Gradients the steps sum into, zeros on entry.
    gradients: &'a mut Gradients,
    mode: Mode,
    objective: &'a Objective,
    parted: &'a PartedSplit<'a>,
    batches: Batches<'a>,
}

/// The buffers the threads of one call share. Each buffer is written in
/// one phase and read in the next, after a barrier, so its lock is never
/// contended: the lock turns a mistake in the order of phases into a wait
/// instead of a data race.
pub(crate) struct Shared<'a> {
    pub(crate) parted: &'a PartedSplit<'a>,
    pub(crate) units: usize,
    pub(crate) batches: Batches<'a>,
    pub(crate) mode: Mode,
    pub(crate) objective: &'a Objective,
    /// Each part's row sums of the current batch, `(reviews, units)`.
    pub(crate) sums: [RwLock<Vec<f32>>; PARTS],
    /// Each part's sum of squared weights before a step, for the L2
    /// penalty, by the parity of the step's number: a part sums its weights
    /// for the next step while the leader may still read this step's sum.
    pub(crate) squares: [[Mutex<f64>; 2]; PARTS],
    pub(crate) chunks: Vec<RwLock<ChunkResult>>,
    upper: RwLock<UpperParams<'a>>,
    barrier: SpinBarrier,
    stop: AtomicBool,
}

/// Locks a buffer for reading; a lock poisoned by a panic elsewhere still
/// gives its data, since that panic ends the call anyway.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs every batch and returns the number of steps taken.
fn run(
    run: Run,
    chunks: &mut Vec<ChunkResult>,
    sums: &mut [Vec<f32>; PARTS],
    after_step: &mut dyn FnMut(usize, BatchStats) -> ControlFlow<()>,
) -> usize {
    let Run {
        network,
        slots,
        gradients,
        mode,
        objective,
        parted,
        batches,
    } = run;
    let rebuilt;
    let parted = if parted.rows.rows(1).end == network.inputs() {
        parted
    } else {
        rebuilt = PartedSplit::new(parted.split, network.inputs());
        &rebuilt
    };
    let rows = parted.rows;
    let units = network.layers.first().map_or(0, |first| first.units());
    let Some((parts, upper)) = UpperParams::split(network, slots, gradients, rows) else {
        tracing::error!(
            "the optimizer's values or the gradients do not match the network; no step taken"
        );
        return 0;
    };
    let chunk_count = batches
        .batch_size
        .min(batches.samples.len())
        .div_ceil(CHUNK_REVIEWS);
    if chunks.len() < chunk_count {
        chunks.resize_with(chunk_count, ChunkResult::default);
    }
    let threads = rayon::current_num_threads().clamp(1, PARTS);
    let shared = Shared {
        parted,
        units,
        batches,
        mode,
        objective,
        sums: sums.each_mut().map(|sum| RwLock::new(std::mem::take(sum))),
        squares: Default::default(),
        chunks: chunks.drain(..).map(RwLock::new).collect(),
        upper: RwLock::new(upper),
        barrier: SpinBarrier::new(threads),
        stop: AtomicBool::new(false),
    };

    let mut done = 0;
    let mut leader = Leader {
        after_step,
        done: &mut done,
    };
    run_threads(&shared, parts, threads, &mut leader);

    let Shared {
        sums: shared_sums,
        chunks: shared_chunks,
        ..
    } = shared;
    *sums = shared_sums.map(|sum| sum.into_inner().unwrap_or_else(|error| error.into_inner()));
    chunks.extend(shared_chunks.into_iter().map(|chunk| {
        chunk
            .into_inner()
            .unwrap_or_else(|error| error.into_inner())
    }));
    done
}

/// Runs the steps of `shared` on `threads` threads, one or two, each with
/// its part of `parts`; the calling thread leads.
fn run_threads(shared: &Shared, parts: [PartRows; PARTS], threads: usize, leader: &mut Leader) {
    if threads == 1 || shared.batches.len() == 0 {
        let mut parts = parts;
        let _ = work(shared, &mut parts, 0, 1, Some(leader));
        return;
    }
    let [first, second] = parts;
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| {
            let _guard = BreakOnPanic(&shared.barrier);
            let _ = work(shared, &mut [second], 1, 2, None);
        });
        let guard = BreakOnPanic(&shared.barrier);
        if work(shared, &mut [first], 0, 2, Some(leader)).is_err() {
            shared.barrier.break_it();
        }
        drop(guard);
        // A panic on the helper thread continues on this thread, as if the
        // work had run here.
        if let Err(payload) = helper.join() {
            std::panic::resume_unwind(payload);
        }
    });
}

/// The calling thread's duties besides its part: summing each step's
/// results, updating the later layers, and asking whether to go on.
struct Leader<'a, 'b> {
    after_step: &'a mut dyn FnMut(usize, BatchStats) -> ControlFlow<()>,
    done: &'b mut usize,
}

impl Leader<'_, '_> {
    fn finish_step(&mut self, shared: &Shared, number: usize) {
        let batch = shared.batches.get(number);
        let chunks = &shared.chunks[..batch.len().div_ceil(CHUNK_REVIEWS)];
        let mut upper = write(&shared.upper);
        let mut stats = upper.add_chunks(chunks.iter().map(read));
        if shared.objective.l2 != 0.0 {
            let squares: f64 = (shared.squares.iter())
                .map(|part| *lock(&part[number % 2]))
                .sum();
            let squares = squares + upper.squares();
            stats.add_penalty(f64::from(shared.objective.l2) * squares);
        }
        if let Some(update) = shared.mode.update(number, shared.objective.l2) {
            upper.apply(update);
        }
        drop(upper);
        *self.done = number + 1;
        if (self.after_step)(number, stats).is_break() {
            shared.stop.store(true, Ordering::Release);
        }
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the steps on one thread, `thread` of `threads`, which owns
/// `parts`.
fn work(
    shared: &Shared,
    parts: &mut [PartRows],
    thread: usize,
    threads: usize,
    mut leader: Option<&mut Leader>,
) -> Result<(), Broken> {
    let steps = shared.batches.len();
    if steps == 0 {
        return Ok(());
    }
    for part in parts.iter_mut() {
        gather_part(shared, part, 0);
    }
    for number in 0..steps {
        shared.barrier.wait()?;
        if shared.stop.load(Ordering::Acquire) {
            break;
        }
        backward_chunks(shared, number, thread, threads);
        shared.barrier.wait()?;
        if let Some(leader) = leader.as_deref_mut() {
            leader.finish_step(shared, number);
        }
        for part in parts.iter_mut() {
            scatter_part(shared, part, number);
        }
        if number + 1 < steps {
            for part in parts.iter_mut() {
                gather_part(shared, part, number + 1);
            }
        }
    }
    Ok(())
}

/// Phase 2: the forward and backward pass of this thread's chunks of step
/// `number`, chunk `thread`, `thread + threads` and so on.
fn backward_chunks(shared: &Shared, number: usize, thread: usize, threads: usize) {
    let batch = shared.batches.get(number);
    let job = StepJob {
        objective: *shared.objective,
        step: shared.mode.step(number),
        scale: 1.0 / batch.len().max(1) as f32,
    };
    let upper = read(&shared.upper);
    let [first, second] = &shared.sums;
    let (first, second) = (read(first), read(second));
    let units = shared.units;
    let chunks = batch.chunks(CHUNK_REVIEWS).enumerate();
    for (number, chunk) in chunks.skip(thread).step_by(threads.max(1)) {
        let start = number * CHUNK_REVIEWS * units;
        let end = start + chunk.len() * units;
        let (Some(first), Some(second), Some(result)) = (
            first.get(start..end),
            second.get(start..end),
            shared.chunks.get(number),
        ) else {
            continue;
        };
        super::backprop::backward_chunk(
            upper.view(),
            [first, second],
            shared.parted.split,
            chunk,
            job,
            &mut write(result),
        );
    }
}
