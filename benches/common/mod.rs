//! Shared by the benchmarks.

/// Thread counts every benchmark is measured at.
pub const THREADS: [usize; 2] = [1, 2];

/// A rayon pool of `threads` threads; each case runs inside `pool.install`.
/// Also applies the experiments' allocator setting ([`nnlab::memory::keep_freed_memory`]), so the
/// benchmarks time what the experiments run.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    nnlab::memory::keep_freed_memory();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}
