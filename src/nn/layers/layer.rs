//! The interface every layer implements ([`Layer`]), the training/evaluation [`Mode`], and the helpers layers share.

use crate::Float;
use ndarray::{Array2, Array4, ArrayView2};

/// Training or evaluation: layers such as dropout and batch norm behave differently in each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

/// One parameter tensor and its gradient, both flat and in the same order.
pub struct ParamGrad<'a, F> {
    pub name: &'static str,
    pub value: &'a mut [F],
    pub grad: &'a [F],
}

/// A layer of a sequential network. `forward` caches what `backward` needs.
pub trait Layer<F: Float>: Send {
    /// A short description, e.g. `affine 784->100`.
    fn describe(&self) -> String;
    /// Whether the layer is an elementwise nonlinearity (its output is a hidden layer's activations).
    fn is_nonlinearity(&self) -> bool {
        false
    }
    /// x: (N, D_in) -> out: (N, D_out)
    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F>;
    /// dout: (N, D_out) -> dx: (N, D_in); stores the parameter gradients.
    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F>;
    /// The layer's parameters with their gradients from the last `backward` (none by default).
    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        Vec::new()
    }
    /// Sum of squared weights that L2 regularization penalizes (biases are not penalized).
    fn weight_sq_sum(&self) -> F {
        F::zero()
    }
    /// Adds `reg * W` to the weight gradient (the derivative of `0.5 * reg * ||W||^2`).
    fn add_weight_decay_grad(&mut self, _reg: F) {}
}

/// A batch of flattened images `(N, C·H·W)` as `(N, C, H, W)` (how convolution and pooling layers
/// take the rows of a [`crate::nn::network::Sequential`]); a view when the rows are contiguous, a
/// copy otherwise.
pub fn rows_as_images<F: Float>(
    x: ArrayView2<'_, F>,
    image: (usize, usize, usize),
) -> ndarray::CowArray<'_, F, ndarray::Ix4> {
    let shape = (x.nrows(), image.0, image.1, image.2);
    match x.into_shape_with_order(shape) {
        Ok(view) => view.into(),
        Err(_) => x
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order(shape)
            .expect("rows are flattened (C, H, W) images")
            .into(),
    }
}

/// The inverse of [`rows_as_images`].
pub fn images_to_rows<F: Float>(x: Array4<F>) -> Array2<F> {
    let (n, c, h, w) = x.dim();
    x.into_shape_with_order((n, c * h * w))
        .expect("standard layout")
}

/// The `W`, `b` pair every layer with weights hands to the optimizer.
pub fn weight_and_bias<'a, F>(
    w: &'a mut [F],
    dw: &'a [F],
    b: &'a mut [F],
    db: &'a [F],
) -> Vec<ParamGrad<'a, F>> {
    vec![
        ParamGrad {
            name: "W",
            value: w,
            grad: dw,
        },
        ParamGrad {
            name: "b",
            value: b,
            grad: db,
        },
    ]
}
