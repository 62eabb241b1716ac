//! The calling thread and its workers, sharing one state under one lock:
//! how the parallel signature ([`crate::parallel`]) and the parallel delta
//! ([`crate::parallel_delta`]) run their threads.
//!
//! Workers produce results in any order; the calling thread consumes them
//! in order. The crew keeps the bookkeeping both need: how many workers are
//! still running, whether one panicked (its result will never come), and
//! whether the calling thread has finished (the workers stop), with two
//! condition variables to wake each side.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ScopedJoinHandle;

/// A state `S` shared by the calling thread and its workers.
pub(crate) struct Crew<S> {
    state: Mutex<Crewed<S>>,
    /// Signalled when a worker has a result ready or stops (the calling
    /// thread waits on it).
    pub(crate) ready: Condvar,
    /// Signalled when the calling thread has taken results or stops
    /// (workers wait on it for room).
    pub(crate) room: Condvar,
}

/// The shared state and the crew's own bookkeeping, under the lock. It
/// dereferences to the state.
pub(crate) struct Crewed<S> {
    work: S,
    /// The calling thread is finished: workers stop.
    pub(crate) stop: bool,
    /// Workers running.
    pub(crate) workers: usize,
    /// A worker panicked (with a result that will never come).
    pub(crate) lost: bool,
}

impl<S> Deref for Crewed<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.work
    }
}

impl<S> DerefMut for Crewed<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.work
    }
}

impl<S: Send> Crew<S> {
    /// A crew with no workers yet over `work`.
    pub(crate) fn new(work: S) -> Crew<S> {
        Crew {
            state: Mutex::new(Crewed {
                work,
                stop: false,
                workers: 0,
                lost: false,
            }),
            ready: Condvar::new(),
            room: Condvar::new(),
        }
    }

    /// Locks the state (a worker that panicked leaves it usable: every
    /// change under the lock is whole).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Crewed<S>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits on `condvar` with the lock held by `guard`.
    pub(crate) fn wait<'a>(
        &self,
        condvar: &Condvar,
        guard: MutexGuard<'a, Crewed<S>>,
    ) -> MutexGuard<'a, Crewed<S>> {
        condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `worker` on up to `threads - 1` new threads (fewer if the
    /// system has no more to give) and `caller` on this one, and returns
    /// what `caller` returns once every worker has ended. When `caller`
    /// returns, or fails by a panic, the crew is marked stopped and the
    /// workers are woken, so a worker must return once it sees
    /// [`Crewed::stop`].
    pub(crate) fn run<R>(
        &self,
        threads: usize,
        worker: impl Fn() + Sync,
        caller: impl FnOnce() -> R,
    ) -> R {
        std::thread::scope(|scope| {
            let mut workers = Vec::new();
            for _ in 1..threads {
                // Counted in first: a worker counts itself out when it ends.
                self.lock().workers += 1;
                let worker = &worker;
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                    let _gone = Gone(self);
                    worker();
                });
                match spawned {
                    Ok(spawned) => workers.push(spawned),
                    Err(_) => {
                        self.lock().workers -= 1;
                        break;
                    }
                }
            }
            let stop = Stop(self);
            let result = caller();
            drop(stop);
            join_all(workers);
            result
        })
    }
}

/// Removes and returns the results in `ready` with indices `from`,
/// `from + 1`, … up to the first missing one: what the calling thread can
/// take in order.
pub(crate) fn take_in_order<T>(ready: &mut BTreeMap<u64, T>, from: u64) -> Vec<T> {
    let mut taken = Vec::new();
    while let Some(result) = ready.remove(&(from + taken.len() as u64)) {
        taken.push(result);
    }
    taken
}

/// Waits for each thread to end, thread-local destructors and all (a
/// scope only waits for their closures: a leak checker that looks right
/// after the call would see what their thread-locals hold as leaked).
fn join_all<T>(threads: Vec<ScopedJoinHandle<'_, T>>) {
    for thread in threads {
        // A worker's panic was counted when it happened.
        let _ = thread.join();
    }
}

/// Counts a worker out when it ends, even by a panic, so that the calling
/// thread does not wait for it.
struct Gone<'a, S: Send>(&'a Crew<S>);

impl<S: Send> Drop for Gone<'_, S> {
    /// Counts the worker out and wakes the calling thread.
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.workers -= 1;
        st.lost |= std::thread::panicking();
        drop(st);
        self.0.ready.notify_all();
    }
}

/// Tells the workers to stop when the calling thread is finished, even by
/// an error or a panic.
struct Stop<'a, S: Send>(&'a Crew<S>);

impl<S: Send> Drop for Stop<'_, S> {
    /// Marks the crew stopped and wakes every worker.
    fn drop(&mut self) {
        self.0.lock().stop = true;
        self.0.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_stop_when_the_caller_returns() {
        let crew = Crew::new(0u64);
        let total = crew.run(
            4,
            || {
                let mut st = crew.lock();
                while !st.stop {
                    **st += 1;
                    crew.ready.notify_all();
                    st = crew.wait(&crew.room, st);
                }
            },
            || {
                let mut st = crew.lock();
                while **st < 3 && st.workers > 0 {
                    st = crew.wait(&crew.ready, st);
                }
                **st
            },
        );
        assert!(total >= 3);
        assert_eq!(crew.lock().workers, 0);
        assert!(!crew.lock().lost);
    }

    #[test]
    fn results_are_taken_up_to_the_first_gap() {
        let mut ready: BTreeMap<u64, char> = [(3, 'd'), (4, 'e'), (6, 'g')].into();
        assert!(take_in_order(&mut ready, 2).is_empty());
        assert_eq!(take_in_order(&mut ready, 3), ['d', 'e']);
        assert_eq!(ready.len(), 1);
    }

    #[test]
    fn a_panicking_worker_is_counted_lost() {
        let crew = Crew::new(());
        crew.run(
            2,
            || panic!("worker fails"),
            || {
                let mut st = crew.lock();
                while st.workers > 0 {
                    st = crew.wait(&crew.ready, st);
                }
            },
        );
        let st = crew.lock();
        assert!(st.lost);
        assert_eq!(st.workers, 0);
    }
}
