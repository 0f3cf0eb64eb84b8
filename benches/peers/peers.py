#!/usr/bin/env python3
"""nnlab's peers (PyTorch CPU, NumPy, SciPy) on the cases the book compares against.

Set-up, outside the repository (PyPI's torch wheel pulls about 5 GB of CUDA packages that a CPU
run never loads):

    python3 -m venv ../peers-venv && ../peers-venv/bin/pip install -r benches/peers/requirements.txt

Run from the repository's root (a full run takes 3-5 minutes per thread count):

    ../peers-venv/bin/python benches/peers/peers.py --threads 1 --out results/bench/peers-1t.json
    ../peers-venv/bin/python benches/peers/peers.py --threads 2 --out results/bench/peers-2t.json

Prints one JSON object per case as it goes, and writes them all, as one JSON array, to --out.
Sections: env, gemm, conv (conv2d on LeNet's C1, C3 and a mid 3x3 layer, three PyTorch paths),
pool, optim (every update rule, foreach=False/True and fused), dropout, numpy (Adam in ufuncs,
bandwidth), lenet (one training step), train (Fashion-MNIST epochs), lbfgs (SciPy L-BFGS-B and
torch.optim.LBFGS on softmax regression), lbfgs_parts. Fashion-MNIST is read from the committed
data/fashion-mnist/.
Each timed case: warm-up, then `--reps` repetitions (median reported); a
repetition times `inner` back-to-back calls, with `inner` calibrated so that
one repetition lasts at least `--min-rep-ms`. Reported times are per call.
"""
import argparse
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--out", default=None, help="write every record here as one JSON array")
ap.add_argument("--reps", type=int, default=9)
ap.add_argument("--min-rep-ms", type=float, default=25.0)
ap.add_argument("--sections", default="env,conv,pool,optim,dropout,numpy,gemm,lenet,train,lbfgs,lbfgs_parts")
ap.add_argument("--train-epochs", type=int, default=2)
ap.add_argument("--lbfgs-maxiter", type=int, default=200)
ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "..", "data", "fashion-mnist"))
ap.add_argument("--quick", action="store_true", help="smoke test: tiny reps, no timing value")
args = ap.parse_args()

# Thread env vars must be set before numpy / torch are imported.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[var] = str(args.threads)

import gzip
import json
import platform
import statistics
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    HAVE_TORCH = True
    torch.set_num_threads(args.threads)
except Exception as e:  # pragma: no cover
    HAVE_TORCH = False
    TORCH_ERR = repr(e)

import scipy
import scipy.optimize

SECTIONS = set(args.sections.split(","))
T = args.threads
REPS = 2 if args.quick else args.reps
MIN_REP_S = (1.0 if args.quick else args.min_rep_ms) / 1000.0
RECORDS = []
DATE = time.strftime("%Y-%m-%dT%H:%M:%S")


def emit(rec):
    rec = {"threads": T, "date": DATE, **rec, "loadavg1": round(os.getloadavg()[0], 2)}
    line = json.dumps(rec, sort_keys=False)
    print(line, flush=True)
    RECORDS.append(rec)


def bench(fn, warmup_s=0.2, min_warmup=3):
    """Calibrate inner-loop count, warm up, then time REPS repetitions.

    Returns dict with per-call ms (median, min, max) and loop parameters."""
    # warm-up by count and by time
    t0 = time.perf_counter()
    n = 0
    while n < min_warmup or (time.perf_counter() - t0) < (0.05 if args.quick else warmup_s):
        fn()
        n += 1
    # calibrate
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    inner = max(1, int(MIN_REP_S / max(one, 1e-9)) + 1) if one < MIN_REP_S else 1
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    ms = [t * 1e3 for t in times]
    return {"ms_median": statistics.median(ms), "ms_min": min(ms), "ms_max": max(ms),
            "reps": REPS, "inner": inner, "warmup_calls": n}


# --------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------
def cpu_model():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" in line:
                    k, v = [s.strip() for s in line.split(":", 1)]
                    if k in ("model name", "cpu family", "model", "flags") and k not in info:
                        info[k] = v
    except OSError:
        pass
    flags = info.pop("flags", "")
    info["avx512f"] = "avx512f" in flags.split()
    return info


def section_env():
    rec = {"section": "env", "python": sys.version.split()[0], "platform": platform.platform(),
           "numpy": np.__version__, "scipy": scipy.__version__, "cpu": cpu_model(),
           "nproc": os.cpu_count(),
           "env_threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}
    try:
        import threadpoolctl
        rec["threadpoolctl"] = [{k: d.get(k) for k in ("user_api", "internal_api", "version", "num_threads", "architecture", "filepath", "threading_layer")}
                                for d in threadpoolctl.threadpool_info()]
    except Exception as e:
        rec["threadpoolctl"] = repr(e)
    try:
        cfg = np.show_config(mode="dicts")
        rec["numpy_blas"] = cfg.get("Build Dependencies", {}).get("blas", {})
    except Exception as e:
        rec["numpy_blas"] = repr(e)
    if HAVE_TORCH:
        rec["torch"] = torch.__version__
        rec["torch_num_threads"] = torch.get_num_threads()
        rec["torch_num_interop_threads"] = torch.get_num_interop_threads()
        rec["torch_mkldnn_available"] = torch.backends.mkldnn.is_available()
        rec["torch_mkl_available"] = torch.backends.mkl.is_available()
        rec["torch_openmp_available"] = torch.backends.openmp.is_available()
        try:
            rec["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
        except Exception as e:
            rec["torch_cpu_capability"] = repr(e)
        rec["torch_config"] = torch.__config__.show()
        rec["torch_parallel_info"] = torch.__config__.parallel_info()
    else:
        rec["torch"] = None
        rec["torch_error"] = TORCH_ERR
    emit(rec)


# --------------------------------------------------------------------------
# a. conv2d
# --------------------------------------------------------------------------
CONV_CASES = [
    # name, N, C, H, W, K, R, S, stride, pad
    ("lenet_conv1", 64, 1, 32, 32, 6, 5, 5, 1, 0),
    ("lenet_conv2", 64, 6, 14, 14, 16, 5, 5, 1, 0),
    ("mid_conv3x3", 32, 32, 32, 32, 64, 3, 3, 1, 1),
]


def conv_kernels_used(fn, keys=("conv", "mkldnn", "nnpack", "im2col", "col2im", "unfold", "addmm", "mm")):
    """Names of aten conv ops dispatched by fn (to tell oneDNN from the native path)."""
    try:
        from torch.profiler import profile, ProfilerActivity
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            fn()
        names = sorted({e.key for e in prof.key_averages()
                        if any(s in e.key for s in keys)})
        return names
    except Exception as e:
        return [repr(e)]


def section_conv():
    g = torch.Generator().manual_seed(0)
    for (name, N, C, H, W, K, R, S, st, pad) in CONV_CASES:
        Ho = (H + 2 * pad - R) // st + 1
        Wo = (W + 2 * pad - S) // st + 1
        fflops = 2.0 * N * K * C * R * S * Ho * Wo
        x = torch.randn(N, C, H, W, generator=g)
        w = torch.randn(K, C, R, S, generator=g) * 0.1
        b = torch.randn(K, generator=g)
        gy = torch.randn(N, K, Ho, Wo, generator=g)
        xg, wg, bg = (t.clone().requires_grad_(True) for t in (x, w, b))

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, b, stride=st, padding=pad)

        def fwdbwd():
            y = F.conv2d(xg, wg, bg, stride=st, padding=pad)
            torch.autograd.grad(y, (xg, wg, bg), gy)

        # torch_default: oneDNN (mkldnn) convolution; torch_mkldnn_off: forward via NNPACK;
        # torch_native: oneDNN and NNPACK both off -> ATen slow_conv2d (im2col/unfold + MKL sgemm)
        for impl, mk, nnp in (("torch_default", True, True), ("torch_mkldnn_off", False, True),
                              ("torch_native", False, False)):
            with torch.backends.mkldnn.flags(enabled=mk), torch.backends.nnpack.flags(enabled=nnp):
                ops = conv_kernels_used(fwdbwd)
                for mode, fn, fl in (("fwd", fwd, fflops), ("fwd+bwd", fwdbwd, 3 * fflops)):
                    r = bench(fn)
                    emit({"section": "conv2d", "case": name, "mode": mode, "impl": impl,
                          "shape": {"N": N, "C": C, "H": H, "W": W, "K": K, "R": R, "S": S,
                                    "stride": st, "pad": pad, "Ho": Ho, "Wo": Wo},
                          "flops": fl, "gflops": fl / (r["ms_median"] * 1e-3) / 1e9,
                          "aten_ops": ops, **r})


# --------------------------------------------------------------------------
# b. max-pool
# --------------------------------------------------------------------------
POOL_CASES = [("lenet_pool1", 64, 6, 28, 28), ("lenet_pool2", 64, 16, 10, 10)]


def section_pool():
    g = torch.Generator().manual_seed(1)
    for (name, N, C, H, W) in POOL_CASES:
        x = torch.randn(N, C, H, W, generator=g)
        gy = torch.randn(N, C, H // 2, W // 2, generator=g)
        xg = x.clone().requires_grad_(True)

        def fwd():
            with torch.no_grad():
                F.max_pool2d(x, 2, 2)

        def fwdbwd():
            y = F.max_pool2d(xg, 2, 2)
            torch.autograd.grad(y, (xg,), gy)

        ops = conv_kernels_used(fwdbwd, ("pool",))
        for mode, fn in (("fwd", fwd), ("fwd+bwd", fwdbwd)):
            r = bench(fn)
            emit({"section": "maxpool2x2", "case": name, "mode": mode, "impl": "torch_default",
                  "shape": {"N": N, "C": C, "H": H, "W": W}, "aten_ops": ops,
                  "in_elems_per_s": N * C * H * W / (r["ms_median"] * 1e-3), **r})


# --------------------------------------------------------------------------
# c. optimizers
# --------------------------------------------------------------------------
# arrays touched per element (reads + writes) for the effective-bandwidth model
OPT_ARRAYS = {"SGD": 3, "SGD_momentum": 5, "SGD_nesterov": 5, "Adagrad": 5, "RMSprop": 5, "Adam": 7}


def make_opt(name, p, variant):
    kw = {}
    if variant == "foreach=False":
        kw["foreach"] = False
    elif variant == "foreach=True":
        kw["foreach"] = True
    elif variant == "fused=True":
        kw["fused"] = True
    if name == "SGD":
        return torch.optim.SGD([p], lr=1e-3, **kw)
    if name == "SGD_momentum":
        return torch.optim.SGD([p], lr=1e-3, momentum=0.9, **kw)
    if name == "SGD_nesterov":
        return torch.optim.SGD([p], lr=1e-3, momentum=0.9, nesterov=True, **kw)
    if name == "Adagrad":
        return torch.optim.Adagrad([p], lr=1e-3, **kw)
    if name == "RMSprop":
        return torch.optim.RMSprop([p], lr=1e-3, **kw)
    if name == "Adam":
        return torch.optim.Adam([p], lr=1e-3, **kw)
    raise ValueError(name)


def section_optim():
    g = torch.Generator().manual_seed(2)
    for n in (1_000_000, 10_000_000):
        base = torch.randn(n, generator=g)
        grad = torch.randn(n, generator=g)
        for name in OPT_ARRAYS:
            for variant in ("foreach=False", "foreach=True", "fused=True"):
                p = torch.nn.Parameter(base.clone())
                p.grad = grad.clone()
                try:
                    opt = make_opt(name, p, variant)
                    opt.step()
                except Exception as e:
                    emit({"section": "optimizer", "case": name, "n": n, "impl": "torch", "variant": variant,
                          "unsupported": True, "error": str(e).splitlines()[0][:200]})
                    continue
                r = bench(opt.step)
                byts = OPT_ARRAYS[name] * 4 * n
                emit({"section": "optimizer", "case": name, "n": n, "impl": "torch", "variant": variant,
                      "arrays_model": OPT_ARRAYS[name],
                      "gbps_effective": byts / (r["ms_median"] * 1e-3) / 1e9, **r})
                del opt, p


# --------------------------------------------------------------------------
# c'. dropout (benches/dropout.rs: 10M units, p = 0.5, forward with a fresh mask + backward)
# --------------------------------------------------------------------------
def section_dropout():
    g = torch.Generator().manual_seed(6)
    for n in (1_000_000, 10_000_000):
        x = torch.randn(n // 1000, 1000, generator=g).requires_grad_(True)
        gy = torch.randn(n // 1000, 1000, generator=g)

        def fwdbwd():
            y = F.dropout(x, p=0.5, training=True)
            torch.autograd.grad(y, (x,), gy)

        r = bench(fwdbwd)
        # reads x, writes y and the mask (1 byte), reads gy and the mask, writes dx
        emit({"section": "dropout", "case": "inverted_p0.5_fwd+bwd", "n": n, "impl": "torch",
              "bytes_model": 16 * n, "gbps_effective": 16 * n / (r["ms_median"] * 1e-3) / 1e9, **r})


# --------------------------------------------------------------------------
# d. numpy Adam + STREAM-like bandwidth
# --------------------------------------------------------------------------
def section_numpy():
    rng = np.random.default_rng(3)
    n = 10_000_000
    p = rng.standard_normal(n, dtype=np.float32)
    g = rng.standard_normal(n, dtype=np.float32)
    m = np.zeros(n, np.float32)
    v = np.zeros(n, np.float32)
    tmp = np.empty(n, np.float32)
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    state = {"t": 0}

    def adam_step():
        state["t"] += 1
        t = state["t"]
        np.multiply(m, np.float32(b1), out=m)          # m = b1*m + (1-b1)*g
        np.multiply(g, np.float32(1 - b1), out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(v, np.float32(b2), out=v)          # v = b2*v + (1-b2)*g*g
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, np.float32(1 - b2), out=tmp)
        np.add(v, tmp, out=v)
        step_size = np.float32(lr / (1 - b1 ** t))
        inv_bc2 = np.float32(1.0 / np.sqrt(1 - b2 ** t))
        np.sqrt(v, out=tmp)                             # denom = sqrt(v)/sqrt(bc2) + eps
        np.multiply(tmp, inv_bc2, out=tmp)
        np.add(tmp, np.float32(eps), out=tmp)
        np.divide(m, tmp, out=tmp)                      # p -= step_size * m / denom
        np.multiply(tmp, step_size, out=tmp)
        np.subtract(p, tmp, out=p)

    r = bench(adam_step)
    emit({"section": "optimizer", "case": "Adam", "n": n, "impl": "numpy", "variant": "in-place ufuncs (single-threaded)",
          "arrays_model": 7, "gbps_effective": 7 * 4 * n / (r["ms_median"] * 1e-3) / 1e9, **r})

    for dt in (np.float64, np.float32):
        a = np.zeros(n, dt)
        bb = rng.standard_normal(n).astype(dt)
        c = rng.standard_normal(n).astype(dt)
        s = dt(3.0)
        es = np.dtype(dt).itemsize

        def triad():  # two passes: a = s*c ; a += b
            np.multiply(c, s, out=a)
            np.add(a, bb, out=a)

        def copy():
            np.copyto(a, bb)

        for case, fn, arrays in (("triad a=b+s*c (np, 2 ufunc passes)", triad, 3), ("copy a=b (np.copyto)", copy, 2)):
            r = bench(fn)
            emit({"section": "bandwidth", "case": case, "dtype": np.dtype(dt).name, "n": n, "impl": "numpy",
                  "arrays_model": arrays, "gbps_nominal": arrays * es * n / (r["ms_median"] * 1e-3) / 1e9, **r})
        if HAVE_TORCH:
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(bb), torch.from_numpy(c)

            def ttriad():  # single fused pass
                torch.add(tb, tc, alpha=3.0, out=ta)

            r = bench(ttriad)
            emit({"section": "bandwidth", "case": "triad a=b+s*c (torch.add alpha, 1 pass)", "dtype": np.dtype(dt).name,
                  "n": n, "impl": "torch", "arrays_model": 3,
                  "gbps_nominal": 3 * es * n / (r["ms_median"] * 1e-3) / 1e9, **r})
        del a, bb, c


# --------------------------------------------------------------------------
# e. GEMM
# --------------------------------------------------------------------------
def section_gemm():
    rng = np.random.default_rng(4)
    for n in (256, 1024, 2048):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty((n, n), np.float32)
        fl = 2.0 * n ** 3
        r = bench(lambda: np.matmul(a, b, out=c))
        emit({"section": "gemm", "case": f"sgemm_{n}", "n": n, "impl": "numpy", "flops": fl,
              "gflops": fl / (r["ms_median"] * 1e-3) / 1e9, **r})
        if HAVE_TORCH:
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.empty(n, n)
            r = bench(lambda: torch.mm(ta, tb, out=tc))
            emit({"section": "gemm", "case": f"sgemm_{n}", "n": n, "impl": "torch", "flops": fl,
                  "gflops": fl / (r["ms_median"] * 1e-3) / 1e9, **r})


# --------------------------------------------------------------------------
# f. LeNet-5
# --------------------------------------------------------------------------
class LeNet5(nn.Module):
    def __init__(self, act="relu", pool="max", pad1=2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=pad1)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.act = torch.relu if act == "relu" else torch.tanh
        self.pool = (lambda t: F.max_pool2d(t, 2)) if pool == "max" else (lambda t: F.avg_pool2d(t, 2))

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        x = x.flatten(1)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)


LENET_VARIANTS = [
    # name, act, pool, pad1, input HxW
    ("lenet5_relu_maxpool_28x28_pad2", "relu", "max", 2, 28),
    ("lenet5_tanh_avgpool_32x32_pad0", "tanh", "avg", 0, 32),
]


def section_lenet():
    for (name, act, pool, pad1, hw) in LENET_VARIANTS:
        torch.manual_seed(0)
        model = LeNet5(act, pool, pad1)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.rand(64, 1, hw, hw)
        y = torch.randint(0, 10, (64,))

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        r = bench(step, warmup_s=0.5)
        emit({"section": "lenet_step", "case": name, "batch": 64, "optimizer": "SGD(lr=0.01,momentum=0.9)",
              "impl": "torch", "images_per_s": 64 / (r["ms_median"] * 1e-3), **r})
        with torch.no_grad():
            model.eval()
            r = bench(lambda: model(x))
            model.train()
        emit({"section": "lenet_infer", "case": name, "batch": 64, "impl": "torch",
              "images_per_s": 64 / (r["ms_median"] * 1e-3), **r})


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fmnist():
    d = args.data_dir
    xtr = load_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))
    ytr = load_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    xte = load_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    yte = load_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    return xtr, ytr, xte, yte


def fmnist_or_report(section, n_quick):
    """Fashion-MNIST (the first n_quick training images with --quick), or None after emitting
    the loading error under `section`."""
    try:
        xtr, ytr, xte, yte = load_fmnist()
    except Exception as e:
        emit({"section": section, "error": repr(e)})
        return None
    if args.quick:
        xtr, ytr = xtr[:n_quick], ytr[:n_quick]
    return xtr, ytr, xte, yte


def section_train():
    data = fmnist_or_report("fmnist_train", 2048)
    if data is None:
        return
    xtr, ytr, xte, yte = data
    Xtr = torch.from_numpy(xtr.astype(np.float32) / 255.0).unsqueeze(1)
    Ytr = torch.from_numpy(ytr.astype(np.int64))
    Xte = torch.from_numpy(xte.astype(np.float32) / 255.0).unsqueeze(1)
    Yte = torch.from_numpy(yte.astype(np.int64))
    torch.manual_seed(0)
    model = LeNet5("relu", "max", 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    B = 64
    n = Xtr.shape[0]

    def evaluate(X, Y):
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, X.shape[0], 1000):
                correct += (model(X[i:i + 1000]).argmax(1) == Y[i:i + 1000]).sum().item()
        model.train()
        return correct / X.shape[0]

    for ep in range(1, args.train_epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        tot_loss = 0.0
        nb = 0
        for i in range(0, n, B):
            idx = perm[i:i + B]
            xb, yb = Xtr[idx], Ytr[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            tot_loss += loss.item()
            nb += 1
        t_ep = time.perf_counter() - t0
        t1 = time.perf_counter()
        test_acc = evaluate(Xte, Yte)
        t_eval = time.perf_counter() - t1
        emit({"section": "fmnist_train", "case": "lenet5_relu_maxpool_pad2_adam1e-3_b64", "impl": "torch",
              "epoch": ep, "train_images": n, "batches": nb, "epoch_wall_s": t_ep,
              "images_per_s": n / t_ep, "ms_per_step": t_ep / nb * 1e3,
              "mean_train_loss": tot_loss / nb, "test_acc": test_acc, "test_eval_wall_s": t_eval})


# --------------------------------------------------------------------------
# g. L-BFGS softmax regression
# --------------------------------------------------------------------------
LAM = 1e-4


def section_lbfgs():
    data = fmnist_or_report("lbfgs", 2000)
    if data is None:
        return
    xtr, ytr, xte, yte = data
    X = np.ascontiguousarray(xtr.reshape(len(xtr), -1).astype(np.float64) / 255.0)
    Xt = np.ascontiguousarray(xte.reshape(len(xte), -1).astype(np.float64) / 255.0)
    y = ytr.astype(np.int64)
    yt = yte.astype(np.int64)
    n, d = X.shape
    k = 10
    rows = np.arange(n)
    counter = {"nfg": 0}

    def fg(wflat):
        counter["nfg"] += 1
        W = wflat[: d * k].reshape(d, k)
        b = wflat[d * k:]
        Z = X @ W + b
        zmax = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - zmax)
        s = E.sum(axis=1, keepdims=True)
        lse = np.log(s) + zmax
        loss = float(np.mean(lse[:, 0] - Z[rows, y])) + 0.5 * LAM * float(np.sum(W * W))
        P = E / s
        P[rows, y] -= 1.0
        P /= n
        gW = X.T @ P + LAM * W
        gb = P.sum(axis=0)
        return loss, np.concatenate([gW.ravel(), gb])

    def acc(W, b, A, lab):
        return float(np.mean((A @ W + b).argmax(1) == lab))

    w0 = np.zeros(d * k + k)
    # time one f+g evaluation
    r = bench(lambda: fg(w0))
    emit({"section": "lbfgs", "case": "softmax_fg_eval", "impl": "numpy_float64", "n": n, "d": d, **r})
    counter["nfg"] = 0
    t0 = time.perf_counter()
    res = scipy.optimize.minimize(fg, w0, method="L-BFGS-B", jac=True, options={"maxiter": args.lbfgs_maxiter})
    wall = time.perf_counter() - t0
    W = res.x[: d * k].reshape(d, k)
    b = res.x[d * k:]
    emit({"section": "lbfgs", "case": "softmax_regression_fmnist", "impl": "scipy L-BFGS-B (numpy f64)",
          "options": {"maxiter": args.lbfgs_maxiter, "m": 10, "defaults": "ftol=2.2e-9,gtol=1e-5"},
          "nit": int(res.nit), "nfev": int(res.nfev), "fg_calls": counter["nfg"], "final_loss": float(res.fun),
          "success": bool(res.success), "message": str(res.message), "wall_s": wall,
          "ms_per_fg": wall / max(1, counter["nfg"]) * 1e3,
          "train_acc": acc(W, b, X, y), "test_acc": acc(W, b, Xt, yt),
          "objective": "mean CE + 0.5*1e-4*||W||_F^2 (bias unregularized)"})

    if not HAVE_TORCH:
        return
    TX = torch.from_numpy(X)
    TY = torch.from_numpy(y)
    Wt = torch.zeros(d, k, dtype=torch.float64, requires_grad=True)
    bt = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([Wt, bt], lr=1, max_iter=args.lbfgs_maxiter, history_size=10,
                            line_search_fn="strong_wolfe")
    nclos = {"n": 0}

    def closure():
        nclos["n"] += 1
        opt.zero_grad()
        loss = F.cross_entropy(TX @ Wt + bt, TY) + 0.5 * LAM * (Wt * Wt).sum()
        loss.backward()
        return loss

    t0 = time.perf_counter()
    opt.step(closure)
    wall = time.perf_counter() - t0
    st = opt.state[opt._params[0]]
    with torch.no_grad():
        final = float(F.cross_entropy(TX @ Wt + bt, TY) + 0.5 * LAM * (Wt * Wt).sum())
        Wn, bn = Wt.detach().numpy(), bt.detach().numpy()
    emit({"section": "lbfgs", "case": "softmax_regression_fmnist", "impl": "torch.optim.LBFGS (f64, autograd)",
          "options": {"max_iter": args.lbfgs_maxiter, "history_size": 10, "line_search_fn": "strong_wolfe",
                      "defaults": "tolerance_grad=1e-7,tolerance_change=1e-9,max_eval=1.25*max_iter"},
          "nit": int(st.get("n_iter", -1)), "nfev": int(st.get("func_evals", -1)), "fg_calls": nclos["n"],
          "final_loss": final, "wall_s": wall, "ms_per_fg": wall / max(1, nclos["n"]) * 1e3,
          "train_acc": acc(Wn, bn, X, y), "test_acc": acc(Wn, bn, Xt, yt),
          "objective": "mean CE + 0.5*1e-4*||W||_F^2 (bias unregularized)"})


def section_lbfgs_parts():
    """Cost breakdown of one softmax-regression f+g evaluation (the L-BFGS objective)."""
    data = fmnist_or_report("lbfgs_parts", 2000)
    if data is None:
        return
    xtr, ytr, _, _ = data
    rng = np.random.default_rng(5)
    for dt in (np.float64, np.float32):
        X = np.ascontiguousarray(xtr.reshape(len(xtr), -1).astype(dt) / dt(255.0))
        n, d = X.shape
        W = (rng.standard_normal((d, 10)) * 0.01).astype(dt)
        P = rng.standard_normal((n, 10)).astype(dt)
        fl = 2.0 * n * d * 10
        cases = [("X@W (n x 784 . 784 x 10)", lambda: X @ W, "numpy"),
                 ("X.T@P (784 x n . n x 10)", lambda: X.T @ P, "numpy")]
        if HAVE_TORCH:
            TX, TW, TP = torch.from_numpy(X), torch.from_numpy(W), torch.from_numpy(P)
            cases += [("X@W (n x 784 . 784 x 10)", lambda: TX @ TW, "torch"),
                      ("X.T@P (784 x n . n x 10)", lambda: TX.t() @ TP, "torch")]
        for case, fn, impl in cases:
            r = bench(fn)
            emit({"section": "lbfgs_parts", "case": case, "dtype": np.dtype(dt).name, "impl": impl, "n": n,
                  "flops": fl, "gflops": fl / (r["ms_median"] * 1e-3) / 1e9,
                  "x_gbps": X.nbytes / (r["ms_median"] * 1e-3) / 1e9, **r})
        if HAVE_TORCH and dt is np.float64:
            y = torch.from_numpy(ytr.astype(np.int64))
            Wt = torch.zeros(d, 10, dtype=torch.float64, requires_grad=True)
            bt = torch.zeros(10, dtype=torch.float64, requires_grad=True)

            def closure():
                Wt.grad = None
                bt.grad = None
                loss = F.cross_entropy(TX @ Wt + bt, y) + 0.5 * LAM * (Wt * Wt).sum()
                loss.backward()
                return loss

            r = bench(closure)
            emit({"section": "lbfgs_parts", "case": "f+g closure (autograd)", "dtype": "float64", "impl": "torch",
                  "n": n, **r})
        del X


def main():
    order = [("env", section_env), ("gemm", section_gemm), ("conv", section_conv), ("pool", section_pool),
             ("optim", section_optim), ("dropout", section_dropout),
             ("numpy", section_numpy), ("lenet", section_lenet),
             ("train", section_train), ("lbfgs", section_lbfgs), ("lbfgs_parts", section_lbfgs_parts)]
    torch_sections = {"conv", "pool", "optim", "dropout", "lenet", "train"}
    t_all = time.perf_counter()
    for key, fn in order:
        if key not in SECTIONS:
            continue
        if key in torch_sections and not HAVE_TORCH:
            emit({"section": key, "skipped": "torch unavailable"})
            continue
        t0 = time.perf_counter()
        fn()
        print(f"# section {key} took {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    total = time.perf_counter() - t_all
    emit({"section": "end", "total_s": total, "loadavg": os.getloadavg()})
    print(f"# total {total:.1f}s", file=sys.stderr, flush=True)
    if args.out:
        with open(args.out + ".part", "w") as f:
            json.dump(RECORDS, f, indent=1)
            f.write("\n")
        os.replace(args.out + ".part", args.out)


if __name__ == "__main__":
    main()
