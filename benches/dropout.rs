//! Dropout's training pass (forward with a fresh mask, then backward) over 1M and 10M f32
//! activations at 1 and 2 threads, beside the bandwidth yardstick (two scaled copies: the same
//! bytes with no mask) and the mask generator alone (drawing the keep decisions of n units, twice
//! per pass: forward and backward each redraw the mask). Throughput is in bytes moved, so the pass
//! reads directly against the yardstick. PyTorch's `F.dropout` is timed against the same pass in
//! one process by `benches/peer_ab/peer_ab.py --op dropout`.
//!
//!     cargo bench --bench dropout
//!     cargo bench --bench dropout -- --quick        # a rough pass in seconds

mod common;
#[path = "common/dropout_pass.rs"]
mod dropout_pass;
use common::{THREADS, iter_warm, pool};
use dropout_pass::{BYTES_PER_UNIT, data, layer, pass, yardstick};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const SIZES: [usize; 2] = [1_000_000, 10_000_000];

fn dropout(c: &mut Criterion) {
    nnlab::plot::register_fonts();
    let mut group = c.benchmark_group("dropout");
    group.sample_size(20);
    for n in SIZES {
        let (x, dout) = data(n);
        for threads in THREADS {
            let pool = pool(threads);
            let id = |what: &str| BenchmarkId::new(format!("{what}/{threads}t"), n);
            group.throughput(Throughput::Bytes(BYTES_PER_UNIT * n as u64));
            let mut layer = layer();
            group.bench_function(id("forward_backward"), |bench| {
                iter_warm(bench, &pool, || {
                    pass(&mut layer, black_box(&x), black_box(&dout))
                });
            });
            group.bench_function(id("yardstick"), |bench| {
                iter_warm(bench, &pool, || yardstick(black_box(&x), black_box(&dout)));
            });
            // Elements, not bytes: the generator reads and writes no memory.
            group.throughput(Throughput::Elements(n as u64));
            let layer = dropout_pass::layer();
            let mut step = 0;
            group.bench_function(id("mask"), |bench| {
                iter_warm(bench, &pool, || {
                    step += 1;
                    layer.count_kept(black_box(step), n)
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, dropout);
criterion_main!(benches);
