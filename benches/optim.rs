//! Update-rule steps over 1M and 10M f32 parameters, at 1 and 2 threads, beside the
//! memory-bandwidth yardstick: an in-place streaming kernel `a += s * b` over arrays of the same
//! size. Throughput is in bytes moved per step, so a rule's GB/s reads directly against the
//! yardstick's.
//!
//!     cargo bench --bench optim
//!     cargo bench --bench optim -- --quick        # a rough pass in seconds

mod common;
use common::{THREADS, iter_warm, pool};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nnlab::optim::buffer::StateVec;
use nnlab::optim::{AdaGrad, Adam, Momentum, Nesterov, Optimizer, RmsProp, Sgd};
use rayon::prelude::*;
use std::hint::black_box;

const SIZES: [usize; 2] = [1_000_000, 10_000_000];
const F32: u64 = 4;

/// Parameters and gradients, in the same huge-page-backed buffers the optimizers keep their state
/// in (see `nnlab::optim::buffer`), so the yardstick and every rule stream the same kind of memory.
fn data(n: usize) -> (StateVec<f32>, StateVec<f32>) {
    let mut x = StateVec::zeros(n);
    let mut dx = StateVec::zeros(n);
    for (i, (x, dx)) in x.iter_mut().zip(dx.iter_mut()).enumerate() {
        *x = (i % 1000) as f32 * 1e-3;
        *dx = ((i * 7) % 1000) as f32 * 1e-6 - 5e-4;
    }
    (x, dx)
}

/// The yardstick: `a += s * b` in place, split by rayon's own adaptive chunking (independent of
/// the optimizers' chunking in `nnlab::optim`). Reads a and b, writes a: 3 arrays.
fn stream(a: &mut [f32], b: &[f32], s: f32) {
    a.par_iter_mut()
        .zip(b.par_iter())
        .with_min_len(1 << 15)
        .for_each(|(a, &b)| *a += s * b);
}

/// Benchmarks `step` (bytes moved per call: `arrays` f32 arrays of n) in `group` for each size
/// and thread count.
fn bench_rule(
    c: &mut Criterion,
    name: &str,
    arrays: u64,
    mut make: impl FnMut() -> Box<dyn Optimizer<f32>>,
) {
    let mut group = c.benchmark_group(format!("optim/{name}"));
    group.sample_size(20);
    for n in SIZES {
        group.throughput(Throughput::Bytes(arrays * F32 * n as u64));
        let (mut x, dx) = data(n);
        for threads in THREADS {
            let pool = pool(threads);
            let mut opt = make();
            // Touch the state once so the first timed step does not allocate it.
            opt.begin_step();
            pool.install(|| opt.update(0, &mut x, &dx));
            group.bench_with_input(
                BenchmarkId::new(format!("{threads}t"), n),
                &n,
                |bench, _| {
                    iter_warm(bench, &pool, || {
                        opt.update(0, black_box(&mut x), black_box(&dx))
                    });
                },
            );
        }
    }
    group.finish();
}

fn yardstick(c: &mut Criterion) {
    nnlab::plot::register_fonts();
    let mut group = c.benchmark_group("optim/stream_a_plus_sb");
    group.sample_size(20);
    for n in SIZES {
        group.throughput(Throughput::Bytes(3 * F32 * n as u64));
        let (mut a, b) = data(n);
        for threads in THREADS {
            let pool = pool(threads);
            group.bench_with_input(
                BenchmarkId::new(format!("{threads}t"), n),
                &n,
                |bench, _| {
                    iter_warm(bench, &pool, || {
                        stream(black_box(&mut a), black_box(&b), -1e-3)
                    });
                },
            );
        }
    }
    group.finish();
}

fn rules(c: &mut Criterion) {
    nnlab::plot::register_fonts();
    // SGD: reads x, dx; writes x.
    bench_rule(c, "sgd", 3, || Box::new(Sgd::new(1e-3).expect("valid")));
    // Momentum: reads x, v, dx; writes x, v.
    bench_rule(c, "momentum", 5, || {
        Box::new(Momentum::<f32>::new(1e-3, 0.9).expect("valid"))
    });
    // Nesterov: reads x, v, dx; writes x, v.
    bench_rule(c, "nesterov", 5, || {
        Box::new(Nesterov::<f32>::new(1e-3, 0.9).expect("valid"))
    });
    // AdaGrad: reads x, cache, dx; writes x, cache.
    bench_rule(c, "adagrad", 5, || {
        Box::new(AdaGrad::<f32>::new(1e-3).expect("valid"))
    });
    // RMSProp: reads x, cache, dx; writes x, cache.
    bench_rule(c, "rmsprop", 5, || {
        Box::new(RmsProp::<f32>::new(1e-3, 0.99).expect("valid"))
    });
    // Adam: reads x, m, v, dx; writes x, m, v.
    bench_rule(c, "adam", 7, || {
        Box::new(Adam::<f32>::new(1e-3, 0.9, 0.999).expect("valid"))
    });
}

criterion_group!(benches, yardstick, rules);
criterion_main!(benches);
