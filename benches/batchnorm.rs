//! Batch normalization's training pass (forward with the batch's statistics, then backward) with
//! the staged backward pass (one node of the computational graph at a time, as students derive
//! it) against the closed form (one expression for dx), in f32, on a fully connected layer's
//! outputs (N = 128, D = 1024) and per channel on LeNet-5's first convolution's outputs
//! (N = 128, C = 6, 28×28). Dense, the forward pass is the same in both, so the difference is the
//! backward's; per channel, `staged` runs the slide form (transposed to (N·H·W, C) and back) and
//! `closed_form` the layer's fast path on the rows as they are. The layer's arithmetic is serial:
//! one thread.
//!
//!     cargo bench --bench batchnorm
//!     cargo bench --bench batchnorm -- --quick        # a rough pass in seconds

mod common;
use common::{THREADS, iter_warm, pool};
#[path = "common/batchnorm_pass.rs"]
mod batchnorm_pass;
use batchnorm_pass::{CASES, data, layer, pass};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn batchnorm(c: &mut Criterion) {
    nnlab::report::plot::register_fonts();
    let mut group = c.benchmark_group("batchnorm");
    group.sample_size(30);
    // The layer's arithmetic is serial: the first thread count only.
    let pool = pool(THREADS[0]);
    for case in &CASES {
        let (x, dout) = data(case);
        group.throughput(Throughput::Elements((case.rows * case.cols) as u64));
        for (form, staged) in [("closed_form", false), ("staged", true)] {
            let mut layer = layer(case, staged);
            group.bench_function(BenchmarkId::new(form, case.name), |bench| {
                iter_warm(bench, &pool, || pass(&mut layer, black_box(&x), &dout));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, batchnorm);
criterion_main!(benches);
