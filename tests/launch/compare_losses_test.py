#!/usr/bin/env python3
"""launch/compare_losses.py on made-up metrics.jsonl files: within the bounds, outside each
bound, and missing steps (exit codes 0, 1 and 2, and the verdict line that says why), with
the fp32 checks (every step, last-20 mean) and the bf16 ones (early steps, last-50 mean loss)."""
import json
import os
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]
STEPS = 60
FP32 = ["--step1", "1e-3", "--every", "2e-2", "--tail", "1e-2"]
BF16 = ["--step1", "1e-2", "--every", "2e-2", "--every-until", "10", "--final-mean", "1e-1"]


def write(path, losses):
    with open(path, "w") as f:
        f.write(json.dumps({"kind": "valid", "step": 1, "loss": 9.0}) + "\n")  # not a train record
        for step, loss in enumerate(losses, start=1):
            f.write(json.dumps({"kind": "train", "step": step, "loss": loss, "tokens_per_s": 1000.0}) + "\n")


def run(dir, losses, reference, bounds, steps=STEPS):
    a, b = os.path.join(dir, "run.jsonl"), os.path.join(dir, "ref.jsonl")
    write(a, losses)
    write(b, reference)
    p = subprocess.run([sys.executable, SCRIPT, a, b, str(steps), "--label", "GPU"] + bounds,
                       capture_output=True, text=True)
    return p.returncode, p.stdout


def check(name, got, want_code, want_text):
    code, out = got
    if code != want_code or want_text not in out:
        print(f"FAILED {name}: exit {code} (want {want_code}), output:\n{out}")
        return 1
    print(f"ok {name}")
    return 0


def scaled(ref, factor, start=0):
    return [x * (factor if s >= start else 1.0) for s, x in enumerate(ref)]


ref = [4.0 - 0.05 * s for s in range(STEPS)]
failures = 0
with tempfile.TemporaryDirectory() as d:
    failures += check("fp32 within", run(d, scaled(ref, 1.0005), ref, FP32), 0, "GPU vs CPU: within tolerance")
    failures += check("fp32 step 1", run(d, [ref[0] * 1.002] + ref[1:], ref, FP32), 1,
                      "OUTSIDE tolerance: step 1 <= 0.001")
    spike = list(ref)
    spike[44] *= 1.03
    failures += check("fp32 every", run(d, spike, ref, FP32), 1, "OUTSIDE tolerance: every step <= 0.02")
    failures += check("fp32 tail", run(d, scaled(ref, 1.015, 30), ref, FP32), 1,
                      "OUTSIDE tolerance: last 20 mean <= 0.01")
    failures += check("missing", run(d, ref[:20], ref, FP32), 2, "expected train records for steps 1..60")
    # bf16: late steps may wander (here +-30% alternating, the means agree), early ones may not.
    wander = [x * (1.3 if s % 2 else 0.7) if s >= 10 else x for s, x in enumerate(ref)]
    failures += check("bf16 within", run(d, wander, ref, BF16), 0, "within tolerance")
    failures += check("bf16 early", run(d, scaled(ref, 1.03, 5), ref, BF16), 1,
                      "OUTSIDE tolerance: every step to 10 <= 0.02")
    failures += check("bf16 outcome", run(d, scaled(ref, 1.2, 10), ref, BF16), 1,
                      "OUTSIDE tolerance: last 50 mean loss <= 0.1")
sys.exit(1 if failures else 0)
