#!/usr/bin/env python3
# Issue 12: what per-pair dropout masks would cost. Run with the venv python:
#   ~/.cache/s2s/venv/bin/python bench/dropout_mask_cost.py
# Cost of dropout masks derived from (seed, update, pair, position, unit) by a counter hash
# (SplitMix64 finaliser on int64 tensors), against torch's own bernoulli_ masks, one thread.
import time, torch
torch.set_num_threads(1)
M = (1 << 63) - 1
def hashed_mask(seed, update, pair_ids, T, E, p):
    B = pair_ids.numel()
    # a distinct 64-bit counter per element: ((seed*K1 + update)*K2 + pair)*T*E + t*E + e
    base = ((seed * 0x9E3779B97F4A7C15 + update * 0xBF58476D1CE4E5B9) & M)
    x = (pair_ids.view(B, 1, 1) * (T * E) + torch.arange(T).view(1, T, 1) * E + torch.arange(E).view(1, 1, E)) + base
    x = x ^ (x >> 30); x = x * -4658895280553007687   # 0xbf58476d1ce4e5b9 as int64
    x = x ^ (x >> 27); x = x * -7723592293110705685   # 0x94d049bb133111eb
    x = x ^ (x >> 31)
    u = (x >> 11).to(torch.float64) * (1.0 / (1 << 53)) # uniform in [0, 1)
    return (u >= p).to(torch.float32) / (1 - p)
def bernoulli_mask(B, T, E, p):
    return torch.empty(B, T, E).bernoulli_(1 - p) / (1 - p)
def timeit(f, n=20):
    f(); ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2]
for name, B, S, T, E, R in [("small V64 E128 H256", 64, 10, 10, 128, 256), ("large V8000 E256 H512", 64, 30, 30, 256, 512)]:
    ids = torch.arange(B, dtype=torch.int64) * 7919
    sites = [(S, E), (T, E), (T, R)]  # source embeddings, target embeddings, readout input
    h = timeit(lambda: [hashed_mask(1, 5, ids, t, e, 0.1) for t, e in sites])
    b = timeit(lambda: [bernoulli_mask(B, t, e, 0.1) for t, e in sites])
    print(f"{name}: hashed masks {1e3*h:.2f} ms, bernoulli masks {1e3*b:.2f} ms per step (3 sites)")
