#!/usr/bin/env python3
"""The per-step training losses of two s2s runs (their metrics.jsonl) against written-down
bounds, for launch/gpu-check.sh: each step's loss relative to the reference run's loss of
the same step.

  compare_losses.py RUN.jsonl REFERENCE.jsonl STEPS --label GPU --reference-label CPU \\
      --step1 1e-3 --every 2e-2 [--every-until N] [--tail 1e-2] [--final-mean 1e-1]

checks step 1 <= --step1; every step (up to step --every-until, default all) <= --every;
with --tail, the mean of the last 20 steps' relative differences <= --tail; with
--final-mean, the relative difference of the two runs' mean losses over their last 50 steps
<= --final-mean (the learning outcome, for runs whose late steps are too chaotic to match
one by one). Prints a short report ending in a "verdict LABEL vs REFERENCE-LABEL: ..." line;
exits 0 within the bounds, 1 outside them, 2 when the records are missing (not steps
1..STEPS in both runs). Plain Python, no torch: it runs (and is tested,
tests/launch/compare_losses_test.py) without a GPU.
"""
import argparse
import json
import sys


def train_records(path):
    out = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("kind") == "train":
                out[r["step"]] = r
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run")
    p.add_argument("reference")
    p.add_argument("steps", type=int)
    p.add_argument("--label", default="GPU")
    p.add_argument("--reference-label", default="CPU")
    p.add_argument("--step1", type=float, required=True)
    p.add_argument("--every", type=float, required=True)
    p.add_argument("--every-until", type=int, default=0, help="last step of the --every check (0: all)")
    p.add_argument("--tail", type=float, help="bound on the mean relative difference of the last 20 steps")
    p.add_argument("--final-mean", type=float, help="bound on the relative difference of the last 50 steps' mean losses")
    a = p.parse_args(argv)
    run, ref = train_records(a.run), train_records(a.reference)
    common = sorted(set(run) & set(ref))
    if len(common) != a.steps or not common or common[0] != 1:
        print(f"FAILED: expected train records for steps 1..{a.steps} in both runs, got {len(run)} "
              f"({a.label}) and {len(ref)} ({a.reference_label}), {len(common)} in common")
        return 2
    rel = {s: abs(run[s]["loss"] - ref[s]["loss"]) / abs(ref[s]["loss"]) for s in common}
    until = a.every_until if a.every_until > 0 else common[-1]
    early = [s for s in common if s <= until]
    worst = max(early, key=lambda s: rel[s])
    print(f"{a.label} against {a.reference_label}: steps compared {len(common)} (1..{common[-1]})")
    for s in (1, 2, 10, 50, 100, 200):
        if s in rel:
            print(f"step {s:<4d}        {a.label} {run[s]['loss']:.6f}  {a.reference_label} {ref[s]['loss']:.6f}  "
                  f"rel {rel[s]:.2e}")
    print(f"worst step       {worst} of 1..{until}: rel {rel[worst]:.2e}")
    checks = [(f"step 1 <= {a.step1:g}", rel[1] <= a.step1),
              (f"every step{'' if until == common[-1] else f' to {until}'} <= {a.every:g}", rel[worst] <= a.every)]
    if a.tail is not None:
        last = common[-20:]
        tail_mean = sum(rel[s] for s in last) / len(last)
        print(f"last 20 steps    mean rel {tail_mean:.2e}")
        checks.append((f"last 20 mean <= {a.tail:g}", tail_mean <= a.tail))
    if a.final_mean is not None:
        last = common[-50:]
        mean_run = sum(run[s]["loss"] for s in last) / len(last)
        mean_ref = sum(ref[s]["loss"] for s in last) / len(last)
        final = abs(mean_run - mean_ref) / abs(mean_ref)
        print(f"last 50 steps    mean loss {a.label} {mean_run:.6f}  {a.reference_label} {mean_ref:.6f}  rel {final:.2e}")
        checks.append((f"last 50 mean loss <= {a.final_mean:g}", final <= a.final_mean))
    speed = [r[common[-1]].get("tokens_per_s") for r in (run, ref)]
    if None not in speed:
        print(f"tokens/s         {a.label} {speed[0]:.0f}  {a.reference_label} {speed[1]:.0f} (last logged step)")
    bad = [name for name, ok in checks if not ok]
    print(f"verdict          {a.label} vs {a.reference_label}: "
          + ("within tolerance (" + ", ".join(n for n, _ in checks) + ")" if not bad
             else "OUTSIDE tolerance: " + ", ".join(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
