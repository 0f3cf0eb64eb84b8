#!/usr/bin/env python3
"""Update-rule steps and dropout's training pass, nnlab against PyTorch, alternated in one process.

Comparing two benchmark processes run minutes apart mixes the code's speed with the machine's
drift (memory-bound steps on this VM move 20-50% between processes). This script loads nnlab's
steps as a C library (built from benches/peer_ab/lib.rs) into the Python process that runs
PyTorch, and times them in alternating blocks: for each rule, every implementation (ours, and
PyTorch's for-loop, foreach and fused variants where they exist) takes a block of --block calls,
round after round, so every implementation sees the same machine. The first two calls of every
block are not timed: they absorb the previous implementation's idle threads (PyTorch's OpenMP
workers spin for milliseconds after a parallel loop and would steal a core from our first call).

    python3 benches/peer_ab/peer_ab.py --threads 2            # all rules, 10M parameters
    python3 benches/peer_ab/peer_ab.py --threads 1 --rules adam,adagrad --out ab.jsonl
    python3 benches/peer_ab/peer_ab.py --threads 2 --rules dropout_yardstick,dropout --n 1000000
    python3 benches/peer_ab/peer_ab.py --threads 1 --rules bn_dense,bn_spatial --markdown results/peer_ab/batchnorm.md

Dropout (keep 0.5, activations (n / 1000, 1000), forward with a fresh mask and backward) is timed
against PyTorch's F.dropout in training mode with autograd's backward, and against the two ATen
kernels autograd calls (native_dropout, native_dropout_backward) without autograd's bookkeeping.

Batch normalization's training pass (forward with the batch's statistics, backward; benches/
batchnorm.rs's shapes: 128x1024 features, 128x6x28x28 per channel) is timed with nnlab's closed-form
and staged backward passes against F.batch_norm in training mode with autograd's backward (γ and β
requiring gradients, running estimates updated, eps 1e-5), and against the ATen kernels autograd
calls (native_batch_norm, native_batch_norm_backward). nnlab's layer is serial: use --threads 1.

Needs PyTorch (`pip install torch` in a virtualenv outside the repository) and cargo; builds the library on first use into
target/peer_ab. Prints one line per rule and writes one JSON record per rule with --out.
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# rule -> (PyTorch constructor name, keyword arguments); the bytes each step moves come from the
# library (nnlab_ab_arrays), which counts them as benches/optim.rs does
RULES = {
    "yardstick": (None, {}),
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {"alpha": 0.99}),
    "adam": ("Adam", {"betas": (0.9, 0.999)}),
    "dropout_yardstick": (None, {}),
    "dropout": ("dropout", {}),
    "bn_dense": ("batchnorm", {"shape": (128, 1024)}),
    "bn_spatial": ("batchnorm", {"shape": (128, 6, 28, 28)}),
}
VARIANTS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--threads", type=int, required=True, help="threads for both libraries")
ap.add_argument("--rules", default=",".join(RULES), help="comma-separated, from: " + ", ".join(RULES))
ap.add_argument("--variants", default=",".join(VARIANTS), help="PyTorch variants: " + ", ".join(VARIANTS))
ap.add_argument("--n", type=int, default=10_000_000, help="parameters per step (default 10M)")
ap.add_argument("--rounds", type=int, default=8, help="blocks per implementation (default 8)")
ap.add_argument("--block", type=int, default=8, help="timed calls per block (default 8)")
ap.add_argument("--out", help="append one JSON record per rule to this file")
ap.add_argument("--markdown", help="write the measured rules as a table the book includes (anchors machine, table)")
args = ap.parse_args()
rules = args.rules.split(",")
variants = args.variants.split(",")
for r in rules:
    if r not in RULES:
        sys.exit(f"peer_ab: unknown rule {r!r}; choose from {', '.join(RULES)}")
for v in variants:
    if v not in VARIANTS:
        sys.exit(f"peer_ab: unknown variant {v!r}; choose from {', '.join(VARIANTS)}")
if args.n % 1000 and any(r.startswith("dropout") for r in rules):
    sys.exit("peer_ab: dropout needs --n a multiple of 1000 (activations are (n / 1000, 1000))")
if args.threads < 1 or args.n < 1 or args.rounds < 1 or args.block < 1:
    sys.exit("peer_ab: --threads, --n, --rounds and --block must be positive")

import torch  # noqa: E402  (after argument checks, so --help works without PyTorch)

target = os.path.join(ROOT, "target", "peer_ab")
subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path",
                os.path.join(ROOT, "benches", "peer_ab", "Cargo.toml"), "--target-dir", target],
               cwd=ROOT, check=True)  # the project's ordinary build: kernels dispatched at run time
lib = ctypes.CDLL(os.path.join(target, "release", "libnnlab_peer_ab.so"))
lib.nnlab_ab_new.restype = ctypes.c_void_p
lib.nnlab_ab_new.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t]
lib.nnlab_ab_step.argtypes = [ctypes.c_void_p]
lib.nnlab_ab_free.argtypes = [ctypes.c_void_p]
lib.nnlab_ab_arrays.restype = ctypes.c_uint64
lib.nnlab_ab_arrays.argtypes = [ctypes.c_char_p]

def cpu():
    """The CPU's model name, family and model (what every timing is named with)."""
    info = {}
    try:
        for line in open("/proc/cpuinfo"):
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        return "unknown"
    avx512 = "avx512f" in info.get("flags", "").split()
    return (f"{info.get('model name', '?')} family {info.get('cpu family', '?')} model {info.get('model', '?')}"
            f" ({'AVX-512' if avx512 else 'no AVX-512'})")


torch.set_num_threads(args.threads)
gen = torch.Generator().manual_seed(2)
base = torch.randn(args.n, generator=gen)
grad = torch.randn(args.n, generator=gen)


def torch_dropout():
    """PyTorch's dropout training pass on the same shape as nnlab's: F.dropout with autograd, and
    the ATen kernels alone."""
    x = base.reshape(args.n // 1000, 1000)[:, :].contiguous().requires_grad_(True)
    dout = grad.reshape(args.n // 1000, 1000).contiguous()

    def autograd():
        x.grad = None
        torch.nn.functional.dropout(x, p=0.5, training=True).backward(dout)

    xd = x.detach()

    def aten():
        out, mask = torch.ops.aten.native_dropout(xd, 0.5, True)
        torch.ops.aten.native_dropout_backward(dout, mask, 2.0)

    return {"torch F.dropout + backward": autograd, "torch native_dropout kernels": aten}


def torch_batchnorm(shape):
    """PyTorch's batch normalization training pass on one of nnlab's shapes: F.batch_norm with
    autograd, and the ATen kernels alone."""
    c = shape[1]
    x = torch.randn(*shape, generator=gen).requires_grad_(True)
    dout = torch.randn(*shape, generator=gen)
    weight = torch.ones(c, requires_grad=True)
    bias = torch.zeros(c, requires_grad=True)
    mean, var = torch.zeros(c), torch.ones(c)

    def autograd():
        x.grad = weight.grad = bias.grad = None
        F = torch.nn.functional
        F.batch_norm(x, mean, var, weight, bias, training=True, momentum=0.1, eps=1e-5).backward(dout)

    xd, wd, bd = x.detach(), weight.detach(), bias.detach()

    def aten():
        out, save_mean, save_invstd = torch.ops.aten.native_batch_norm(xd, wd, bd, mean, var, True, 0.1, 1e-5)
        torch.ops.aten.native_batch_norm_backward(dout, xd, wd, mean, var, save_mean, save_invstd, True, 1e-5,
                                                  [True, True, True])

    return {"torch F.batch_norm + backward": autograd, "torch native_batch_norm kernels": aten}


def torch_step(name, kw, variant):
    """PyTorch's step for one variant, after one untimed step; None where it does not exist."""
    p = torch.nn.Parameter(base.clone())
    p.grad = grad.clone()
    try:
        opt = getattr(torch.optim, name)([p], lr=1e-3, **kw, **VARIANTS[variant])
        opt.step()
    except (RuntimeError, ValueError, TypeError):
        return None
    return opt.step


RECORDS = []
for rule in rules:
    name, kw = RULES[rule]
    arrays = lib.nnlab_ab_arrays(rule.encode())
    forms = ["closed", "staged"] if name == "batchnorm" else [None]
    handles = {}
    for form in forms:
        key = f"{rule}_{form}" if form else rule
        handles[form] = lib.nnlab_ab_new(key.encode(), args.n, args.threads)
        if not handles[form]:
            sys.exit(f"peer_ab: nnlab could not set up {key}")
    impls = {f"nnlab {form}" if form else "nnlab": lambda h=h: lib.nnlab_ab_step(h) for form, h in handles.items()}
    if name == "batchnorm":
        impls.update(torch_batchnorm(kw["shape"]))
    elif name == "dropout":
        impls.update(torch_dropout())
    elif name:
        for v in variants:
            step = torch_step(name, kw, v)
            if step:
                impls[f"torch {v}"] = step
    times = {k: [] for k in impls}
    for _ in range(args.rounds):
        for k, step in impls.items():
            step()
            step()
            for _ in range(args.block):
                t0 = time.perf_counter()
                step()
                times[k].append((time.perf_counter() - t0) * 1e3)
    for h in handles.values():
        lib.nnlab_ab_free(h)
    med = {k: statistics.median(v) for k, v in times.items()}
    spread = {k: [min(v), max(v)] for k, v in times.items()}
    gbps = {k: arrays * 4 * args.n / (m * 1e-3) / 1e9 for k, m in med.items()}
    rec = {"rule": rule, "n": args.n, "threads": args.threads, "torch": torch.__version__, "cpu": cpu(),
           "calls": args.rounds * args.block, "ms_median": med, "ms_range": spread, "gbps": gbps}
    ours = "nnlab closed" if name == "batchnorm" else "nnlab"
    peers = {k: m for k, m in med.items() if not k.startswith("nnlab")}
    line = (f"{args.threads}t {rule:9s} {ours} {med[ours]:6.2f} ms "
            f"({spread[ours][0]:.2f}-{spread[ours][1]:.2f})")
    if name == "batchnorm":
        rec["staged_over_closed"] = med["nnlab staged"] / med[ours]
        line += (f" | nnlab staged {med['nnlab staged']:6.2f} ms ({spread['nnlab staged'][0]:.2f}-"
                 f"{spread['nnlab staged'][1]:.2f}), {rec['staged_over_closed']:.2f}x closed")
    else:
        line += f" {gbps[ours]:5.1f} GB/s"
    if peers:
        best = min(peers, key=peers.get)
        rec["fastest_torch"] = best
        rec["ratio"] = med[ours] / peers[best]
        lo, hi = spread[best]
        line += f" | fastest torch ({best}) {peers[best]:6.2f} ms ({lo:.2f}-{hi:.2f}) | ratio {rec['ratio']:.3f}"
    print(line + f" [{rec['cpu']}]", flush=True)
    RECORDS.append(rec)
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")


def markdown(records):
    """The records as the book's table: median milliseconds per call (lowest-highest call) of every
    implementation, and the ratio of ours to the fastest PyTorch implementation."""
    def cell(rec, k):
        lo, hi = rec["ms_range"][k]
        return f"{rec['ms_median'][k]:.2f} ({lo:.2f}–{hi:.2f})"
    lines = ["<!-- Written by benches/peer_ab/peer_ab.py --markdown: regenerated, never edited. -->",
             "<!-- ANCHOR: machine -->", f"{records[0]['cpu']}, {records[0]['threads']} thread(s), "
             f"PyTorch {records[0]['torch']}, {records[0]['calls']} calls each", "<!-- ANCHOR_END: machine -->",
             "<!-- ANCHOR: table -->"]
    impls = [k for k in records[0]["ms_median"]]
    lines.append("| case | " + " | ".join(f"{k}, ms" for k in impls) + " | ours / fastest PyTorch |")
    lines.append("|---" * (len(impls) + 2) + "|")
    for rec in records:
        ratio = f"{rec['ratio']:.2f}" if "ratio" in rec else "–"
        lines.append(f"| {rec['rule']} | " + " | ".join(cell(rec, k) for k in impls) + f" | {ratio} |")
    lines.append("<!-- ANCHOR_END: table -->")
    return "\n".join(lines) + "\n"


if args.markdown and RECORDS:
    if len({tuple(r["ms_median"]) for r in RECORDS}) > 1:
        sys.exit("peer_ab: --markdown needs rules timed against the same implementations (e.g. bn_dense,bn_spatial)")
    os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
    with open(args.markdown + ".part", "w") as f:
        f.write(markdown(RECORDS))
    os.replace(args.markdown + ".part", args.markdown)
