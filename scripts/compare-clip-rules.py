#!/usr/bin/env python3
"""Clip decision rules compared on the estimates `sers evaluate --estimates` wrote.

    scripts/compare-clip-rules.py EVALUATE_OUT [WINDOW]

EVALUATE_OUT holds predictions.csv (targets) and estimates.csv (every estimate of every clip); WINDOW is the model's
K (chunks.maxChunks, 5 for the bundled model). Prints the macro F1 and accuracy of each rule, and how often the
top label of the n-th speech estimate of a clip is fear. Choose a rule on development speakers, never on test ones.
"""
import collections
import csv
import math
import os
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    window = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with open(os.path.join(out, "predictions.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    labels = [c[2:] for c in rows[0].keys() if c.startswith("p_")]
    target = {r["path"]: labels.index(r["target"]) for r in rows}
    estimates = collections.defaultdict(list)
    with open(os.path.join(out, "estimates.csv"), newline="") as f:
        for r in csv.DictReader(f):
            estimates[r["path"]].append((int(r["sequence"]), r["speech"] == "1", [float(r["p_" + l]) for l in labels]))

    def speech(es):
        s = [e for e in es if e[1]]
        return s or es

    def mean(es, weights=None):
        weights = weights or [1.0] * len(es)
        return [sum(w * e[2][k] for w, e in zip(weights, es)) / sum(weights) for k in range(len(labels))]

    def full(es):
        s = speech(es)
        return [e for e in s if e[0] >= window - 1] or s

    rules = {
        "mean of speech estimates": lambda es: mean(speech(es)),
        "mean of speech estimates with a full window": lambda es: mean(full(es)),
        "weighted by the window's chunk count": lambda es: mean(speech(es), [min(e[0] + 1, window) for e in speech(es)]),
        "last speech estimate": lambda es: speech(es)[-1][2],
        "geometric mean of speech estimates": lambda es: [sum(math.log(max(e[2][k], 1e-9)) for e in speech(es)) for k in range(len(labels))],
    }
    for name, rule in rules.items():
        matrix = [[0] * len(labels) for _ in labels]
        for path, t in target.items():
            p = rule(sorted(estimates[path]))
            matrix[t][max(range(len(labels)), key=lambda k: p[k])] += 1
        f1 = []
        for k in range(len(labels)):
            tp = matrix[k][k]
            fp = sum(matrix[i][k] for i in range(len(labels))) - tp
            fn = sum(matrix[k]) - tp
            f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        accuracy = sum(matrix[k][k] for k in range(len(labels))) / len(target)
        print(f"{name:45s} macro F1 {100 * sum(f1) / len(f1):5.1f} %  accuracy {100 * accuracy:5.1f} %")

    if "FEA" in labels:
        fear = labels.index("FEA")
        by_position = collections.defaultdict(lambda: [0, 0])
        for es in estimates.values():
            for e in sorted(es):
                if e[1]:
                    n = min(e[0], 8)
                    by_position[n][0] += 1
                    by_position[n][1] += max(range(len(labels)), key=lambda k: e[2][k]) == fear
        print("top label fear, by estimate sequence (8 = 8 and later): " + ", ".join(f"{n}: {100 * f / c:.0f} %" for n, (c, f) in sorted(by_position.items())))


if __name__ == "__main__":
    main()
