#!/usr/bin/env python3
"""Builds Sieve's real-model zoo: PyTorch architectures (torchvision CNNs,
Hugging Face transformers) with seeded random weights, exported to ONNX with
both torch.onnx exporters, plus test sets whose expected outputs come from
onnxruntime on the same inputs.

  make_zoo.py --out build/zoo                 # every model (cached)
  make_zoo.py --out build/zoo --only resnet18-ts,opt-dynamo
  make_zoo.py --out build/zoo --only opt-decode-ts   # one KV-cache decode step
  make_zoo.py --list

Each model lands in OUT/<name>/model.onnx (+ model.onnx.data for the dynamo
exporter, which stores weights as external data) with
OUT/<name>/test_data_set_<k>/{input,output}_<i>.pb, the ONNX backend test
layout that `sieve-run --test-data` reads. Models with dynamic batch and
sequence axes get one test set per sequence length (1, 7 and 64), so one
compilation serves all three; the `-decode` models (OPT, the ReLU LLaMA) are
one generation step with the KV cache as inputs and outputs, one test set
per past length (1, 7 and 64). The quantized models are what
onnxruntime's quantizer makes of an export: `-qdq` is quantize_static in the
QDQ format (int8 per-channel weights, uint8 activations calibrated on random
inputs), `-dynq` is quantize_dynamic (DynamicQuantizeLinear + MatMulInteger).
Their expected outputs come from onnxruntime with graph optimizations off,
which runs the ONNX semantics node by node (optimized, it fuses QDQ into
integer kernels that round differently); a QDQ model writes OUT/<name>/
tolerance, the atol run_zoo.py uses: 4 steps of the quantized output, as a
value on the edge of a rounding step may round either way once summation
orders differ, and such flips add up over the layers. A model directory is
rebuilt only when this script or the pinned package versions change
(OUT/<name>/stamp).

No weights are downloaded: `weights=None` and `XxxModel(config)` with small
configs where the full size would be slow to test, keeping every op of the
architecture.
"""

import argparse
import hashlib
import os
import shutil
import sys
import time
import warnings

import numpy as np

SEQ_LENGTHS = (1, 7, 64)
VOCAB = 1000
CNN_RESOLUTION = 224


def stamp_text():
    import onnx
    import onnxruntime
    import torch
    import torchvision
    import transformers
    digest = hashlib.sha256(open(__file__, "rb").read()).hexdigest()[:16]
    return (f"{digest} torch {torch.__version__} torchvision {torchvision.__version__} "
            f"transformers {transformers.__version__} onnx {onnx.__version__} "
            f"onnxruntime {onnxruntime.__version__}\n")


# --------------------------------------------------------------------------
# Model builders: each returns (module, feeds list, input names, output names,
# dynamic axes {input: {axis: name}}).
# --------------------------------------------------------------------------

def cnn(name):
    def build():
        import torch
        import torchvision
        kwargs = {"weights": None}
        if name == "googlenet":
            kwargs.update(aux_logits=False, init_weights=True)
        model = getattr(torchvision.models, name)(**kwargs)
        # Batch-norm statistics from a few random batches, as training would
        # leave them: with the initial ones (mean 0, variance 1) the deep
        # nets' activations shrink layer by layer to ~1e-17 at the logits,
        # where any output matches within tolerance.
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.momentum = None  # a cumulative average
        model.train()
        with torch.no_grad():
            for _ in range(2):
                model(torch.randn(4, 3, CNN_RESOLUTION, CNN_RESOLUTION))
        model.eval()
        rng = np.random.default_rng(1)
        x = rng.standard_normal((1, 3, CNN_RESOLUTION, CNN_RESOLUTION)).astype(np.float32)
        return model, [{"input": x}], ["input"], ["logits"], {}
    return build


def keyword_wrapper(model, keys, use_cache_argument=True):
    """A module that calls a Hugging Face model with its positional inputs
    as the named ones `keys` and returns the first output (last hidden state
    or logits), without a KV cache (`use_cache=False`, for the models that
    take the argument)."""
    import torch

    # ViT's forward takes no use_cache.
    extra = ({} if "pixel_values" in keys or not use_cache_argument
             else {"use_cache": False})

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *args):
            return self.model(**dict(zip(keys, args)), **extra, return_dict=True)[0]

    return Wrapper()


def text_feeds(keys, batch=2):
    """Token ids, an attention mask with a padded tail in the second row,
    token types; one feed dict per sequence length."""
    rng = np.random.default_rng(2)
    feeds = []
    for seq in SEQ_LENGTHS:
        f = {}
        for k in keys:
            if k == "input_ids":
                f[k] = rng.integers(0, VOCAB, (batch, seq)).astype(np.int64)
            elif k == "attention_mask":
                m = np.ones((batch, seq), np.int64)
                if seq > 2:
                    m[1, -(seq // 3):] = 0
                f[k] = m
            elif k == "token_type_ids":
                t = np.zeros((batch, seq), np.int64)
                t[:, seq // 2:] = 1
                f[k] = t
        feeds.append(f)
    return feeds


def hf_model(kind, attention=None):
    """The Hugging Face model of `kind` (small config, seeded random
    weights, eval mode; `attention` an attn_implementation such as "eager")
    and the names of its inputs."""
    import torch
    import transformers as tf
    torch.manual_seed(0)
    keys = ["input_ids", "attention_mask"]
    if kind == "opt":
        model = tf.OPTForCausalLM(tf.OPTConfig(
            vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, ffn_dim=256,
            num_attention_heads=4, max_position_embeddings=128,
            word_embed_proj_dim=64))
    elif kind == "llama-relu":
        model = tf.LlamaForCausalLM(tf.LlamaConfig(
            vocab_size=VOCAB, hidden_size=64, intermediate_size=176,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            hidden_act="relu", max_position_embeddings=128))
    elif kind == "bert":
        model = tf.BertModel(tf.BertConfig(
            vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
            num_attention_heads=4, intermediate_size=256,
            max_position_embeddings=128))
        keys.append("token_type_ids")
    elif kind == "gpt2":
        model = tf.GPT2LMHeadModel(tf.GPT2Config(
            vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128))
    elif kind == "t5-encoder":
        model = tf.T5EncoderModel(tf.T5Config(
            vocab_size=VOCAB, d_model=64, d_ff=256, num_layers=2, num_heads=4,
            d_kv=16, feed_forward_proj="relu"))
    elif kind == "vit":
        model = tf.ViTModel(tf.ViTConfig(
            image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2,
            num_attention_heads=4, intermediate_size=256))
        keys = ["pixel_values"]
    # The "more" group (docs/models.md): architectures whose exports each
    # once stopped the importer or computed wrong results.
    elif kind == "albert":
        # Token types from a buffer: TorchScript's expand(batch, -1) of it.
        model = tf.AlbertModel(tf.AlbertConfig(
            vocab_size=VOCAB, embedding_size=32, hidden_size=64,
            num_hidden_layers=2, num_attention_heads=4, intermediate_size=256,
            max_position_embeddings=128))
    elif kind == "mobilebert":
        # Shifted token embeddings padded along the (dynamic) sequence.
        model = tf.MobileBertModel(tf.MobileBertConfig(
            vocab_size=VOCAB, hidden_size=64, embedding_size=32,
            num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            intra_bottleneck_size=32, true_hidden_size=32,
            max_position_embeddings=128))
        keys.append("token_type_ids")
    elif kind == "wav2vec2":
        # Raw audio through 1-D convolutions; GroupNorm's [0, groups, -1].
        model = tf.Wav2Vec2Model(tf.Wav2Vec2Config(
            hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=128, conv_dim=(32, 32, 32), conv_stride=(5, 2, 2),
            conv_kernel=(10, 3, 3), num_conv_pos_embeddings=16,
            num_conv_pos_embedding_groups=4))
        keys = ["input_values"]
    elif kind == "segformer":
        # Patch maps reshaped to [batch, h, w, -1] between attention stages.
        model = tf.SegformerModel(tf.SegformerConfig(
            num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1],
            hidden_sizes=[16, 32], num_attention_heads=[1, 2],
            patch_sizes=[7, 3], strides=[4, 2], mlp_ratios=[2, 2]))
        keys = ["pixel_values"]
    else:
        raise ValueError(kind)
    if attention:
        model.config._attn_implementation = attention
    model.eval()
    return model, keys


def transformer(kind):
    def build():
        model, keys = hf_model(kind)
        wrapper = keyword_wrapper(model, keys, kind not in MORE_TRANSFORMERS)
        rng = np.random.default_rng(3)
        if keys == ["pixel_values"]:
            size = 64 if kind == "segformer" else 32
            feeds = [{"pixel_values": rng.standard_normal((b, 3, size, size)).astype(np.float32)}
                     for b in (1, 3)]
            dynamic = {"pixel_values": {0: "batch"}}
        elif keys == ["input_values"]:
            feeds = [{"input_values": rng.standard_normal((b, 4000)).astype(np.float32)}
                     for b in (1, 2)]
            dynamic = {"input_values": {0: "batch"}}
        else:
            feeds = text_feeds(keys)
            dynamic = {k: {0: "batch", 1: "sequence"} for k in keys}
        return wrapper, feeds, keys, ["output"], dynamic
    return build


def decoder(kind, attention=None):
    """One decode step of a causal LM with a KV cache: the next token's id
    [batch, 1], the attention mask over past and new tokens [batch, past + 1]
    (the second row left-padded) and each layer's past keys and values
    [batch, kv_heads, past, head_dim] as inputs; the logits and each layer's
    present keys and values (past + 1 positions) as outputs. One test set
    per past length (1, 7 and 64)."""
    def build():
        import torch
        from transformers import DynamicCache
        model, _ = hf_model(kind, attention)
        config = model.config
        layers = config.num_hidden_layers
        heads = config.num_attention_heads
        kv_heads = getattr(config, "num_key_value_heads", None) or heads
        head_dim = config.hidden_size // heads

        class Decode(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            # *args, as the other wrappers: export() gives the dynamo
            # exporter one tuple of every input's dynamic axes.
            def forward(self, *args):
                input_ids, attention_mask, *past = args
                cache = DynamicCache()
                for i in range(layers):
                    cache.update(past[2 * i], past[2 * i + 1], i)
                out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                 past_key_values=cache, use_cache=True, return_dict=True)
                present = []
                for layer in out.past_key_values.layers[:layers]:
                    present += [layer.keys, layer.values]
                return (out.logits, *present)

        past_names = [f"past_{i}_{kv}" for i in range(layers) for kv in ("key", "value")]
        names = ["input_ids", "attention_mask"] + past_names
        outputs = ["logits"] + [n.replace("past_", "present_") for n in past_names]
        rng = np.random.default_rng(4)
        batch = 2
        feeds = []
        for past in SEQ_LENGTHS:
            mask = np.ones((batch, past + 1), np.int64)
            if past > 2:
                mask[1, :past // 3] = 0
            f = {"input_ids": rng.integers(0, VOCAB, (batch, 1)).astype(np.int64),
                 "attention_mask": mask}
            for n in past_names:
                f[n] = rng.standard_normal((batch, kv_heads, past, head_dim)).astype(np.float32)
            feeds.append(f)
        dynamic = {"input_ids": {0: "batch"}, "attention_mask": {0: "batch", 1: "past+1"}}
        for n in past_names:
            dynamic[n] = {0: "batch", 2: "past"}
        return Decode(), feeds, names, outputs, dynamic
    return build


CNNS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1",
        "vgg11", "alexnet", "shufflenet_v2_x1_0", "densenet121", "efficientnet_b0",
        "mnasnet1_0", "googlenet"]
TRANSFORMERS = ["opt", "llama-relu", "bert", "gpt2", "t5-encoder", "vit"]
DECODERS = ["opt", "llama-relu"]
# The "more" group: each once failed (docs/models.md), both exporters; and
# torchvision's Swin-T, dynamo only (28M weights).
MORE_TRANSFORMERS = ["albert", "mobilebert", "wav2vec2", "segformer"]

MODELS = {}
for _n in CNNS:
    for _e in ("ts", "dynamo"):
        MODELS[f"{_n}-{_e}"] = (cnn(_n), _e)
for _n in TRANSFORMERS:
    for _e in ("ts", "dynamo"):
        MODELS[f"{_n}-{_e}"] = (transformer(_n), _e)
for _n in DECODERS:
    for _e in ("ts", "dynamo"):
        # torch.export cannot trace OPT's SDPA call in a decode step (its
        # is_causal becomes a symbolic bool): eager attention there.
        eager = _n == "opt" and _e == "dynamo"
        MODELS[f"{_n}-decode-{_e}"] = (decoder(_n, "eager" if eager else None), _e)
for _n in MORE_TRANSFORMERS:
    for _e in ("ts", "dynamo"):
        MODELS[f"{_n}-{_e}"] = (transformer(_n), _e)
MODELS["swin_t-dynamo"] = (cnn("swin_t"), "dynamo")
# Quantized by onnxruntime.quantization: (builder, exporter, quantization).
MODELS["resnet18-qdq"] = (cnn("resnet18"), "ts", "static")
MODELS["opt-dynq"] = (transformer("opt"), "ts", "dynamic")


def quantize(path, mode, feeds, names):
    """Quantizes the model at `path` in place with onnxruntime's quantizer;
    returns the atol for its outputs (None: the default)."""
    import onnx
    from onnx import numpy_helper
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                          QuantType, quantize_dynamic,
                                          quantize_static)
    import logging
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing"
    quantized = path + ".q.onnx"
    if mode == "dynamic":
        quantize_dynamic(path, quantized, weight_type=QuantType.QInt8)
    else:
        class Calibration(CalibrationDataReader):
            # Random inputs like the test sets', not the test sets: the
            # ranges must not be fitted to the checked inputs.
            def __init__(self):
                rng = np.random.default_rng(3)
                self.sets = iter([{n: rng.standard_normal(v.shape).astype(v.dtype)
                                   for n, v in feeds[0].items()} for _ in range(4)])

            def get_next(self):
                return next(self.sets, None)
        quantize_static(path, quantized, Calibration(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8)
    os.replace(quantized, path)
    if mode == "dynamic":
        return None
    # 4 steps of the dequantized outputs.
    model = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    steps = [float(np.max(inits[n.input[1]])) for n in model.graph.node
             if n.op_type == "DequantizeLinear" and n.input[1] in inits and
             set(n.output) & {o.name for o in model.graph.output}]
    return 4 * max(steps) if steps else None


def export(module, feeds, names, outputs, dynamic, exporter, path):
    import torch
    # The largest feed: torch.export specializes dimensions of size 1.
    example = tuple(torch.from_numpy(feeds[-1][n]) for n in names)
    if exporter == "ts":
        torch.onnx.export(module, example, path, opset_version=17, dynamo=False,
                          input_names=names, output_names=outputs,
                          dynamic_axes=dynamic or None)
        return
    shapes = None
    if dynamic:
        dims = {}

        def dim(label):
            # "past+1": one more than the past length (a derived dimension).
            if label.endswith("+1"):
                return dim(label[:-2]) + 1
            if label not in dims:
                top = {"sequence": 128, "past": 127}.get(label, 64)
                dims[label] = torch.export.Dim(label, min=1, max=top)
            return dims[label]
        spec = []
        for n in names:
            spec.append({axis: dim(label) for axis, label in dynamic.get(n, {}).items()})
        # Only the wrappers have dynamic axes; they take *args, so one tuple
        # entry holds every input's spec.
        shapes = (tuple(spec),)
    torch.onnx.export(module, example, path, opset_version=18, dynamo=True,
                      input_names=names, output_names=outputs, dynamic_shapes=shapes,
                      external_data=True)


def write_tensor(path, array):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def build(name, out, stamp):
    """Builds one model unless its cached copy has this stamp. Several
    tests may ask for the same model at once (lit runs them in parallel):
    one builds it under a lock per model, the others wait and reuse it."""
    import fcntl
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return build_unlocked(name, out, stamp)


def build_unlocked(name, out, stamp):
    import onnxruntime as ort
    import torch
    directory = os.path.join(out, name)
    stamp_path = os.path.join(directory, "stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return "cached"
    shutil.rmtree(directory, ignore_errors=True)
    tmp = directory + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    builder, exporter, *quantization = MODELS[name]
    torch.manual_seed(0)
    module, feeds, names, outputs, dynamic = builder()
    path = os.path.join(tmp, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            export(module, feeds, names, outputs, dynamic, exporter, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        if quantization:
            atol = quantize(path, quantization[0], feeds, names)
            if atol is not None:
                with open(os.path.join(tmp, "tolerance"), "w") as f:
                    f.write(f"{atol:.6g}\n")
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    graph_inputs = [i.name for i in session.get_inputs()]
    for k, feed in enumerate(feeds):
        # The exporter may drop inputs the graph does not use.
        feed = {n: v for n, v in feed.items() if n in graph_inputs}
        expected = session.run(None, feed)
        # A degenerate model (outputs ~0) would match anything within atol.
        scale = max(float(np.max(np.abs(e))) for e in expected if e.size)
        if not scale > 1e-2:
            raise RuntimeError(f"degenerate outputs (max |y| = {scale:.3g}) on set {k}")
        set_dir = os.path.join(tmp, f"test_data_set_{k}")
        os.makedirs(set_dir)
        for i, n in enumerate(graph_inputs):
            write_tensor(os.path.join(set_dir, f"input_{i}.pb"), feed[n])
        for i, value in enumerate(expected):
            write_tensor(os.path.join(set_dir, f"output_{i}.pb"), value)
    with open(os.path.join(tmp, "stamp"), "w") as f:
        f.write(stamp)
    os.rename(tmp, directory)
    return "built"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="directory of the generated models (a cache)")
    p.add_argument("--only", help="comma-separated model names")
    p.add_argument("--list", action="store_true", help="print the model names")
    args = p.parse_args()
    if args.list:
        print("\n".join(MODELS))
        return 0
    if not args.out:
        p.error("--out is required")
    names = args.only.split(",") if args.only else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"unknown models: {', '.join(unknown)} (see --list)")
    stamp = stamp_text()
    failed = []
    for n in names:
        start = time.time()
        try:
            status = build(n, args.out, stamp)
        except Exception as e:  # An exporter failure is reported, not fatal.
            status = f"EXPORT FAILED: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
            failed.append(n)
        print(f"{n}: {status} ({time.time() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
