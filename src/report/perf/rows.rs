//! The Performance chapter's rows: each of our cases, its label, which peer record stands for it,
//! and which same-run ratio is its machine limit.

use super::report::{PeerTime, fastest_peer, peer_epochs};

/// Which peer record stands for one of our cases.
pub type PeerOf = fn(&[serde_json::Value]) -> Option<PeerTime>;

/// The chapter's rows: our case, its label, its peer, and the same-run ratio to its machine limit.
pub const ROWS: [(&str, &str, PeerOf, Option<&str>); 15] = [
    (
        "gemm_1024",
        "GEMM 1024³ f32 (faer)",
        |r| fastest_peer(r, "gemm", &[("case", "sgemm_1024".into())]),
        None,
    ),
    (
        "conv_c1",
        "conv LeNet C1 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv1"),
        Some("conv_c1/gemm"),
    ),
    (
        "conv_c3",
        "conv LeNet C3 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv2"),
        Some("conv_c3/gemm"),
    ),
    (
        "conv_mid",
        "conv mid 32x32x32x32, 64@3x3, fwd+bwd",
        |r| conv_peer(r, "mid_conv3x3"),
        Some("conv_mid/gemm"),
    ),
    (
        "stream",
        "yardstick a += s·b, 10M f32",
        |r| {
            fastest_peer(
                r,
                "bandwidth",
                &[("dtype", "float32".into()), ("impl", "torch".into())],
            )
        },
        None,
    ),
    (
        "sgd",
        "SGD step, 10M",
        |r| rule_peer(r, "SGD"),
        Some("sgd/stream"),
    ),
    (
        "momentum",
        "Momentum step, 10M",
        |r| rule_peer(r, "SGD_momentum"),
        Some("momentum/stream"),
    ),
    (
        "nesterov",
        "Nesterov step, 10M",
        |r| rule_peer(r, "SGD_nesterov"),
        Some("nesterov/stream"),
    ),
    (
        "adagrad",
        "AdaGrad step, 10M",
        |r| rule_peer(r, "Adagrad"),
        Some("adagrad/stream"),
    ),
    (
        "rmsprop",
        "RMSProp step, 10M",
        |r| rule_peer(r, "RMSprop"),
        Some("rmsprop/stream"),
    ),
    (
        "adam",
        "Adam step, 10M",
        |r| rule_peer(r, "Adam"),
        Some("adam/stream"),
    ),
    (
        "dropout",
        "inverted dropout fwd+bwd, 10M",
        |r| fastest_peer(r, "dropout", &[("n", 10_000_000.into())]),
        Some("dropout/stream"),
    ),
    (
        "lenet_step",
        "LeNet-5 training step, batch 64",
        |r| {
            fastest_peer(
                r,
                "lenet_step",
                &[("case", "lenet5_relu_maxpool_28x28_pad2".into())],
            )
        },
        None,
    ),
    (
        "lenet_epoch",
        "Fashion-MNIST epoch, LeNet-5, batch 64",
        peer_epochs,
        Some("lenet_epoch/steps"),
    ),
    (
        "softmax_eval",
        "softmax regression value+grad, 60k f64",
        |r| fastest_peer(r, "lbfgs", &[("case", "softmax_fg_eval".into())]),
        None,
    ),
];

fn conv_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "conv2d",
        &[("case", case.into()), ("mode", "fwd+bwd".into())],
    )
}

fn rule_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "optimizer",
        &[("case", case.into()), ("n", 10_000_000.into())],
    )
}
