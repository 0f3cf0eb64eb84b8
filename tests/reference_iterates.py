#!/usr/bin/env python3
"""Independent reference for tests/iterates.rs: the first steps of each update rule on
f(x) = 0.1 x1^2 + 2 x2^2 from (-5, -2), written from the slide's formulas in plain Python
floats (IEEE double), with no code shared with the crate.

    python3 tests/reference_iterates.py   # prints the Rust constants pasted into tests/iterates.rs
"""
import math

START = (-5.0, -2.0)
STEPS = 5


def grad(x):
    return [0.2 * x[0], 4.0 * x[1]]


def sgd(lr):
    x = list(START)
    out = []
    for _ in range(STEPS):
        dx = grad(x)
        x = [x[i] - lr * dx[i] for i in range(2)]
        out.append(x)
    return out


def momentum(lr, mu):
    x, v = list(START), [0.0, 0.0]
    out = []
    for _ in range(STEPS):
        dx = grad(x)
        for i in range(2):
            v[i] = mu * v[i] - lr * dx[i]
            x[i] += v[i]
        out.append(list(x))
    return out


def nesterov(lr, mu):
    x, v = list(START), [0.0, 0.0]
    out = []
    for _ in range(STEPS):
        dx = grad(x)
        for i in range(2):
            v_prev = v[i]
            v[i] = mu * v[i] - lr * dx[i]
            x[i] += -mu * v_prev + (1 + mu) * v[i]
        out.append(list(x))
    return out


def adagrad(lr, eps):
    x, cache = list(START), [0.0, 0.0]
    out = []
    for _ in range(STEPS):
        dx = grad(x)
        for i in range(2):
            cache[i] += dx[i] * dx[i]
            x[i] += -lr * dx[i] / (math.sqrt(cache[i]) + eps)
        out.append(list(x))
    return out


def rmsprop(lr, decay_rate, eps):
    x, cache = list(START), [0.0, 0.0]
    out = []
    for _ in range(STEPS):
        dx = grad(x)
        for i in range(2):
            cache[i] = decay_rate * cache[i] + (1 - decay_rate) * dx[i] * dx[i]
            x[i] += -lr * dx[i] / (math.sqrt(cache[i]) + eps)
        out.append(list(x))
    return out


def adam(lr, beta1, beta2, eps):
    x, m, v = list(START), [0.0, 0.0], [0.0, 0.0]
    out = []
    for t in range(1, STEPS + 1):
        dx = grad(x)
        for i in range(2):
            m[i] = beta1 * m[i] + (1 - beta1) * dx[i]
            v[i] = beta2 * v[i] + (1 - beta2) * dx[i] * dx[i]
            mb = m[i] / (1 - beta1 ** t)
            vb = v[i] / (1 - beta2 ** t)
            x[i] += -lr * mb / (math.sqrt(vb) + eps)
        out.append(list(x))
    return out


CASES = [
    ("SGD", sgd(0.1)),
    ("MOMENTUM", momentum(0.1, 0.9)),
    ("NESTEROV", nesterov(0.1, 0.9)),
    ("ADAGRAD", adagrad(0.5, 1e-7)),
    ("RMSPROP", rmsprop(0.1, 0.9, 1e-7)),
    ("ADAM", adam(0.1, 0.9, 0.999, 1e-7)),
]

for name, steps in CASES:
    print("const %s: [[f64; 2]; %d] = [" % (name, STEPS))
    for x in steps:
        print("    [%r, %r]," % (x[0], x[1]))
    print("];")
