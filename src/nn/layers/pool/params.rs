//! Which pooling, its window and stride, and the output size they give.

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

/// Window size and stride (LeNet: 2 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    pub size: usize,
    pub stride: usize,
}

pub(super) fn out_dims(h: usize, w: usize, p: PoolParams) -> (usize, usize) {
    assert!(
        p.size >= 1 && p.stride >= 1,
        "pool size and stride must be at least 1"
    );
    assert!(
        p.size <= h
            && p.size <= w
            && (h - p.size).is_multiple_of(p.stride)
            && (w - p.size).is_multiple_of(p.stride),
        "a {0}x{0} window with stride {1} does not tile {h}x{w}",
        p.size,
        p.stride
    );
    (1 + (h - p.size) / p.stride, 1 + (w - p.size) / p.stride)
}
