//! The run-time dispatched kernels on every backend this CPU can run — each of its tiers, and the
//! AVX-512 tier's 16-lane body emulated on plain instructions — through the public layers: every
//! convolution path equals the naive definition in `f64` to 1e-10 on the conv tests' 40 shapes,
//! and a fingerprint of `f32` computations (a LeNet-5 training step, every update rule over 300k
//! parameters with its parallel chunks, inverted dropout, both batch norms, the conv paths on
//! LeNet's layers) has the same bits on every backend.
//!
//! One test: the backend is a process-wide setting, so the backends run one after the other.

use ndarray::{Array1, Array2};
use nnlab::nn::layers::conv::{ConvAlgo, ConvParams};
use nnlab::nn::layers::{BatchNorm, Dropout, DropoutKind, Layer, Mode};
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::optim::{Optimizer, Rule, step_all};
use nnlab::rng::{randn, randn_array, seeded};
use nnlab::runtime::simd::Backend;
use nnlab::runtime::tier::Tier;

mod common {
    pub mod conv_shapes;
}
use common::conv_shapes::{max_abs_diff, random4, shapes};

/// Every stride-1 fast path (and im2col at any stride) against the naive definition, in `f64`.
fn conv_paths_match_the_definition(backend: Backend) -> usize {
    let mut checked = 0;
    for (k, (xs, ws, stride, pad)) in shapes().into_iter().enumerate() {
        let p = ConvParams { stride, pad };
        let (x, w) = (random4(xs, 10 + k as u64), random4(ws, 20 + k as u64));
        let b = Array1::from_shape_fn(ws.0, |f| 0.1 * f as f64 - 0.2);
        let naive = ConvAlgo::Naive.forward(x.view(), w.view(), b.view(), p);
        let dout = random4(naive.dim(), 30 + k as u64);
        let want = ConvAlgo::Naive.backward(dout.view(), x.view(), w.view(), p);
        for algo in ConvAlgo::ALL.into_iter().skip(1).filter(|a| a.supports(p)) {
            let case = format!("{backend:?} {} {xs:?} {ws:?} s{stride} p{pad}", algo.name());
            let out = algo.forward(x.view(), w.view(), b.view(), p);
            let got = algo.backward(dout.view(), x.view(), w.view(), p);
            for (name, a, b) in [
                ("out", naive.as_slice(), out.as_slice()),
                ("dx", want.0.as_slice(), got.0.as_slice()),
                ("dw", want.1.as_slice(), got.1.as_slice()),
                ("db", want.2.as_slice(), got.2.as_slice()),
            ] {
                let err = max_abs_diff(a.unwrap(), b.unwrap());
                assert!(err < 1e-10, "{name} {case}: {err:e}");
            }
            checked += 1;
        }
    }
    checked
}

/// The bits of `f32` values.
fn bits<'a>(v: impl IntoIterator<Item = &'a f32>) -> Vec<u32> {
    v.into_iter().map(|v| v.to_bits()).collect()
}

/// `f32` results of every dispatched kernel, by name, as bit patterns.
type Fingerprint = Vec<(String, Vec<u32>)>;

fn fingerprint() -> Fingerprint {
    let mut out = Vec::new();
    // LeNet-5: a loss, then the parameters after two Adam steps (C1 on wide rows, C3 interleaved).
    let mut rng = seeded(6);
    let x = Array2::from_shape_fn((16, 784), |_| randn(&mut rng) as f32);
    let y: Vec<usize> = (0..16).map(|i| i % 10).collect();
    let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut seeded(7));
    let mut opt = Rule::Adam.build::<f32>(1e-3).expect("valid");
    let mut losses = Vec::new();
    for _ in 0..2 {
        losses.push(net.loss_and_grad(x.view(), &y));
        step_all(opt.as_mut(), net.params());
    }
    out.push(("lenet5 losses".into(), bits(&losses)));
    let params: Vec<f32> = net.params().iter().flat_map(|p| p.value.to_vec()).collect();
    out.push(("lenet5 parameters".into(), bits(&params)));
    // Every rule, three steps over 300k parameters (parallel chunks on two threads or more).
    for rule in Rule::ALL {
        let mut opt: Box<dyn Optimizer<f32>> = rule.build(1e-2).expect("valid");
        let mut w: Vec<f32> = (0..300_000).map(|i| (i % 1000) as f32 * 1e-3).collect();
        for step in 0..3 {
            let dw: Vec<f32> = (0..w.len())
                .map(|i| ((i * 7 + step) % 1000) as f32 * 1e-3 - 0.5)
                .collect();
            opt.begin_step();
            opt.update(0, &mut w, &dw);
        }
        out.push((format!("{} step", rule.name()), bits(&w)));
    }
    // Inverted dropout, forward and backward over 100k units.
    let mut drop = Dropout::<f32>::new(0.7, DropoutKind::Inverted, 3).expect("valid");
    let a = randn_array::<f32, _>(100, 1000, &mut seeded(8));
    let fwd = drop.forward(a.view(), Mode::Train);
    let bwd = drop.backward(a.view());
    out.push(("dropout".into(), bits(fwd.iter().chain(&bwd))));
    // Batch norm, per feature and per channel, forward and backward.
    for (name, mut layer, cols) in [
        ("batchnorm dense", BatchNorm::new(300), 300),
        (
            "batchnorm spatial",
            BatchNorm::spatial(6, 28, 28),
            6 * 28 * 28,
        ),
    ] {
        let x = randn_array::<f32, _>(32, cols, &mut seeded(9));
        let fwd = layer.forward(x.view(), Mode::Train);
        let bwd = layer.backward(x.view());
        out.push((name.into(), bits(fwd.iter().chain(&bwd))));
    }
    // Every conv path on LeNet's C1 and C3 shapes, batch 9 (one interleaved group and one image).
    for (xs, ws, pad) in [
        ((9, 1, 28, 28), (6, 1, 5, 5), 2),
        ((9, 6, 14, 14), (16, 6, 5, 5), 0),
    ] {
        let p = ConvParams { stride: 1, pad };
        let (x, w) = (
            random4(xs, 1).mapv(|v| v as f32),
            random4(ws, 2).mapv(|v| v as f32),
        );
        let b = Array1::from_elem(ws.0, 0.25f32);
        for algo in ConvAlgo::ALL {
            let o = algo.forward(x.view(), w.view(), b.view(), p);
            let (dx, dw, db) = algo.backward(o.view(), x.view(), w.view(), p);
            let all = o.iter().chain(&dx).chain(&dw).chain(&db);
            out.push((format!("conv {} {xs:?}", algo.name()), bits(all)));
        }
    }
    out
}

#[test]
fn every_backend_equals_the_definition_and_gives_the_same_bits() {
    let backends = Backend::all_here();
    assert!(backends.contains(&Backend::Emulated512));
    let mut first: Option<(Backend, Fingerprint)> = None;
    for &backend in &backends {
        backend.force().expect("a backend of this CPU");
        assert_eq!(Backend::current(), backend);
        let checked = conv_paths_match_the_definition(backend);
        assert!(
            checked >= 60,
            "{backend:?}: only {checked} path-shape pairs"
        );
        let print = fingerprint();
        match &first {
            None => first = Some((backend, print)),
            Some((base, want)) => {
                for ((name, w), (_, g)) in want.iter().zip(&print) {
                    assert!(w == g, "{name}: {backend:?} differs from {base:?}");
                }
            }
        }
    }
    Backend::Native(Tier::detected())
        .force()
        .expect("the detected tier");
    eprintln!("backends compared: {backends:?}");
}
