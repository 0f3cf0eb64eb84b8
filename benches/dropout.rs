//! Dropout's training pass (forward with a fresh mask, then backward) over 1M and 10M f32
//! activations at 1 and 2 threads, beside the same passes with every unit kept (`keep_all`: the
//! layer's code and memory traffic without drawing a mask, so the difference is the mask
//! generator's share — forward and backward each draw the mask) and the bandwidth yardstick (two
//! scaled copies into new arrays: the same bytes, rayon's own chunking). Throughput is in bytes
//! moved, so each reads directly against the yardstick. PyTorch's `F.dropout` is timed against the
//! same pass in one process by `benches/peer_ab/peer_ab.py --rules dropout_yardstick,dropout`.
//!
//!     cargo bench --bench dropout
//!     cargo bench --bench dropout -- --quick        # a rough pass in seconds

mod common;
#[path = "common/dropout_pass.rs"]
mod dropout_pass;
use common::{THREADS, iter_warm, pool};
use dropout_pass::{BYTES_PER_UNIT, KEEP, data, layer, pass, yardstick};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const SIZES: [usize; 2] = [1_000_000, 10_000_000];

fn dropout(c: &mut Criterion) {
    nnlab::report::plot::register_fonts();
    let mut group = c.benchmark_group("dropout");
    group.sample_size(20);
    for n in SIZES {
        let (x, dout) = data(n);
        for threads in THREADS {
            let pool = pool(threads);
            let id = |what: &str| BenchmarkId::new(format!("{what}/{threads}t"), n);
            group.throughput(Throughput::Bytes(BYTES_PER_UNIT * n as u64));
            for (name, keep) in [("forward_backward", KEEP), ("keep_all", 1.0)] {
                let mut layer = layer(keep);
                group.bench_function(id(name), |bench| {
                    iter_warm(bench, &pool, || {
                        pass(&mut layer, black_box(&x), black_box(&dout))
                    });
                });
            }
            group.bench_function(id("yardstick"), |bench| {
                iter_warm(bench, &pool, || yardstick(black_box(&x), black_box(&dout)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, dropout);
criterion_main!(benches);
