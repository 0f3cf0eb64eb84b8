//! The 1024³ `f32` GEMM that `benches/conv.rs` and `bench_report` take as the machine's practical
//! peak: the same operands and the same call in both.

use faer::{Accum, Mat, Par};

/// Operands `a`, `b` (`n x n`, small repeating values) and the output `out`.
pub fn operands(n: usize) -> (Mat<f32>, Mat<f32>, Mat<f32>) {
    let a = Mat::<f32>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    let b = Mat::<f32>::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f32 * 0.1);
    (a, b, Mat::<f32>::zeros(n, n))
}

/// faer's parallelism for `threads` threads.
pub fn par(threads: usize) -> Par {
    if threads == 1 {
        Par::Seq
    } else {
        Par::rayon(threads)
    }
}

/// `out = a · b`.
pub fn multiply(out: &mut Mat<f32>, a: &Mat<f32>, b: &Mat<f32>, par: Par) {
    faer::linalg::matmul::matmul(
        out.as_mut(),
        Accum::Replace,
        a.as_ref(),
        b.as_ref(),
        1.0,
        par,
    )
}
