//! Convolution (NCHW), forward and backward, four ways, one file each: the definition as loops
//! ([`naive`], CS231n's `conv_forward_naive`, the reference), im2col + one matrix product per
//! image ([`im2col`](mod@im2col), faer's GEMM), the same products on "wide rows" of the zero-padded image read
//! in place by the register-blocked kernels of [`window`] ([`wide`], stride 1), and eight images
//! interleaved in every vector ([`interleaved`], stride 1). [`ConvAlgo`] names and dispatches them;
//! [`Conv2d`] is the layer, on the fastest path unless told otherwise.
//!
//! Shapes: `x: (N, C, H, W)`, `w: (F, C, HH, WW)`, `b: (F,)` → `out: (N, F, Ho, Wo)` with
//! `Ho = 1 + (H + 2 pad - HH) / stride` and `Wo = 1 + (W + 2 pad - WW) / stride`.
//!
//! Imports form a tree: [`geometry`] is a leaf, [`grads`] uses it, each implementation uses those
//! two (wide rows also im2col's GEMM call), and this module uses the implementations.

pub mod geometry;
pub mod grads;
pub mod im2col;
pub mod interleaved;
pub mod naive;
pub mod wide;
pub mod window;

pub use geometry::{ConvParams, Geometry, out_size};
pub use grads::ConvGrads;
pub use im2col::{col2im, conv_backward_im2col, conv_forward_im2col, im2col};
pub use interleaved::{conv_backward_interleaved, conv_forward_interleaved};
pub use naive::{ConvCache, conv_backward_naive, conv_forward_naive};
pub use wide::{conv_backward_wide, conv_forward_wide};

use crate::Float;
use faer::traits::RealField;
use interleaved::interleaved_backward;
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView4};
use wide::wide_backward;

/// The four implementations of one convolution. All compute the same function (tested against
/// [`ConvAlgo::Naive`] to 1e-10 in `f64`); they differ in speed and in which shapes they take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ConvAlgo {
    /// The definition as loops: the reference.
    Naive,
    /// im2col + one GEMM per image: any stride.
    Im2col,
    /// Wide-row im2col + one GEMM per image: stride 1 only.
    Wide,
    /// Eight images interleaved in every vector, only the output pixels computed: stride 1 only.
    Interleaved,
}

impl ConvAlgo {
    pub const ALL: [ConvAlgo; 4] = [
        ConvAlgo::Naive,
        ConvAlgo::Im2col,
        ConvAlgo::Wide,
        ConvAlgo::Interleaved,
    ];

    /// The fastest implementation for `n` images of geometry `g`, as the benchmarks found. For
    /// stride 1: interleaved images when there is at least one full group of them and wide rows
    /// would waste more than a fifth of their columns (LeNet's C3: 4 of every 14), wide rows
    /// otherwise (C1: 4 of 32, the mid layer: 2 of 34; both faster than plain im2col on every
    /// benchmarked shape). Plain im2col for other strides.
    pub fn fastest(g: &Geometry, n: usize) -> Self {
        let wp = g.w + 2 * g.p.pad;
        if g.p.stride != 1 {
            ConvAlgo::Im2col
        } else if n >= interleaved::group_size::<f32>() && 5 * (g.ww - 1) > wp {
            ConvAlgo::Interleaved
        } else {
            ConvAlgo::Wide
        }
    }

    /// Whether this implementation handles stride and padding `p`.
    pub fn supports(self, p: ConvParams) -> bool {
        matches!(self, ConvAlgo::Naive | ConvAlgo::Im2col) || p.stride == 1
    }

    pub fn name(self) -> &'static str {
        match self {
            ConvAlgo::Naive => "naive",
            ConvAlgo::Im2col => "im2col",
            ConvAlgo::Wide => "wide",
            ConvAlgo::Interleaved => "interleaved",
        }
    }

    pub fn forward<F: Float + RealField>(
        self,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        b: ArrayView1<F>,
        p: ConvParams,
    ) -> Array4<F> {
        match self {
            ConvAlgo::Naive => conv_forward_naive(x, w, b, p).0,
            ConvAlgo::Im2col => conv_forward_im2col(x, w, b, p),
            ConvAlgo::Wide => conv_forward_wide(x, w, b, p),
            ConvAlgo::Interleaved => conv_forward_interleaved(x, w, b, p),
        }
    }

    /// `(dx, dw, db)` for upstream gradient `dout`.
    pub fn backward<F: Float + RealField>(
        self,
        dout: ArrayView4<F>,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        p: ConvParams,
    ) -> ConvGrads<F> {
        match self {
            ConvAlgo::Naive => conv_backward_naive(dout, &ConvCache { x, w, p }),
            ConvAlgo::Im2col => conv_backward_im2col(dout, x, w, p),
            ConvAlgo::Wide => conv_backward_wide(dout, x, w, p),
            ConvAlgo::Interleaved => conv_backward_interleaved(dout, x, w, p),
        }
    }

    /// `(dw, db)` only: what a network's first layer needs. The wide path then skips its input
    /// gradient's product and col2im; the others compute the input gradient and drop it.
    pub fn weight_grads<F: Float + RealField>(
        self,
        dout: ArrayView4<F>,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        p: ConvParams,
    ) -> (Array4<F>, Array1<F>) {
        let (_, dw, db) = match self {
            ConvAlgo::Wide => wide_backward(dout, x, w, p, false),
            ConvAlgo::Interleaved => interleaved_backward(dout, x, w, p, false),
            _ => {
                let (dx, dw, db) = self.backward(dout, x, w, p);
                (Some(dx), dw, db)
            }
        };
        (dw, db)
    }
}

/// A convolution layer for [`crate::nn::network::Sequential`]: rows of its 2-D input and output are
/// flattened `(C, H, W)` images, so it chains with affine layers without a separate flatten.
pub struct Conv2d<F: Float> {
    pub w: Array4<F>,
    pub b: Array1<F>,
    dw: Array4<F>,
    db: Array1<F>,
    geometry: Geometry,
    /// False for a network's first layer: backward then returns an empty `(N, 0)` gradient.
    input_grad: bool,
    /// The implementation to use, or `None` for [`ConvAlgo::fastest`] per batch.
    algo: Option<ConvAlgo>,
    x: Option<Array4<F>>,
}

impl<F: Float> Conv2d<F> {
    /// `w: (F, C, HH, WW)` for input images of shape `input = (C, H, W)`; zero bias.
    pub fn new(w: Array4<F>, input: (usize, usize, usize), params: ConvParams) -> Self {
        let geometry = Geometry::new(input, w.dim(), params);
        Conv2d {
            dw: Array4::zeros(w.dim()),
            w: w.as_standard_layout().into_owned(),
            b: Array1::zeros(geometry.f),
            db: Array1::zeros(geometry.f),
            geometry,
            input_grad: true,
            algo: None,
            x: None,
        }
    }

    /// Runs every batch on `algo` instead of the fastest implementation for its size (e.g. the
    /// reference, [`ConvAlgo::Naive`]). Panics if `algo` does not take this layer's stride.
    pub fn with_algo(mut self, algo: ConvAlgo) -> Self {
        assert!(
            algo.supports(self.geometry.p),
            "the {} convolution needs stride 1, this layer has stride {}",
            algo.name(),
            self.geometry.p.stride
        );
        self.algo = Some(algo);
        self
    }

    /// The implementation a batch of `n` images runs on.
    fn algo_for(&self, n: usize) -> ConvAlgo {
        self.algo
            .unwrap_or_else(|| ConvAlgo::fastest(&self.geometry, n))
    }

    /// Marks the layer as the network's first: its backward pass computes only the weight and
    /// bias gradients and returns an empty `(N, 0)` array instead of the input's gradient.
    pub fn first_layer(mut self) -> Self {
        self.input_grad = false;
        self
    }

    /// `(F, Ho, Wo)` of one output image.
    pub fn output(&self) -> (usize, usize, usize) {
        (self.geometry.f, self.geometry.ho, self.geometry.wo)
    }
}

impl<F: Float + RealField> super::layer::Layer<F> for Conv2d<F> {
    fn describe(&self) -> String {
        let Geometry {
            c,
            h,
            w,
            f,
            hh,
            ww,
            ho,
            wo,
            p,
        } = self.geometry;
        let forced = self
            .algo
            .map(|a| format!(" ({} convolution)", a.name()))
            .unwrap_or_default();
        format!(
            "conv {f}@{hh}x{ww} stride {} pad {}: {c}x{h}x{w} -> {f}x{ho}x{wo}{forced}",
            p.stride, p.pad
        )
    }

    fn forward(&mut self, x: ndarray::ArrayView2<F>, mode: super::layer::Mode) -> Array2<F> {
        let g = self.geometry;
        let x4 = super::layer::rows_as_images(x, (g.c, g.h, g.w));
        let algo = self.algo_for(x4.dim().0);
        let out = algo.forward(x4.view(), self.w.view(), self.b.view(), g.p);
        // Only training needs the input again (for the backward pass).
        self.x = (mode == super::Mode::Train).then(|| x4.into_owned());
        super::layer::images_to_rows(out)
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("conv backward called before forward");
        let d4 = super::layer::rows_as_images(dout, self.output());
        let p = self.geometry.p;
        let algo = self.algo_for(x.dim().0);
        if !self.input_grad {
            (self.dw, self.db) = algo.weight_grads(d4.view(), x.view(), self.w.view(), p);
            return Array2::zeros((x.dim().0, 0));
        }
        let (dx, dw, db) = algo.backward(d4.view(), x.view(), self.w.view(), p);
        self.dw = dw;
        self.db = db;
        super::layer::images_to_rows(dx)
    }

    fn params(&mut self) -> Vec<super::layer::ParamGrad<'_, F>> {
        super::layer::weight_and_bias(
            self.w.as_slice_mut().expect("contiguous"),
            self.dw.as_slice().expect("contiguous"),
            self.b.as_slice_mut().expect("contiguous"),
            self.db.as_slice().expect("contiguous"),
        )
    }

    fn weight_sq_sum(&self) -> F {
        self.w.iter().map(|&v| v * v).sum()
    }

    fn add_weight_decay_grad(&mut self, reg: F) {
        self.dw.scaled_add(reg, &self.w);
    }
}
