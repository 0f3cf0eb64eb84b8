//! Convolution and pooling: the im2col path against the naive definition on awkward shapes (f64,
//! 1e-10), gradient checks of every path, and thread-count independence.

use ndarray::{Array1, Array4, ArrayView4};
use nnlab::gradcheck::{max_rel_error, numerical_gradient};
use nnlab::layers::conv::{
    ConvParams, conv_backward_im2col, conv_backward_naive, conv_forward_im2col, conv_forward_naive,
    out_size,
};
use nnlab::layers::pool::{PoolKind, PoolParams, pool_backward, pool_forward};
use nnlab::rng::{randn, seeded};

fn random4(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f64> {
    let mut rng = seeded(seed);
    Array4::from_shape_fn(shape, |_| randn(&mut rng))
}

type Shape4 = (usize, usize, usize, usize);
type ConvForward =
    fn(ArrayView4<f64>, ArrayView4<f64>, ndarray::ArrayView1<f64>, ConvParams) -> Array4<f64>;
type ConvGrads = (Array4<f64>, Array4<f64>, Array1<f64>);
type ConvBackward = fn(ArrayView4<f64>, ArrayView4<f64>, ArrayView4<f64>, ConvParams) -> ConvGrads;

/// (x shape, w shape, stride, pad): odd sizes, stride 2, padding, one channel, batch 1.
fn shapes() -> Vec<(Shape4, Shape4, usize, usize)> {
    vec![
        ((2, 3, 7, 7), (4, 3, 3, 3), 1, 1),
        ((1, 1, 9, 7), (2, 1, 3, 3), 2, 0),
        ((3, 2, 8, 6), (5, 2, 2, 2), 2, 0),
        ((2, 1, 32, 32), (6, 1, 5, 5), 1, 0),  // LeNet C1
        ((1, 6, 14, 14), (16, 6, 5, 5), 1, 0), // LeNet C3
        ((2, 3, 5, 9), (3, 3, 3, 5), 2, 2),
        ((1, 2, 4, 4), (1, 2, 4, 4), 1, 0),
    ]
}

#[test]
fn im2col_matches_the_definition_forward_and_backward() {
    for (k, (xs, ws, stride, pad)) in shapes().into_iter().enumerate() {
        let p = ConvParams { stride, pad };
        let x = random4(xs, 10 + k as u64);
        let w = random4(ws, 20 + k as u64);
        let b = Array1::from_shape_fn(ws.0, |f| 0.1 * f as f64 - 0.2);
        let naive = conv_forward_naive(x.view(), w.view(), b.view(), p);
        let fast = conv_forward_im2col(x.view(), w.view(), b.view(), p);
        assert_eq!(naive.dim(), fast.dim());
        let err = naive
            .iter()
            .zip(fast.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            err < 1e-10,
            "forward {xs:?} {ws:?} s{stride} p{pad}: {err:e}"
        );
        let dout = random4(naive.dim(), 30 + k as u64);
        let (dx0, dw0, db0) = conv_backward_naive(dout.view(), x.view(), w.view(), p);
        let (dx1, dw1, db1) = conv_backward_im2col(dout.view(), x.view(), w.view(), p);
        for (name, a, b) in [
            ("dx", dx0.as_slice().unwrap(), dx1.as_slice().unwrap()),
            ("dw", dw0.as_slice().unwrap(), dw1.as_slice().unwrap()),
        ] {
            let err = a
                .iter()
                .zip(b)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-10, "{name} {xs:?} {ws:?}: {err:e}");
        }
        assert!(
            db0.iter()
                .zip(db1.iter())
                .all(|(a, b)| (a - b).abs() < 1e-10)
        );
    }
}

/// `L = Σ out ⊙ dout`, so `∂L/∂(x, w, b)` is the backward pass of `dout`.
fn check_conv_gradients(forward: ConvForward, backward: ConvBackward) {
    let (xs, ws, p) = ((2, 2, 6, 5), (3, 2, 3, 3), ConvParams { stride: 1, pad: 1 });
    let mut x = random4(xs, 1);
    let mut w = random4(ws, 2);
    let mut b = Array1::from_vec(vec![0.3, -0.1, 0.2]);
    let out = forward(x.view(), w.view(), b.view(), p);
    let dout = random4(out.dim(), 3);
    let (dx, dw, db) = backward(dout.view(), x.view(), w.view(), p);
    let loss = |o: Array4<f64>| (&o * &dout).sum();
    let (w0, b0) = (w.clone(), b.clone());
    let nx = numerical_gradient(
        |v| {
            loss(forward(
                ArrayView4::from_shape(xs, v).unwrap(),
                w0.view(),
                b0.view(),
                p,
            ))
        },
        x.as_slice_mut().unwrap(),
        1e-5,
    );
    let x0 = x.clone();
    let nw = numerical_gradient(
        |v| {
            loss(forward(
                x0.view(),
                ArrayView4::from_shape(ws, v).unwrap(),
                b0.view(),
                p,
            ))
        },
        w.as_slice_mut().unwrap(),
        1e-5,
    );
    let nb = numerical_gradient(
        |v| {
            loss(forward(
                x0.view(),
                w0.view(),
                ndarray::ArrayView1::from(v),
                p,
            ))
        },
        b.as_slice_mut().unwrap(),
        1e-5,
    );
    assert!(
        max_rel_error(dx.as_slice().unwrap(), &nx, 1e-8) < 1e-7,
        "dx"
    );
    assert!(
        max_rel_error(dw.as_slice().unwrap(), &nw, 1e-8) < 1e-7,
        "dw"
    );
    assert!(
        max_rel_error(db.as_slice().unwrap(), &nb, 1e-8) < 1e-7,
        "db"
    );
}

#[test]
fn naive_convolution_gradients_check() {
    check_conv_gradients(conv_forward_naive, conv_backward_naive);
}

#[test]
fn im2col_convolution_gradients_check() {
    check_conv_gradients(conv_forward_im2col, conv_backward_im2col);
}

#[test]
fn pooling_gradients_check_and_route() {
    let p = PoolParams { size: 2, stride: 2 };
    for kind in [PoolKind::Max, PoolKind::Average] {
        let mut x = random4((2, 3, 6, 4), 4);
        let out = pool_forward(x.view(), kind, p);
        assert_eq!(out.dim(), (2, 3, 3, 2));
        let dout = random4(out.dim(), 5);
        let dx = pool_backward(dout.view(), x.view(), kind, p);
        let num = numerical_gradient(
            |v| {
                (&pool_forward(ArrayView4::from_shape((2, 3, 6, 4), v).unwrap(), kind, p) * &dout)
                    .sum()
            },
            x.as_slice_mut().unwrap(),
            1e-6,
        );
        assert!(
            max_rel_error(dx.as_slice().unwrap(), &num, 1e-8) < 1e-7,
            "{kind:?}"
        );
    }
    // Values by hand: one 2x2 window.
    let x = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 4.0, 3.0, 2.0]).unwrap();
    let p = PoolParams { size: 2, stride: 2 };
    assert_eq!(pool_forward(x.view(), PoolKind::Max, p)[[0, 0, 0, 0]], 4.0);
    assert_eq!(
        pool_forward(x.view(), PoolKind::Average, p)[[0, 0, 0, 0]],
        2.5
    );
    let g = Array4::from_elem((1, 1, 1, 1), 1.0);
    assert_eq!(
        pool_backward(g.view(), x.view(), PoolKind::Max, p)
            .into_raw_vec_and_offset()
            .0,
        vec![0.0, 1.0, 0.0, 0.0]
    );
    assert_eq!(
        pool_backward(g.view(), x.view(), PoolKind::Average, p)
            .into_raw_vec_and_offset()
            .0,
        vec![0.25; 4]
    );
}

#[test]
fn im2col_results_do_not_depend_on_the_thread_count() {
    let (xs, ws, p) = (
        (5, 3, 10, 10),
        (4, 3, 3, 3),
        ConvParams { stride: 1, pad: 1 },
    );
    let (x, w) = (
        random4(xs, 6).mapv(|v| v as f32),
        random4(ws, 7).mapv(|v| v as f32),
    );
    let b = Array1::from_elem(4, 0.5f32);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let out = conv_forward_im2col(x.view(), w.view(), b.view(), p);
            let (dx, dw, db) = conv_backward_im2col(out.view(), x.view(), w.view(), p);
            (out, dx, dw, db)
        })
    };
    let (a, b2) = (run(1), run(2));
    assert_eq!(a.0, b2.0);
    assert_eq!(a.1, b2.1);
    assert_eq!(a.2, b2.2);
    assert_eq!(a.3, b2.3);
}

#[test]
fn output_sizes_and_refusals() {
    assert_eq!(out_size(32, 5, 1, 0), Some(28)); // LeNet C1
    assert_eq!(out_size(28, 5, 1, 2), Some(28));
    assert_eq!(out_size(7, 3, 2, 0), Some(3));
    assert_eq!(out_size(8, 3, 2, 0), None, "stride does not tile");
    assert_eq!(out_size(4, 5, 1, 0), None, "kernel larger than the input");
    assert_eq!(out_size(4, 3, 0, 0), None, "zero stride");
}
