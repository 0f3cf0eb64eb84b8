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

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use nnlab::nn::layers::{BatchNorm, Layer, Mode};
use nnlab::rng::{randn_array, seeded};
use std::hint::black_box;

/// A shape: its name, the rows and their length, and the layer.
struct Case {
    name: &'static str,
    rows: usize,
    cols: usize,
    layer: fn() -> BatchNorm<f32>,
}

/// Rows of D features, or of flattened (C, H, W) images.
const CASES: [Case; 2] = [
    Case {
        name: "dense_128x1024",
        rows: 128,
        cols: 1024,
        layer: || BatchNorm::new(1024),
    },
    Case {
        name: "spatial_128x6x28x28",
        rows: 128,
        cols: 6 * 28 * 28,
        layer: || BatchNorm::spatial(6, 28, 28),
    },
];

fn batchnorm(c: &mut Criterion) {
    nnlab::report::plot::register_fonts();
    let mut group = c.benchmark_group("batchnorm");
    group.sample_size(30);
    // The layer's arithmetic is serial: the first thread count only.
    let pool = pool(THREADS[0]);
    for Case {
        name,
        rows: n,
        cols: d,
        layer: make,
    } in CASES
    {
        let mut rng = seeded(1);
        let x: Array2<f32> = randn_array(n, d, &mut rng);
        let dout: Array2<f32> = randn_array(n, d, &mut rng);
        group.throughput(Throughput::Elements((n * d) as u64));
        for (form, staged) in [("closed_form", false), ("staged", true)] {
            let mut layer = make();
            layer.staged = staged;
            group.bench_function(BenchmarkId::new(form, name), |bench| {
                iter_warm(bench, &pool, || {
                    let y = layer.forward(black_box(x.view()), Mode::Train);
                    (y, layer.backward(black_box(dout.view())))
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, batchnorm);
criterion_main!(benches);
