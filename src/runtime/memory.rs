//! Process-wide memory settings for the hot loops.

/// Keep freed heap memory for reuse instead of handing it back to the operating system.
///
/// A training step allocates and frees the same few megabyte-sized activations every iteration.
/// glibc's defaults serve blocks that large with fresh `mmap`s (or trim them off the heap top) and
/// return them on `free`, so every step pays the page faults of touching new memory again (a
/// sixth of LeNet-5's step when measured; the book's *Performance history* has the numbers; and
/// most of dropout's pass over 10M units, whose two 40 MB outputs are new every call). With these
/// settings every block comes from the heap (`mmap` is not used for single blocks: raising the
/// mmap threshold instead would stop at glibc's ceiling of 32 MiB, below a 40 MB block), and up
/// to 128 MiB of free heap top is kept. Results do not change, only where memory comes from.
/// Idempotent; a no-op outside glibc.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters; it is safe to call at any time.
            unsafe {
                libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
                libc::mallopt(libc::M_MMAP_MAX, 0);
            }
        });
    }
}
