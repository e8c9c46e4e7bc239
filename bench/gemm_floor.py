#!/usr/bin/env python3
"""How fast can one training step be on this CPU? The GEMM floor of s2s's step.

Issue 16 asks for 1.5x eager PyTorch. Both sides run the same MKL GEMMs, so the question
before any further lever is: how long do the step's matrix products alone take, at the
shapes the step runs them, on one thread of this machine? If that floor is above the time
1.5x needs, no rearrangement of the elementwise work can reach it; only changing the GEMM
shapes can (batching products over time steps where the recurrence allows it).

For a model shape (flags as bench/torch_reference.py) the script lists every matrix product
of one training step (forward, and the two products of each backward: gradient of the
input dX and of the weight dW), as s2s computes them on the CPU today:

    encoder   bi-GRU/LSTM by ATen's RNN: input projection of all steps as one GEMM per
              direction; recurrent projection per step (its dW per step, accumulated)
    decoder   embedding half of layer 0's input projection as one GEMM over all steps;
              per step: [W; W_hh] s_{t-1} (one GEMM), v^T tanh(.), the context bmm, the
              context half of the input projection (dW of each per step)
    readout, output layer, keys U h_j, initial state: one GEMM each over all positions

times each distinct product with torch.mm/bmm on one thread (best of --reps after a
warm-up, operands of the step's real layout: Linear's weight transposed, dW = dY^T X), and
prints the floor (sum of count x time), the same with every per-step weight gradient
batched over the time steps (one (n x BT) @ (BT x k) GEMM per weight: the lever a
hand-written decoder/encoder backward would pull), and, with --s2s-ms / --torch-ms (CPU ms
per step from `s2s bench` and torch_reference.py), how those compare with 1.5x.

Not counted: everything that is not a matrix product (gates, tanh, softmax, loss, Adam,
copies, autograd). So the floor is a lower bound; the real step is above it.

    ~/.cache/s2s/venv/bin/python bench/gemm_floor.py --vocab 8000 --embed 256 --hidden 512 \
        --attention 512 --decoder-hidden 512 --readout tanh --src-len 30 --tgt-len 30
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_reference  # noqa: E402  (next to this file)


def parse_args(argv):
    """This tool's own flags; the model and batch flags are bench/torch_reference.py's (the
    same names, defaults and checks), so a shape means the same thing to both."""
    p = torch_reference.OneLineParser(description=__doc__.split("\n")[0], add_help=False)
    p.add_argument("--reps", type=int, default=7, help="timed repetitions per product (best taken)")
    p.add_argument("--s2s-ms", type=float, default=None, help="s2s's CPU ms per step, to compare")
    p.add_argument("--torch-ms", type=float, default=None, help="the reference's CPU ms per step")
    p.add_argument("--json", action="store_true")
    p.add_argument("--self-check", action="store_true",
                   help="check that the products add up to bench/FLOPS.md's formula; exit 1 if not")
    own, rest = p.parse_known_args(argv)
    if "-h" in rest or "--help" in rest:
        p.print_help()  # then torch_reference's, which exits
    o = torch_reference.parse_args(rest)
    if o.encoder_layers != 1 or o.decoder_layers != 1:
        p.error("--encoder-layers/--decoder-layers: the products listed are those of one layer each")
    for name, value in vars(own).items():
        setattr(o, name, value)
    return o


def products(o):
    """The step's matrix products: (group, kind, shape, count, per_step_weight_grad).

    shape is ("mm", m, k, n) for an (m x k) @ (k x n) product or ("bmm", b, m, k, n).
    per_step_weight_grad marks the dW products that run once per time step today and that
    one GEMM over all steps could replace; ("mm", n, B, k) x T becomes ("mm", n, B*T, k).
    """
    G = 4 if o.cell == "lstm" else 3
    E, H, A, D, V, B = o.embed, o.hidden, o.attention, o.decoder_hidden, o.vocab, o.batch
    S, T = o.src_len, o.tgt_len
    R2 = 2 * o.readout_dim if o.readout == "maxout" else o.readout_dim
    R = o.readout_dim
    out = []

    def linear(group, m, k, n, count=1, per_step=False):
        # Y (m x n) = X (m x k) @ W^T; backward dX = dY @ W, dW = dY^T @ X.
        out.append((group, "fwd", ("mm", m, k, n), count, False))
        out.append((group, "dX", ("mm", m, n, k), count, False))
        out.append((group, "dW", ("mm", n, m, k), count, per_step))

    for _ in range(2):  # the two encoder directions
        linear("encoder input projection", B * S, E, G * H)
        linear("encoder recurrent projection", B, H, G * H, count=S, per_step=True)
    linear("initial state", B, H, D)
    linear("attention keys U h", B * S, 2 * H, A)
    linear("decoder embedding gates", B * T, E, G * D)
    linear("decoder [W; W_hh] s_t-1", B, D, A + G * D, count=T, per_step=True)
    linear("attention energies v", B * S, A, 1, count=T, per_step=True)
    # context c_t = alpha_t (B, 1, S) @ h (B, S, 2H); backward: d alpha = dc @ h^T,
    # d h = alpha^T @ dc (accumulated over steps: it is the annotations' gradient).
    out.append(("attention context", "fwd", ("bmm", B, 1, S, 2 * H), T, False))
    out.append(("attention context", "dX", ("bmm", B, 1, 2 * H, S), T, False))
    out.append(("attention context", "dW", ("bmm", B, S, 1, 2 * H), T, True))
    linear("decoder context gates", B, 2 * H, G * D, count=T, per_step=True)
    linear("readout", B * T, D + E + 2 * H, R2)
    linear("output layer", B * T, R, V)
    return out


def batched(shape, steps):
    """The per-step weight-gradient product as one product over all steps."""
    if shape[0] == "mm":
        _, n, m, k = shape
        return ("mm", n, m * steps, k)
    _, b, m, k, n = shape  # bmm (S x 1) @ (1 x 2H) per step: one (S x T) @ (T x 2H) per row
    return ("bmm", b, m, k * steps, n)


def operands(shape):
    if shape[0] == "mm":
        _, m, k, n = shape
        # b as a transposed (n x k) weight: Linear's layout; MKL takes the flag.
        return torch.randn(m, k), torch.randn(n, k).t()
    _, b, m, k, n = shape
    return torch.randn(b, m, k), torch.randn(b, k, n)


def seconds(shape, reps):
    a, b = operands(shape)
    f = torch.mm if shape[0] == "mm" else torch.bmm
    out = f(a, b)
    for _ in range(2):
        f(a, b, out=out)
    # Short products are timed in groups so the clock's resolution does not matter.
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            f(a, b, out=out)
        if time.perf_counter() - t0 > 0.02 or inner >= 1 << 14:
            break
        inner *= 4
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            f(a, b, out=out)
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def flops(shape):
    if shape[0] == "mm":
        _, m, k, n = shape
        return 2 * m * k * n
    _, b, m, k, n = shape
    return 2 * b * m * k * n


def self_check(o):
    """The product list must be the model: its forward FLOPs x 3 are FLOPS.md's formula.

    Checked for the shape given and for odd sizes (a swapped letter shows), GRU and LSTM,
    tanh and maxout, fixed lengths (N_src = B * S: the padded encoder of the CPU path).
    """
    odd = ["--vocab", "30", "--embed", "8", "--hidden", "6", "--attention", "5",
           "--decoder-hidden", "7", "--readout-dim", "4", "--batch", "3", "--src-len", "4",
           "--tgt-len", "9"]
    shapes = [o] + [parse_args(odd + ["--cell", c, "--readout", r])
                    for c in ("gru", "lstm") for r in ("tanh", "maxout")]
    failures = 0
    for s in shapes:
        fwd = sum(count * flops(shape) for _, kind, shape, count, _ in products(s) if kind == "fwd")
        want = torch_reference.flops_per_step(s, s.batch, s.src_len, s.tgt_len, s.batch * s.src_len)["total"]
        ok = 3 * fwd == want
        failures += not ok
        print(f"self-check {s.cell} {s.readout} V{s.vocab} E{s.embed} H{s.hidden} A{s.attention} "
              f"D{s.decoder_hidden}: 3 x forward products {3 * fwd} FLOPs, FLOPS.md {want}: "
              f"{'ok' if ok else 'MISMATCH'}")
    return 1 if failures else 0


def main(argv):
    o = parse_args(argv)
    if o.self_check:
        return self_check(o)
    torch.set_num_threads(o.threads)
    torch.manual_seed(0)
    cache = {}

    def timed(shape):
        if shape not in cache:
            cache[shape] = seconds(shape, o.reps)
        return cache[shape]

    peak_shape = ("mm", 2048, 2048, 2048)
    peak = flops(peak_shape) / timed(peak_shape)
    groups = {}
    today = batched_total = 0.0
    step_flops = 0
    for group, kind, shape, count, per_step in products(o):
        t = count * timed(shape)
        steps = o.src_len if group.startswith("encoder") else o.tgt_len
        tb = timed(batched(shape, steps)) * count / steps if per_step else t
        g = groups.setdefault(group, {"ms": 0.0, "ms_batched": 0.0, "gflop": 0.0})
        g["ms"] += 1e3 * t
        g["ms_batched"] += 1e3 * tb
        g["gflop"] += 1e-9 * count * flops(shape)
        today += t
        batched_total += tb
        step_flops += count * flops(shape)

    result = {
        "peak_gflops": peak / 1e9,
        "step_gflop": step_flops / 1e9,
        "floor_ms": 1e3 * today,
        "floor_ms_weight_grads_batched": 1e3 * batched_total,
        "groups": groups,
    }
    for name, ms in (("s2s", o.s2s_ms), ("torch", o.torch_ms)):
        if ms:
            result[name + "_ms"] = ms
    if o.torch_ms:
        result["target_ms_1_5x"] = o.torch_ms / 1.5
    if o.json:
        print(json.dumps(result))
        return 0

    print(f"GEMM peak (2048^3, {o.threads} thread): {peak / 1e9:.1f} GFLOP/s; "
          f"step: {step_flops / 1e9:.2f} GFLOP of matrix products")
    print(f"{'products':34} {'GFLOP':>7} {'ms today':>9} {'GFLOP/s':>8} {'ms, dW batched':>15}")
    for group, g in groups.items():
        rate = g["gflop"] / (g["ms"] / 1e3)
        print(f"{group:34} {g['gflop']:7.2f} {g['ms']:9.1f} {rate:8.1f} {g['ms_batched']:15.1f}")
    print(f"{'GEMM floor of the step':34} {step_flops / 1e9:7.2f} {1e3 * today:9.1f} "
          f"{step_flops / today / 1e9:8.1f} {1e3 * batched_total:15.1f}")
    if o.torch_ms:
        print(f"eager PyTorch step {o.torch_ms:.0f} ms; 1.5x needs {o.torch_ms / 1.5:.0f} ms "
              f"= {o.torch_ms / 1.5 / (1e3 * today):.2f}x the floor today, "
              f"{o.torch_ms / 1.5 / (1e3 * batched_total):.2f}x the batched floor")
    if o.s2s_ms:
        print(f"s2s step {o.s2s_ms:.0f} ms = {o.s2s_ms / (1e3 * today):.2f}x the floor today "
              f"(the rest: everything that is not a matrix product, and products slower in "
              f"the step than alone)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
