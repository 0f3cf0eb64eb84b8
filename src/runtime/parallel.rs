//! Keeping the thread pool awake between the many short parallel loops of a training step.
//!
//! A LeNet-5 step is about twenty short parallel loops with serial work (allocation, the small
//! dense layers, the loss) between them. Rayon's idle workers spin only briefly and then sleep;
//! on a virtual machine waking a sleeping core can cost as much as one of those loops, so every
//! loop would start with one core and a step runs barely faster on two threads than on one (the
//! book's *Performance history* has the measurements). OpenMP runtimes (which PyTorch uses) keep idle threads spinning for a
//! while by default; [`keep_warm`] does the same for one stretch of work.

use std::sync::atomic::{AtomicBool, Ordering};

/// Pause this many spin-loop hints between looks for work, so an idle worker does not hammer the
/// busy worker's queue (each look touches its cache lines).
const IDLE_SPINS: usize = 64;

/// Whether [`crate::procedures::train::train`] runs inside [`keep_warm`]. Off by default, so a program that
/// embeds the crate keeps rayon's own idle behaviour; the experiment binaries and the benches switch
/// it on (`cli::hot_loop_settings`).
static WARM_TRAINING: AtomicBool = AtomicBool::new(false);

/// Makes [`crate::procedures::train::train`] keep the pool's other workers spinning (see [`keep_warm`]) while it
/// runs, or stops doing so. Only where code runs changes, never what it computes.
pub fn set_warm_training(on: bool) {
    WARM_TRAINING.store(on, Ordering::Relaxed);
}

/// Whether [`set_warm_training`] switched warm training on.
pub fn warm_training() -> bool {
    WARM_TRAINING.load(Ordering::Relaxed)
}

/// Whether a [`keep_warm`] region is running anywhere in the process. Only one region spins at a
/// time: two regions whose owners each ran the other's spinner while waiting inside their own work
/// would wait for each other for ever.
static REGION_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Sets its flag when dropped: at the end of `work`, and also when `work` panics, so the spinners
/// leave, `rayon::scope` returns and the panic reaches the caller instead of hanging it.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Clears [`REGION_ACTIVE`] when the region ends, however it ends.
struct RegionGuard;

impl Drop for RegionGuard {
    fn drop(&mut self) {
        REGION_ACTIVE.store(false, Ordering::Release);
    }
}

// ANCHOR: keep_warm
/// Runs `work` on the current rayon pool while every other worker of the pool waits for work by
/// spinning instead of sleeping, and returns its result.
///
/// Each other worker runs a job that repeatedly asks rayon for a pending job to run
/// ([`rayon::yield_now`]) until `work` has finished, so a parallel loop inside `work` finds every
/// core already awake. Only where code runs changes, never what it computes: nnlab's parallel
/// loops fix their summation order independently of which thread does which part.
///
/// The waiting cores stay busy (like OpenMP's active wait policy); with one thread nothing spins.
/// One region spins at a time: a call nested in a region, or made while another thread's region
/// runs, simply runs `work`. A panic in `work` ends the region and propagates to the caller. From
/// outside a pool, `work` runs on a worker of the global pool.
pub fn keep_warm<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    if REGION_ACTIVE
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return work();
    }
    let _region = RegionGuard;
    let done = AtomicBool::new(false);
    rayon::scope(|scope| {
        let owner = rayon::current_thread_index();
        for _ in 1..rayon::current_num_threads() {
            let done = &done;
            scope.spawn(move |_| {
                // The owner picks this job up itself only while waiting inside `work` (or after
                // it): spinning there would wait for its own caller, so it leaves at once.
                if rayon::current_thread_index() == owner {
                    return;
                }
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        for _ in 0..IDLE_SPINS {
                            std::hint::spin_loop();
                        }
                    }
                }
            });
        }
        let _finished = SetOnDrop(&done);
        work()
    })
}
// ANCHOR_END: keep_warm

// ANCHOR: run_independent
/// Runs independent `jobs` side by side on `workers` threads and returns their results in job
/// order. Each worker takes the next job when it finishes one, and runs it on a one-thread rayon
/// pool of its own, so a job's parallel loops run one after another on its thread: the cores are
/// shared between jobs instead of inside each. For many small models (seeds of one experiment)
/// that wastes no time waking cores or waiting at the end of each short parallel loop.
///
/// A job computes the same result here as on any other pool: nothing in the crate's arithmetic
/// depends on the thread count. A panicking job panics the caller.
pub fn run_independent<T: Send, J: FnOnce() -> T + Send>(jobs: Vec<J>, workers: usize) -> Vec<T> {
    let n = jobs.len();
    let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
    let results = std::sync::Mutex::new((0..n).map(|_| None).collect::<Vec<Option<T>>>());
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, n.max(1)) {
            scope.spawn(|| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .expect("a one-thread pool");
                loop {
                    let next = queue
                        .lock()
                        .expect("no job panicked holding the queue")
                        .next();
                    let Some((i, job)) = next else { break };
                    let result = pool.install(job);
                    results.lock().expect("no job panicked holding the results")[i] = Some(result);
                }
            });
        }
    });
    let results = results.into_inner().expect("every worker finished");
    results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}
// ANCHOR_END: run_independent

/// The ways [`compare_ways`] times, in its order.
pub const WAYS: [&str; 3] = ["one thread", "inside", "side by side"];

/// Three ways to spend the cores on a batch of independent jobs, timed (see [`compare_ways`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct WaysMeasured {
    pub jobs: usize,
    pub threads: usize,
    pub rounds: usize,
    /// Median seconds of each way.
    pub one_thread: f64,
    pub inside: f64,
    pub side_by_side: f64,
    /// One thread's median over each way's.
    pub inside_speedup: f64,
    pub side_by_side_speedup: f64,
    /// Every way and round gave equal results.
    pub identical: bool,
    /// `seconds[way][round]`, the ways in [`WAYS`] order.
    pub seconds: Vec<Vec<f64>>,
}

impl WaysMeasured {
    /// One line for a log, e.g. `8 trials take 4.03 s on 1 thread, 3.71 s with 2 threads inside
    /// each (1.09x), 2.25 s side by side (1.79x); identical: true`.
    pub fn describe(&self, jobs: &str) -> String {
        format!(
            "{} {jobs} take {:.2} s on 1 thread, {:.2} s with {} threads inside each ({:.2}x), {:.2} s side by side ({:.2}x); identical: {}",
            self.jobs,
            self.one_thread,
            self.inside,
            self.threads,
            self.inside_speedup,
            self.side_by_side,
            self.side_by_side_speedup,
            self.identical
        )
    }
}

// ANCHOR: compare_ways
/// Times a batch of `jobs` independent jobs three ways on the caller's pool: on one thread, one
/// job at a time with every thread inside it, and one job per thread side by side — `rounds`
/// rounds, the ways alternating within each. `run(workers)` runs the batch side by side on
/// `workers` threads (`Some`) or one after another on the current pool (`None`) and returns its
/// results, which must come out equal every way.
pub fn compare_ways<T: PartialEq + Send>(
    jobs: usize,
    rounds: usize,
    run: &(dyn Fn(Option<usize>) -> T + Sync),
) -> WaysMeasured {
    let threads = rayon::current_num_threads();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let alone = |_| one.install(|| run(None));
    let inside = |_| run(None);
    let side = |_| run(Some(threads));
    let (seconds, results) = crate::runtime::timing::interleaved(rounds, &[&alone, &inside, &side]);
    let median =
        |s: &Vec<f64>| crate::procedures::metrics::median_and_range(s).map_or(f64::NAN, |m| m.0);
    let [one_thread, inside, side_by_side] = [0, 1, 2].map(|i| median(&seconds[i]));
    let all: Vec<&T> = results.iter().flatten().collect();
    WaysMeasured {
        jobs,
        threads,
        rounds,
        one_thread,
        inside,
        side_by_side,
        inside_speedup: one_thread / inside,
        side_by_side_speedup: one_thread / side_by_side,
        identical: all.windows(2).all(|w| w[0] == w[1]),
        seconds,
    }
}
// ANCHOR_END: compare_ways

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
    }

    #[test]
    fn parallel_work_inside_gets_both_workers_and_its_result_back() {
        let pool = pool(2);
        let (sum, threads_used) = pool.install(|| {
            keep_warm(|| {
                let sum: u64 = (0..1_000_000u64).into_par_iter().sum();
                let used = std::sync::Mutex::new(std::collections::BTreeSet::new());
                (0..64).into_par_iter().with_max_len(1).for_each(|_| {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    used.lock()
                        .expect("unpoisoned")
                        .insert(rayon::current_thread_index());
                });
                (sum, used.into_inner().expect("unpoisoned").len())
            })
        });
        assert_eq!(sum, 999_999 * 1_000_000 / 2);
        assert_eq!(threads_used, 2);
    }

    #[test]
    fn independent_jobs_run_alone_on_their_thread_and_return_in_order() {
        let jobs: Vec<_> = (0..7u64)
            .map(|j| {
                move || {
                    let sum: u64 = (0..10_000u64).into_par_iter().map(|i| i * j).sum();
                    (
                        sum,
                        rayon::current_num_threads(),
                        std::thread::current().id(),
                    )
                }
            })
            .collect();
        let results = run_independent(jobs, 2);
        let sums: Vec<u64> = results.iter().map(|r| r.0).collect();
        let want: Vec<u64> = (0..7u64).map(|j| j * 9_999 * 10_000 / 2).collect();
        assert_eq!(sums, want);
        assert!(
            results.iter().all(|r| r.1 == 1),
            "each job sees a one-thread pool"
        );
        let threads: std::collections::HashSet<_> = results.iter().map(|r| r.2).collect();
        assert!(threads.len() <= 2);
        assert!(run_independent(Vec::<fn() -> u8>::new(), 2).is_empty());
    }

    #[test]
    fn three_ways_time_the_same_results() {
        let run = |workers: Option<usize>| {
            let jobs: Vec<_> = (0..4u64)
                .map(|j| move || (0..50_000u64).map(|i| i ^ j).sum::<u64>())
                .collect();
            match workers {
                Some(w) => run_independent(jobs, w),
                None => jobs.into_iter().map(|j| j()).collect(),
            }
        };
        let m = pool(2).install(|| compare_ways(4, 2, &run));
        assert!(m.identical && m.threads == 2 && m.seconds.iter().all(|s| s.len() == 2));
        assert!(m.one_thread > 0.0 && m.side_by_side_speedup.is_finite());
    }

    #[test]
    fn nests_runs_on_one_thread_and_from_outside_a_pool() {
        let nested = pool(2).install(|| keep_warm(|| keep_warm(|| keep_warm(|| 7) + 1)));
        assert_eq!(nested, 8);
        assert_eq!(pool(1).install(|| keep_warm(|| 5)), 5);
        let outside: i64 = keep_warm(|| (1..=100i64).into_par_iter().sum());
        assert_eq!(outside, 5050);
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller_and_ends_the_region() {
        let pool = pool(2);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                keep_warm(|| {
                    let _: u64 = (0..1_000u64).into_par_iter().sum();
                    panic!("a step failed")
                })
            })
        }));
        let message = caught.unwrap_err();
        assert_eq!(message.downcast_ref::<&str>(), Some(&"a step failed"));
        // A panic on the other worker, inside a parallel loop, reaches the caller too.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                keep_warm(|| {
                    (0..64u32).into_par_iter().with_max_len(1).for_each(|i| {
                        assert!(i != 63, "item 63");
                    })
                })
            })
        }));
        assert!(caught.is_err());
        // The region was released: the pool still works, and keeps warm again.
        assert_eq!(pool.install(|| keep_warm(|| 3)), 3);
    }

    #[test]
    fn concurrent_regions_on_one_pool_finish() {
        // Four threads enter regions on the same 2-thread pool at once, each with parallel loops
        // whose waits could run the other region's spinner.
        let pool = std::sync::Arc::new(pool(2));
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let mut sum = 0;
                    for _ in 0..20 {
                        sum = pool.install(|| {
                            keep_warm(|| {
                                (0..100_000u64).into_par_iter().map(|i| i ^ t).sum::<u64>()
                            })
                        });
                    }
                    sum
                })
            })
            .collect();
        for (t, h) in handles.into_iter().enumerate() {
            let want: u64 = (0..100_000u64).map(|i| i ^ t as u64).sum();
            assert_eq!(h.join().unwrap(), want);
        }
    }

    #[test]
    fn a_serial_stretch_finishes_and_the_spinners_leave() {
        // Work with no parallel loop at all: the other worker spins for its whole length and the
        // call still returns (the spinner sees `done`).
        let pool = pool(2);
        for _ in 0..50 {
            let v = pool.install(|| keep_warm(|| (0..10_000u32).map(|i| i % 7).sum::<u32>()));
            assert_eq!(v, (0..10_000u32).map(|i| i % 7).sum::<u32>());
        }
    }
}
