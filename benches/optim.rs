//! Update-rule steps over 1M and 10M f32 parameters, at 1 and 2 threads, beside the
//! memory-bandwidth yardstick: an in-place streaming kernel `a += s * b` over arrays of the same
//! size. Throughput is in bytes moved per step, so a rule's GB/s reads directly against the
//! yardstick's.
//!
//!     cargo bench --bench optim
//!     cargo bench --bench optim -- --quick        # a rough pass in seconds

mod common;
#[path = "common/optim_steps.rs"]
mod optim_steps;
use common::{THREADS, iter_warm, pool};
use optim_steps::{RULES, data, rule, stream};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const SIZES: [usize; 2] = [1_000_000, 10_000_000];
const F32: u64 = 4;

/// Benchmarks the step of the rule `name` (bytes moved per call: `arrays` f32 arrays of n) for
/// each size and thread count.
fn bench_rule(c: &mut Criterion, name: &str, arrays: u64) {
    let mut group = c.benchmark_group(format!("optim/{name}"));
    group.sample_size(20);
    for n in SIZES {
        group.throughput(Throughput::Bytes(arrays * F32 * n as u64));
        let (mut x, dx) = data(n);
        for threads in THREADS {
            let pool = pool(threads);
            let mut opt = rule(name).expect("a rule of RULES");
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
    nnlab::report::plot::register_fonts();
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
    nnlab::report::plot::register_fonts();
    for (name, arrays) in RULES {
        bench_rule(c, name, arrays);
    }
}

criterion_group!(benches, yardstick, rules);
criterion_main!(benches);
