#!/usr/bin/env python3
"""Writes a batch-1 gated ReLU FFN y = (relu(x Wg + bg) * (x Wu)) Wd
(ReLU-LLaMA form, benchmarks/run.py's gated_ffn_at_density) with d inputs
and d_ff neurons, 10% of them active for its benchmark input.

  make_gated_ffn.py OUTPUT.onnx D D_FF
"""

import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "..", "benchmarks"))
from run import gated_ffn_at_density  # noqa: E402

model, _ = gated_ffn_at_density(1, int(sys.argv[2]), int(sys.argv[3]), 0.1,
                                np.random.default_rng(0))
onnx.save(model, sys.argv[1])
