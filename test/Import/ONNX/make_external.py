#!/usr/bin/env python3
"""Writes models whose initializers are stored as external data.

  make_external.py CASE DIR

CASE good: make_model.py's conv model saved with every tensor in one file
beside it (DIR/model.onnx, DIR/weights.bin). The other cases write the same
model with one thing wrong: absolute, dotdot and symlink locations that
leave DIR, a missing file, a file too short for the data.
"""

import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(__file__))
from make_model import MODELS  # noqa: E402


def save_good(directory):
    os.makedirs(directory, exist_ok=True)
    model = MODELS["conv"]()
    onnx.save_model(model, os.path.join(directory, "model.onnx"),
                    save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)


def relocate(directory, location):
    """Points the first initializer's data at `location`."""
    path = os.path.join(directory, "model.onnx")
    model = onnx.load(path, load_external_data=False)
    for entry in model.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = location
    onnx.save(model, path)


def main():
    case, directory = sys.argv[1], sys.argv[2]
    save_good(directory)
    weights = os.path.join(directory, "weights.bin")
    if case == "absolute":
        relocate(directory, os.path.abspath(weights))
    elif case == "dotdot":
        relocate(directory, "../weights.bin")
    elif case == "symlink":
        outside = os.path.abspath(os.path.join(directory, "..", "outside.bin"))
        os.replace(weights, outside)
        os.symlink(outside, weights)
    elif case == "missing":
        relocate(directory, "nope.bin")
    elif case == "short":
        with open(weights, "r+b") as f:
            f.truncate(os.path.getsize(weights) - 8)


if __name__ == "__main__":
    main()
