#!/usr/bin/env python3
"""PyTorch's learning-rate schedulers on the settings tests/schedules.rs pins, where they agree
with ours (closed forms, within the horizon PyTorch defines). Needs torch (any 2.x):

    python3 tests/reference_schedules.py   # prints the Rust constants pasted into tests/schedules.rs

Each scheduler drives a one-parameter SGD; the rate of step t is the group's lr before the t-th
optimizer step (the value our `Schedule::rate(t)` returns).
"""
import math

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as S

STEPS = 20


def rates(make, steps=STEPS, lr=0.1, metrics=None):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = SGD([p], lr=lr)
    sched = make(opt)
    out = []
    for t in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
    return out


CASES = {
    # StepDecay::new(0.1, 0.5, 3)
    "STEP": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    # Exponential::new(0.1, 0.2): gamma = e^-0.2
    "EXPONENTIAL": lambda o: S.ExponentialLR(o, gamma=math.exp(-0.2)),
    # InverseTime::new(0.1, 0.5)
    "INVERSE_TIME": lambda o: S.LambdaLR(o, lambda t: 1.0 / (1.0 + 0.5 * t)),
    # Cosine::new(0.1, 0.001, 19): PyTorch's agrees up to T_max (it rises again after)
    "COSINE": lambda o: S.CosineAnnealingLR(o, T_max=19, eta_min=0.001),
    # LinearWarmup::new(0.1, 0.25, 4)
    "WARMUP": lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
    # WarmupThen::new(0.25, 4, Cosine::new(0.1, 0.0, 15))
    "WARMUP_COSINE": lambda o: S.SequentialLR(
        o,
        [S.LinearLR(o, start_factor=0.25, total_iters=4), S.CosineAnnealingLR(o, T_max=15)],
        milestones=[4],
    ),
    # OneCycle::new(0.1, 20)
    "ONE_CYCLE": lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20),
}

# ReduceOnPlateau::new(0.1, 0.5, 2, 1e-4, 1, 0.0) fed these metrics, one per epoch.
PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85,
                   0.85, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80]


def main():
    print("// ---- output of `python3 tests/reference_schedules.py` (torch %s) ----" % torch.__version__)
    for name, make in CASES.items():
        values = ", ".join(repr(v) for v in rates(make))
        print(f"const {name}: [f64; {STEPS}] = [{values}];")
    plateau = rates(
        lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-4,
                                      threshold_mode="rel", cooldown=1, min_lr=0.0),
        metrics=PLATEAU_METRICS,
    )
    print("const PLATEAU_METRICS: [f64; %d] = [%s];" % (STEPS, ", ".join(repr(v) for v in PLATEAU_METRICS)))
    print("const PLATEAU: [f64; %d] = [%s];" % (STEPS, ", ".join(repr(v) for v in plateau)))
    print("// ---- end of output ----")


if __name__ == "__main__":
    main()
