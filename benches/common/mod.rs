//! Shared by the benchmarks.

/// Thread counts every benchmark is measured at.
pub const THREADS: [usize; 2] = [1, 2];

/// A rayon pool of `threads` threads; each case runs inside `pool.install`.
/// Also applies the experiments' process settings ([`nnlab::report::cli::hot_loop_settings`]: allocator,
/// warm training, huge pages), so the benchmarks time what the experiments run.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    nnlab::report::cli::hot_loop_settings();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Times `work` with criterion inside `pool`, its other workers kept awake
/// ([`nnlab::runtime::parallel::keep_warm`]) as in the training loop. The timed loop itself runs on a
/// worker, so no iteration pays for handing the work to the pool and waking the caller afterwards.
pub fn iter_warm<R>(
    bencher: &mut criterion::Bencher,
    pool: &rayon::ThreadPool,
    mut work: impl FnMut() -> R + Send,
) {
    pool.install(|| nnlab::runtime::parallel::keep_warm(|| bencher.iter(&mut work)));
}
