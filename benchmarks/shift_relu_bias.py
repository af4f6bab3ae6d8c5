#!/usr/bin/env python3
"""Makes a decode-step model's ReLU FFNs sparse the way ProSparse-trained
ReLU LLMs are: each neuron's pre-activation bias is shifted so that it fires
on about `--density` of the tokens of a calibration trajectory. For the
real-model zoo's random-weight OPT and ReLU-LLaMA decode exports (about half
of their neurons fire; trained ReLU LLMs fire ~10%), so that benchmarks/
decode.py can measure them at a realistic density.

Each Relu's producer gets the shift: a Gemm's bias is replaced, a MatMul
(the gated FFN's gate projection) gets an Add of a per-neuron bias. The
calibration trajectories are decoding with onnxruntime from the model's
test_data_set_0 (random tokens: varied text) and test_data_set_2 (greedy); the held-out prompt (test_data_set_1) is copied for
decode.py and its trajectory's density printed. Output, decode.py's layout:
OUT/decode.onnx, OUT/decode/test_data_set_1, OUT/decode-calibrate (the
calibration steps as ONNX test-data sets, for --sparsity=approx).

  shift_relu_bias.py --model build/zoo/opt-decode-ts --out DIR/opt-decode-ts
                     [--density 0.1] [--steps 32]
"""

import argparse
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper


def load_set(directory, names):
    feed = {}
    for i, name in enumerate(names):
        t = onnx.TensorProto()
        with open(os.path.join(directory, f"input_{i}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        feed[name] = numpy_helper.to_array(t)
    return feed


def next_feed(feed, names, outputs, out_names, rng=None):
    """The next decode step's inputs: the greedy token (a random one with
    `rng`), the mask one longer, each past_* the matching present_* output."""
    produced = dict(zip(out_names, outputs))
    logits = outputs[0][:, -1, :]
    token = (np.argmax(logits, axis=-1) if rng is None else
             rng.integers(0, logits.shape[-1], logits.shape[0])).astype(feed[names[0]].dtype)
    nxt = {names[0]: token.reshape(-1, 1)}
    for name in names[1:]:
        if name.startswith("past"):
            nxt[name] = produced["present" + name[len("past"):]]
        elif name == "attention_mask":
            mask = feed[name]
            nxt[name] = np.concatenate([mask, np.ones((mask.shape[0], 1), mask.dtype)], axis=1)
        else:
            sys.exit(f"do not know how to advance input '{name}'")
    return nxt


def trajectory(sess, feed, steps, extra=(), rng=None):
    names = [i.name for i in sess.get_inputs()]
    out_names = [o.name for o in sess.get_outputs()]
    feeds, extras = [], []
    for _ in range(steps):
        feeds.append(feed)
        outputs = sess.run(None, feed)
        extras.append(outputs[len(out_names) - len(extra):])
        feed = next_feed(feed, names, outputs, out_names, rng)
    return feeds, extras


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="a zoo directory (model.onnx, test_data_set_*)")
    p.add_argument("--out", required=True)
    p.add_argument("--density", type=float, default=0.1)
    p.add_argument("--steps", type=int, default=32)
    args = p.parse_args()
    model = onnx.load(os.path.join(args.model, "model.onnx"))
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    inits = {t.name: t for t in graph.initializer}
    relus = [n for n in graph.node if n.op_type == "Relu"]
    if not relus:
        sys.exit("no Relu in the model")
    # Pre-activations as extra outputs, for the calibration run.
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for r in relus:
        probe.graph.output.append(helper.make_tensor_value_info(r.input[0], onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(probe.SerializeToString(), so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    calib_prompt = load_set(os.path.join(args.model, "test_data_set_0"), names)
    feeds, pre = trajectory(sess, calib_prompt, args.steps, extra=relus,
                            rng=np.random.default_rng(0))
    more_feeds, more = trajectory(sess, load_set(os.path.join(args.model, "test_data_set_2"), names),
                                  args.steps, extra=relus)
    feeds += more_feeds
    pre += more
    for k, r in enumerate(relus):
        values = np.concatenate([e[k].reshape(-1, e[k].shape[-1]) for e in pre])
        shift = -np.quantile(values, 1 - args.density, axis=0).astype(np.float32)
        src = producer.get(r.input[0])
        if src is not None and src.op_type == "Gemm" and len(src.input) == 3 and src.input[2] in inits:
            bias = numpy_helper.to_array(inits[src.input[2]]) + shift
            name = src.input[2] + ".shifted"
            graph.initializer.append(numpy_helper.from_array(bias.astype(np.float32), name))
            src.input[2] = name
        else:
            name = r.input[0] + ".shift"
            graph.initializer.append(numpy_helper.from_array(shift, name))
            shifted = r.input[0] + ".shifted"
            add = helper.make_node("Add", [r.input[0], name], [shifted], name=r.name + "/shift")
            graph.node.insert(list(graph.node).index(r), add)
            r.input[0] = shifted
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "decode.onnx")
    onnx.save(model, path)
    # The calibration steps, as test-data sets.
    calib = os.path.join(args.out, "decode-calibrate")
    shutil.rmtree(calib, ignore_errors=True)
    for s, feed in enumerate(feeds):
        d = os.path.join(calib, f"test_data_set_{s}")
        os.makedirs(d)
        for i, n in enumerate(names):
            with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(feed[n]).SerializeToString())
    prompt = os.path.join(args.out, "decode", "test_data_set_1")
    shutil.rmtree(prompt, ignore_errors=True)
    os.makedirs(prompt)
    for i in range(len(names)):
        shutil.copy(os.path.join(args.model, "test_data_set_1", f"input_{i}.pb"), prompt)
    # The held-out density of the shifted model.
    check = onnx.ModelProto()
    check.CopyFrom(model)
    for r in relus:
        check.graph.output.append(helper.make_tensor_value_info(r.output[0], onnx.TensorProto.FLOAT, None))
    sess = ort.InferenceSession(check.SerializeToString(), so, providers=["CPUExecutionProvider"])
    _, post = trajectory(sess, load_set(prompt, names), args.steps, extra=relus)
    for k, r in enumerate(relus):
        active = np.mean([float(np.mean(e[k] > 0)) for e in post])
        print(f"{r.name}: {active:.3f} of the neurons active on the held-out trajectory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
