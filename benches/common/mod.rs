//! Shared by the benchmarks.

/// Thread counts every benchmark is measured at.
pub const THREADS: [usize; 2] = [1, 2];

/// A rayon pool of `threads` threads; each case runs inside `pool.install`.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}
