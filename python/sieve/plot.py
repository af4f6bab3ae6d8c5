#!/usr/bin/env python3
"""Draws the sparsity report: per layer, the density of the constant weights
and the measured density of the activation sites. sieve.analyze(plot=...)
calls draw(); sieve-analyze runs this file (installed beside it as
sieve-analyze-plot.py):

  sieve-analyze-plot.py report.json out.png
"""

import json
import sys

from matplotlib.figure import Figure


def draw(report, path):
    """Writes the PNG to exactly `path` (no extension is added)."""
    weights = report["weights"]
    sites = [s for s in report["activation_sites"] if "density" in s]
    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 2)
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
    fig.savefig(path, dpi=100, format="png")


def main():
    with open(sys.argv[1]) as f:
        draw(json.load(f), sys.argv[2])


if __name__ == "__main__":
    main()
