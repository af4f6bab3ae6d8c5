#!/usr/bin/env python3
"""Draws sieve-analyze's JSON report: per layer, the density of the constant
weights and the measured density of the activation sites.

  sieve-analyze-plot.py report.json out.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    report = json.load(open(sys.argv[1]))
    weights = report["weights"]
    sites = [s for s in report["activation_sites"] if "density" in s]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.bar(range(len(weights)), [w["density"] for w in weights], color="tab:blue")
    ax.set_xticks(range(len(weights)))
    ax.set_xticklabels([f'{w["node"]}\n{w["pattern"]}' for w in weights], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fraction non-zero")
    ax.set_title("Weight density per layer")
    ax = axes[1]
    ax.bar(range(len(sites)), [s["density"] for s in sites], color="tab:orange")
    ax.set_xticks(range(len(sites)))
    ax.set_xticklabels([f'{s["node"]}\n{s["activation"]}' for s in sites], fontsize=8)
    ax.set_ylim(0, 1.05)
    runs = report["calibration_runs"]
    ax.set_title(f'Measured activation density ({runs} run{"" if runs == 1 else "s"})')
    fig.suptitle(report["model"].split("/")[-1])
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
