//! A barrier for the few threads of one training step, which meet several
//! times per step, a few hundred microseconds apart.
//!
//! `std::sync::Barrier` puts a waiting thread to sleep at once, and waking
//! it costs more than the wait itself at these intervals. This barrier
//! spins for a while first, and only then sleeps, so that a thread waiting
//! for a preempted one, on a busy machine, gives it the core. A thread that
//! fails breaks the barrier, so the others return instead of waiting for it
//! forever.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// Spins before sleeping. A spin is one `pause` instruction on x86_64,
/// which takes 10 to 140 cycles by CPU model, so this is roughly 10 to
/// 100 µs.
const SPINS_BEFORE_SLEEP: u32 = 2_000;

/// The barrier was broken: a thread stopped before reaching it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Broken;

#[derive(Debug)]
pub(crate) struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    /// Counts the times every party arrived.
    generation: AtomicUsize,
    broken: AtomicBool,
    /// Threads asleep or about to sleep, which the last to arrive wakes.
    sleepers: AtomicUsize,
    /// Sleeping threads wait on `wake`, with `sleep` locked while they check
    /// the generation, so a wake-up cannot slip in between.
    sleep: Mutex<()>,
    wake: Condvar,
}

impl SpinBarrier {
    pub(crate) fn new(parties: usize) -> Self {
        Self {
            parties: parties.max(1),
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
            sleepers: AtomicUsize::new(0),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Waits until all parties have called `wait`. Everything a party wrote
    /// before its call is visible to every party after theirs.
    pub(crate) fn wait(&self) -> Result<(), Broken> {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::SeqCst);
            self.wake_sleepers();
            return self.check();
        }
        for _ in 0..SPINS_BEFORE_SLEEP {
            if self.generation.load(Ordering::Acquire) != generation {
                return self.check();
            }
            self.check()?;
            std::hint::spin_loop();
        }
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        while self.generation.load(Ordering::SeqCst) == generation && self.check().is_ok() {
            guard = self
                .wake
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(guard);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        self.check()
    }

    /// Breaks the barrier: every waiting and later `wait` returns `Broken`.
    pub(crate) fn break_it(&self) {
        self.broken.store(true, Ordering::SeqCst);
        self.wake_sleepers();
    }

    /// Wakes the sleeping threads, if any. A thread that counts itself a
    /// sleeper after this check reads the new generation or the break
    /// before it sleeps, since both sides use sequentially consistent
    /// operations.
    fn wake_sleepers(&self) {
        if self.sleepers.load(Ordering::SeqCst) == 0 {
            return;
        }
        drop(self.sleep.lock().unwrap_or_else(PoisonError::into_inner));
        self.wake.notify_all();
    }

    fn check(&self) -> Result<(), Broken> {
        if self.broken.load(Ordering::SeqCst) {
            Err(Broken)
        } else {
            Ok(())
        }
    }
}

/// Breaks its barrier when dropped during a panic, so a thread that panics
/// releases the threads waiting for it.
pub(crate) struct BreakOnPanic<'a>(pub(crate) &'a SpinBarrier);

impl Drop for BreakOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.break_it();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn no_thread_passes_before_all_arrive() {
        let barrier = SpinBarrier::new(3);
        let counter = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for round in 1..=200 {
                        counter.fetch_add(1, Ordering::Relaxed);
                        assert_eq!(barrier.wait(), Ok(()));
                        assert!(counter.load(Ordering::Relaxed) >= 3 * round);
                        assert_eq!(barrier.wait(), Ok(()));
                    }
                });
            }
        });
        assert_eq!(counter.load(Ordering::Relaxed), 600);
    }

    #[test]
    fn sleeping_thread_wakes_each_round() {
        let barrier = SpinBarrier::new(2);
        let rounds = AtomicU64::new(0);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for _ in 0..20 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    rounds.fetch_add(1, Ordering::Relaxed);
                    assert_eq!(barrier.wait(), Ok(()));
                }
            });
            for round in 1..=20 {
                assert_eq!(barrier.wait(), Ok(()));
                assert!(rounds.load(Ordering::Relaxed) >= round);
            }
        });
    }

    #[test]
    fn broken_barrier_releases_waiter() {
        let barrier = SpinBarrier::new(2);
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| barrier.wait());
            std::thread::sleep(std::time::Duration::from_millis(20));
            barrier.break_it();
            assert_eq!(waiting.join().ok(), Some(Err(Broken)));
        });
        assert_eq!(barrier.wait(), Err(Broken));
    }

    #[test]
    fn barrier_breaks_on_panic() {
        let barrier = SpinBarrier::new(2);
        std::thread::scope(|scope| {
            let failing = scope.spawn(|| {
                let _guard = BreakOnPanic(&barrier);
                let values: Vec<u32> = Vec::new();
                std::hint::black_box(&values)[1]
            });
            assert_eq!(barrier.wait(), Err(Broken));
            assert!(failing.join().is_err());
        });
    }

    #[test]
    fn one_party_never_waits() {
        let barrier = SpinBarrier::new(1);
        assert_eq!(barrier.wait(), Ok(()));
        assert_eq!(barrier.wait(), Ok(()));
    }
}
