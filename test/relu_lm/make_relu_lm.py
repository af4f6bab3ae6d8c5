#!/usr/bin/env python3
"""Exports the trained byte-level ReLU LMs (train.py's committed float16
weights, no retraining) to ONNX and writes their test and calibration
data from held-out standard-library text (corpus.py).

  make_relu_lm.py --out build/relu_lm                # both models (cached)
  make_relu_lm.py --out build/relu_lm --only opt

For each model NAME (opt, llama), under OUT/NAME/:
- prefill.onnx: input_ids [batch, sequence] -> logits [batch, sequence, 256];
  prefill/test_data_set_0 (batch 1, sequence 1), _1 (batch 2, sequence 32).
- decode.onnx: one KV-cache decode step, input_ids [batch, 1] and
  past_key_<l>, past_value_<l> [batch, heads, past, head_dim] -> logits
  [batch, 1, 256] and present_key_<l>, present_value_<l> (past + 1);
  decode/test_data_set_0 (batch 1, past 0: the first token, an empty
  past), _1 (batch 1, past 31), _2 (batch 2, past 24), with the past keys
  and values of held-out text.
- calibrate/test_data_set_<k>: held-out windows [4, 128] for
  `sieve-analyze prefill.onnx --calibrate`.
- decode-calibrate/test_data_set_<k>: decode-step inputs for
  `--sparsity=approx --calibrate` on decode.onnx: 45 sets of batch 16 (the
  rows the predictors are fitted on) and then 15 sets of batch 1 (the last
  quarter, which the compile holds out to measure the approximate model,
  one token per call as in generation), past lengths 8-47.
Expected outputs come from onnxruntime. Both graphs are exported by the
TorchScript exporter (opset 17, dynamic axes). Before writing, the export
is checked: onnxruntime's prefill logits equal PyTorch's, and greedy
generation of 20 tokens through decode steps (from an empty past) gives
the tokens and logits of re-running the prefill graph on the whole text.

A model directory is rebuilt only when this script, architectures.py, the
weights or the pinned package versions change (OUT/NAME/stamp).
"""

import argparse
import hashlib
import os
import shutil
import sys
import time
import warnings

import numpy as np

import architectures
import corpus

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = HERE
MODELS = ("opt", "llama")
PREFILL_SETS = ((1, 1), (2, 32))          # (batch, sequence)
DECODE_SETS = ((1, 0), (1, 31), (2, 24))  # (batch, past)
CALIBRATION_SETS, CALIBRATION_SHAPE = 4, (4, 128)
DECODE_CALIBRATION = [16] * 45 + [1] * 15  # batch of each set
GENERATE = 20


def weights_path(name):
    return os.path.join(WEIGHTS, f"{name}.npz")


def stamp_text(name):
    import platform
    import onnx
    import onnxruntime
    import torch
    h = hashlib.sha256()
    for path in (__file__, architectures.__file__, corpus.__file__, weights_path(name)):
        h.update(open(path, "rb").read())
    # The held-out text is this Python's standard library.
    return (f"{h.hexdigest()[:16]} python {platform.python_version()} torch {torch.__version__} "
            f"onnx {onnx.__version__} onnxruntime {onnxruntime.__version__}\n")


class DecodeStep:
    """The model's decode step with flat tensors in and out, for export."""

    def __new__(cls, model):
        import torch

        class Step(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, ids, *flat):
                past = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)]
                logits, presents = self.model(ids, past)
                return (logits, *[t for kv in presents for t in kv])

        return Step()


def decode_names(layers):
    past = [f"past_{kind}_{l}" for l in range(layers) for kind in ("key", "value")]
    present = [f"present_{kind}_{l}" for l in range(layers) for kind in ("key", "value")]
    return ["input_ids"] + past, ["logits"] + present


def export(model, directory):
    import torch
    cfg = model.cfg
    layers, heads, hd = cfg["layers"], cfg["heads"], cfg["d_model"] // cfg["heads"]
    ids = torch.zeros((2, 8), dtype=torch.int64)
    torch.onnx.export(model, (ids,), os.path.join(directory, "prefill.onnx"),
                      opset_version=17, dynamo=False, input_names=["input_ids"],
                      output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "logits": {0: "batch", 1: "sequence"}})
    inputs, outputs = decode_names(layers)
    past = [torch.zeros((2, heads, 5, hd)) for _ in inputs[1:]]
    dynamic = {"input_ids": {0: "batch"}, "logits": {0: "batch"}}
    dynamic.update({n: {0: "batch", 2: "past"} for n in inputs[1:]})
    dynamic.update({n: {0: "batch", 2: "total"} for n in outputs[1:]})
    torch.onnx.export(DecodeStep(model), (ids[:, :1], *past),
                      os.path.join(directory, "decode.onnx"), opset_version=17,
                      dynamo=False, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic)


def session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def decode_feeds(step, ids, cfg):
    """Runs `ids` [batch, n] through decode steps from an empty past; returns
    each step's logits [batch, n, 256] (None when n is 0) and the past
    after the last step (a dict of feeds)."""
    layers, heads, hd = cfg["layers"], cfg["heads"], cfg["d_model"] // cfg["heads"]
    inputs, _ = decode_names(layers)
    past = {n: np.zeros((ids.shape[0], heads, 0, hd), np.float32) for n in inputs[1:]}
    logits = []
    for t in range(ids.shape[1]):
        out = step.run(None, {"input_ids": ids[:, t:t + 1], **past})
        logits.append(out[0])
        past = dict(zip(inputs[1:], out[1:]))
    return (np.concatenate(logits, axis=1) if logits else None), past


def check_export(model, prefill, step, prompt):
    """onnxruntime against PyTorch, and decode steps against prefill, on a
    greedy continuation of `prompt` [1, n]; returns the continuation and
    the largest logit difference between the two paths."""
    import torch
    want = model(torch.from_numpy(prompt)).numpy()
    got = prefill.run(None, {"input_ids": prompt})[0]
    err = float(np.abs(got - want).max())
    if err > 1e-3:
        raise RuntimeError(f"prefill: onnxruntime differs from PyTorch by {err:.3g}")
    # Greedy generation by re-running the prefill graph on the whole text.
    text = prompt
    for _ in range(GENERATE):
        last = prefill.run(None, {"input_ids": text})[0][:, -1]
        text = np.concatenate([text, last.argmax(-1)[:, None]], axis=1)
    full = prefill.run(None, {"input_ids": text[:, :-1]})[0]
    # The same text through decode steps from an empty past: equal logits,
    # and every generated token is the decode step's greedy choice.
    steps, _ = decode_feeds(step, text[:, :-1], model.cfg)
    err = float(np.abs(steps - full).max())
    n = prompt.shape[1]
    choices = steps[0, n - 1:].argmax(-1)
    if err > 1e-3 or not np.array_equal(choices, text[0, n:]):
        raise RuntimeError(f"decode steps differ from prefill (max logit error {err:.3g})")
    return bytes(text[0, n:].astype(np.uint8)), err


def write_tensor(path, array):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def write_set(directory, inputs, outputs):
    os.makedirs(directory)
    for i, a in enumerate(inputs):
        write_tensor(os.path.join(directory, f"input_{i}.pb"), a)
    for i, a in enumerate(outputs):
        write_tensor(os.path.join(directory, f"output_{i}.pb"), a)


def build(name, out, heldout):
    import torch
    directory = os.path.join(out, name)
    stamp = stamp_text(name)
    stamp_path = os.path.join(directory, "stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return "cached"
    shutil.rmtree(directory, ignore_errors=True)
    tmp = directory + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    model = architectures.load_model(name, weights_path(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            export(model, tmp)
    prefill = session(os.path.join(tmp, "prefill.onnx"))
    step = session(os.path.join(tmp, "decode.onnx"))
    # Disjoint held-out windows for each use (seeded offsets).
    prompt = corpus.windows(heldout, 1, 24, seed=10)
    with torch.no_grad():
        continuation, err = check_export(model, prefill, step, prompt)
    for k, (batch, seq) in enumerate(PREFILL_SETS):
        ids = corpus.windows(heldout, batch, seq, seed=20 + k)
        write_set(os.path.join(tmp, "prefill", f"test_data_set_{k}"), [ids],
                  prefill.run(None, {"input_ids": ids}))
    inputs, _ = decode_names(model.cfg["layers"])
    for k, (batch, past_len) in enumerate(DECODE_SETS):
        ids = corpus.windows(heldout, batch, past_len + 1, seed=30 + k)
        _, past = decode_feeds(step, ids[:, :-1], model.cfg)
        feed = {"input_ids": ids[:, -1:], **past}
        write_set(os.path.join(tmp, "decode", f"test_data_set_{k}"),
                  [feed[n] for n in inputs], step.run(None, feed))
    for k in range(CALIBRATION_SETS):
        ids = corpus.windows(heldout, *CALIBRATION_SHAPE, seed=40 + k)
        write_set(os.path.join(tmp, "calibrate", f"test_data_set_{k}"), [ids], [])
    for k, batch in enumerate(DECODE_CALIBRATION):
        past_len = 8 + (k * 13) % 40
        ids = corpus.windows(heldout, batch, past_len + 1, seed=50 + k)
        _, past = decode_feeds(step, ids[:, :-1], model.cfg)
        feed = {"input_ids": ids[:, -1:], **past}
        write_set(os.path.join(tmp, "decode-calibrate", f"test_data_set_{k}"),
                  [feed[n] for n in inputs], [])
    with open(os.path.join(tmp, "stamp"), "w") as f:
        f.write(stamp)
    os.rename(tmp, directory)
    return (f"built; decode steps match prefill (max logit error {err:.2g}); greedy "
            f"continuation of {bytes(prompt[0].astype(np.uint8))!r}: {continuation!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory of the generated models (a cache)")
    p.add_argument("--only", help="comma-separated model names (opt, llama)")
    p.add_argument("--weights", default=HERE, help="directory of NAME.npz (default: beside this script)")
    args = p.parse_args()
    global WEIGHTS
    WEIGHTS = args.weights
    names = args.only.split(",") if args.only else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"unknown models: {', '.join(unknown)}")
    import torch
    torch.set_num_threads(1)
    heldout, _ = corpus.load("heldout")
    for n in names:
        start = time.time()
        print(f"{n}: {build(n, args.out, heldout)} ({time.time() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
