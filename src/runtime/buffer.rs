//! Zero-initialized vectors for optimizer state, backed by transparent huge pages when large.
//!
//! An update rule streams every byte of its state once per step. With 4 KB pages a 40 MB state
//! vector spans 10,000 pages, and the page-table walks show up in the bandwidth of a streaming
//! kernel; 2 MB-aligned memory advised with `madvise(MADV_HUGEPAGE)` avoids them (where the
//! kernel's THP mode is `madvise`, memory is huge-page backed only when asked; the book's
//! *Performance history* has the measurements). Each large buffer starts a
//! few cache lines further into its first huge page than the one before (see `SKEW_BYTES`).
//! Small vectors use the ordinary allocator, and so do large ones unless a program asks for huge
//! pages with [`set_huge_pages`] (the experiment binaries and benches do): the library does not
//! change how an embedding program's memory is laid out.

use crate::Float;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether large buffers get huge pages (see [`set_huge_pages`]).
static HUGE_PAGES: AtomicBool = AtomicBool::new(false);

/// Gives state vectors of at least 4 MB their own 2 MB-aligned, huge-page-advised allocation from
/// now on (`true`), or the ordinary allocator (`false`, the default). Values are the same either
/// way; only the speed of streaming them changes.
pub fn set_huge_pages(on: bool) {
    HUGE_PAGES.store(on, Ordering::Relaxed);
}

/// Buffers at least this large (in bytes) get their own 2 MB-aligned allocation, advised to use
/// huge pages.
const HUGE_MIN_BYTES: usize = 4 << 20;
#[cfg(unix)]
const HUGE_ALIGN: usize = 2 << 20;
/// Successive large buffers start this many bytes apart within their first huge page (cycling
/// through `SKEWS` offsets), so the arrays a rule streams side by side do not all sit at the same
/// offset of their 2 MB pages: with every buffer exactly 2 MB-aligned, some processes ran Adam's
/// step at twice its time (the book's *Performance history* has the runs, and why five cache
/// lines rather than 4 KB + 64 B).
#[cfg(unix)]
const SKEW_BYTES: usize = 5 * 64;
#[cfg(unix)]
const SKEWS: usize = 16;

/// Advises the kernel to back the whole 2 MB pages inside `fresh` with huge pages, when huge pages
/// are on ([`set_huge_pages`]) and `fresh` is at least 4 MB: for an output array just allocated
/// and not yet touched, whose new pages then fault once per 2 MB rather than once per 4 KB. Advice
/// only: values are the same either way, and where the advice is refused or unsupported the memory
/// works with ordinary pages.
pub fn advise_huge<T>(fresh: &mut [std::mem::MaybeUninit<T>]) {
    let bytes = std::mem::size_of_val(fresh);
    if bytes < HUGE_MIN_BYTES || !HUGE_PAGES.load(Ordering::Relaxed) {
        return;
    }
    #[cfg(unix)]
    {
        let start = fresh.as_mut_ptr() as usize;
        let first = start.next_multiple_of(HUGE_ALIGN);
        let last = (start + bytes) / HUGE_ALIGN * HUGE_ALIGN;
        if first < last {
            // SAFETY: first..last lies inside `fresh`, which this call borrows exclusively.
            unsafe { madvise_huge(first as *mut libc::c_void, last - first) };
        }
    }
}

/// `madvise(MADV_HUGEPAGE)` on Linux (a no-op elsewhere). Advice only: if the kernel refuses, the
/// memory works with ordinary pages.
///
/// # Safety
/// `addr..addr + len` must be memory the caller owns; the advice changes how its pages are backed,
/// never their contents.
#[cfg(unix)]
unsafe fn madvise_huge(addr: *mut libc::c_void, len: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: the caller's contract.
    unsafe {
        libc::madvise(addr, len, libc::MADV_HUGEPAGE);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (addr, len);
}

/// A fixed-length, zero-initialized vector of `F`.
pub struct StateVec<F: Float> {
    ptr: NonNull<F>,
    len: usize,
    /// `Some(skew)` when allocated with `posix_memalign` (freed with `free`) rather than as a
    /// `Box<[F]>`: the data starts `skew` bytes into that allocation.
    huge: Option<usize>,
}

// SAFETY: a StateVec owns its buffer exclusively, like a Vec<F>; F is Send + Sync.
unsafe impl<F: Float> Send for StateVec<F> {}
unsafe impl<F: Float> Sync for StateVec<F> {}

impl<F: Float> StateVec<F> {
    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        let bytes = len * std::mem::size_of::<F>();
        if bytes >= HUGE_MIN_BYTES
            && HUGE_PAGES.load(Ordering::Relaxed)
            && let Some((ptr, skew)) = Self::alloc_huge(bytes)
        {
            // SAFETY: ptr is a fresh allocation of `bytes` bytes, aligned for F.
            unsafe { std::ptr::write_bytes(ptr.as_ptr(), 0, len) };
            return StateVec {
                ptr,
                len,
                huge: Some(skew),
            };
        }
        let boxed: Box<[F]> = vec![F::zero(); len].into_boxed_slice();
        // A boxed slice's length is its allocation's: Drop rebuilds it from `ptr` and `len`.
        let ptr =
            NonNull::new(Box::into_raw(boxed).cast::<F>()).expect("Box pointers are non-null");
        StateVec {
            ptr,
            len,
            huge: None,
        }
    }

    /// Elsewhere than Unix (the book's playground in WebAssembly) there is no `posix_memalign`:
    /// every buffer is an ordinary allocation.
    #[cfg(not(unix))]
    fn alloc_huge(_bytes: usize) -> Option<(NonNull<F>, usize)> {
        None
    }

    #[cfg(unix)]
    fn alloc_huge(bytes: usize) -> Option<(NonNull<F>, usize)> {
        use std::sync::atomic::AtomicUsize;
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let skew = COUNT.fetch_add(1, Ordering::Relaxed) % SKEWS * SKEW_BYTES;
        let mut raw: *mut libc::c_void = std::ptr::null_mut();
        // SAFETY: posix_memalign writes a pointer to `skew + bytes` bytes aligned to HUGE_ALIGN, or
        // fails.
        if unsafe { libc::posix_memalign(&mut raw, HUGE_ALIGN, skew + bytes) } != 0 {
            return None;
        }
        // SAFETY: raw..raw+skew+bytes is the allocation just made.
        unsafe { madvise_huge(raw, skew + bytes) };
        // SAFETY: skew < skew + bytes, inside the allocation.
        let data = unsafe { raw.cast::<u8>().add(skew) };
        NonNull::new(data.cast::<F>()).map(|p| (p, skew))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the buffer was advised to use huge pages.
    pub fn is_huge(&self) -> bool {
        self.huge.is_some()
    }
}

impl<F: Float> Drop for StateVec<F> {
    fn drop(&mut self) {
        if let Some(skew) = self.huge {
            // SAFETY: allocated by posix_memalign in alloc_huge `skew` bytes before ptr, freed once.
            #[cfg(unix)]
            unsafe {
                libc::free(self.ptr.as_ptr().cast::<u8>().sub(skew).cast())
            };
            #[cfg(not(unix))]
            unreachable!("alloc_huge allocates only on Unix ({skew})");
        } else {
            // SAFETY: rebuilt from the parts of the Box<[F]> made in `zeros`, dropped once.
            unsafe {
                drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                    self.ptr.as_ptr(),
                    self.len,
                )))
            };
        }
    }
}

impl<F: Float> std::ops::Deref for StateVec<F> {
    type Target = [F];
    fn deref(&self) -> &[F] {
        // SAFETY: ptr points to len initialized values owned by self.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<F: Float> std::ops::DerefMut for StateVec<F> {
    fn deref_mut(&mut self) -> &mut [F] {
        // SAFETY: as in deref, and &mut self guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<F: Float> Clone for StateVec<F> {
    fn clone(&self) -> Self {
        let mut c = StateVec::zeros(self.len);
        c.copy_from_slice(self);
        c
    }
}

impl<F: Float> std::fmt::Debug for StateVec<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "StateVec(len {}, huge pages {})",
            self.len,
            self.is_huge()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_buffers_are_zeroed_writable_and_cloneable() {
        set_huge_pages(true);
        for len in [0usize, 1, 1000, 3 << 20] {
            let mut v = StateVec::<f32>::zeros(len);
            assert_eq!(v.len(), len);
            assert_eq!(v.is_huge(), len * 4 >= HUGE_MIN_BYTES);
            assert!(v.iter().all(|&x| x == 0.0));
            if len > 0 {
                v[len - 1] = 2.5;
                let c = v.clone();
                assert_eq!(c[len - 1], 2.5);
                assert_eq!(c.len(), len);
            }
            if v.is_huge() {
                assert_eq!(v.as_ptr() as usize % 64, 0);
            }
        }
    }
}
