"""The Python package: sieve.InferenceSession against onnxruntime, its
checks of bad feeds, sparsity modes, threads, sieve.compile and
sieve.analyze."""

import ctypes
import os
import sys
import threading

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import sieve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.join(ROOT, "test", "models", "mnist_mlp", "mnist.onnx")


def ort_run(model, feeds):
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def make_ffn(path, density=0.1, batch="batch", d=64, ff=256, seed=0):
    """y = relu(x W1 + b) W2 with a bias shifted so that about `density` of
    the neurons fire; the batch dimension is symbolic."""
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((d, ff)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.standard_normal((ff, d)) / np.sqrt(ff)).astype(np.float32)
    # A bias at the (1 - density) quantile of a unit normal.
    from statistics import NormalDist
    b = np.full((ff,), -NormalDist().inv_cdf(1 - density), np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="up"),
        helper.make_node("Add", ["h0", "b"], ["h1"], name="bias"),
        helper.make_node("Relu", ["h1"], ["h"], name="relu"),
        helper.make_node("MatMul", ["h", "w2"], ["y"], name="down"),
    ]
    graph = helper.make_graph(
        nodes, "ffn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, d])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
         numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def mnist_session():
    return sieve.InferenceSession(MNIST)


def mnist_input(seed=0):
    return np.random.default_rng(seed).random((1, 1, 28, 28), dtype=np.float32)


def test_inputs_and_outputs_like_onnxruntime(mnist_session):
    ort_session = ort.InferenceSession(MNIST, providers=["CPUExecutionProvider"])
    for ours, theirs in ((mnist_session.get_inputs(), ort_session.get_inputs()),
                         (mnist_session.get_outputs(), ort_session.get_outputs())):
        assert [a.name for a in ours] == [a.name for a in theirs]
        assert [a.type for a in ours] == [a.type for a in theirs]
        assert [a.shape for a in ours] == [a.shape for a in theirs]


def test_run_matches_onnxruntime(mnist_session):
    x = mnist_input()
    got = mnist_session.run(None, {"image": x})
    want = ort_run(MNIST, {"image": x})
    assert len(got) == 1 and got[0].dtype == np.float32
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4, atol=1e-5)
    # By name, and from the serialized model's bytes.
    by_name = mnist_session.run(["prediction"], {"image": x})
    np.testing.assert_array_equal(by_name[0], got[0])
    with open(MNIST, "rb") as f:
        from_bytes = sieve.InferenceSession(f.read())
    np.testing.assert_array_equal(from_bytes.run(None, {"image": x})[0], got[0])


@pytest.mark.parametrize("feed, message", [
    ({"img": np.zeros((1, 1, 28, 28), np.float32)}, "no input named 'img'"),
    ({}, "input 'image' is missing"),
    ({"image": np.zeros((1, 1, 28, 28), np.float64)},
     "input 'image' must be float32, got float64"),
    ({"image": np.zeros((1, 784), np.float32)}, "input 'image' must have rank 4"),
    ({"image": np.zeros((1, 1, 28, 27), np.float32)},
     "input 'image' must have shape [1, 1, 28, 28], got [1, 1, 28, 27]"),
])
def test_bad_feeds_are_value_errors(mnist_session, feed, message):
    with pytest.raises(ValueError) as info:
        mnist_session.run(None, feed)
    assert message in str(info.value)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no output named 'logits'"):
        sieve.InferenceSession(MNIST).run(["logits"],
                                          {"image": mnist_input()})
    with pytest.raises(ValueError, match="sparsity must be one of"):
        sieve.InferenceSession(MNIST, sparsity="fast")
    with pytest.raises(ValueError, match="threads must be a non-negative"):
        sieve.InferenceSession(MNIST, threads=-1)
    with pytest.raises(ValueError, match="threads must be a non-negative"):
        sieve.InferenceSession(MNIST, threads="2")
    with pytest.raises(FileNotFoundError):
        sieve.InferenceSession(str(tmp_path / "missing.onnx"))
    with pytest.raises(ValueError, match="non-negative"):
        sieve.InferenceSession(MNIST, sparsity="exact",
                               activation_density_limit=-1)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(sieve.SieveError):
        sieve.InferenceSession(str(bad))
    with pytest.raises(ValueError, match="max_tensor_bytes must be positive"):
        sieve.InferenceSession(MNIST, max_tensor_bytes=0)
    with pytest.raises(sieve.SieveError, match="more than the limit of 1024 bytes"):
        sieve.InferenceSession(MNIST, max_tensor_bytes=1024)
    # A limit without a sparsity mode is refused by the compile API.
    with pytest.raises(sieve.SieveError, match="is used by --sparsity"):
        sieve.InferenceSession(MNIST, weight_density_limit=0.5)


@pytest.mark.parametrize("sparsity", ["off", "exact", "auto"])
@pytest.mark.parametrize("batch", [1, 4])
def test_sparsity_modes_match_onnxruntime(tmp_path, sparsity, batch):
    model = make_ffn(str(tmp_path / "ffn.onnx"))
    x = np.random.default_rng(batch).standard_normal((batch, 64)).astype(np.float32)
    # Limit 1: the gather path runs whatever the density.
    limit = None if sparsity == "off" else 1.0
    session = sieve.InferenceSession(model, sparsity=sparsity,
                                     activation_density_limit=limit)
    assert session.get_inputs()[0].shape == [None, 64]
    got = session.run(None, {"x": x})[0]
    want = ort_run(model, {"x": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_approx_with_calibration(tmp_path):
    """sparsity="approx" fits predictors on the calibration inputs (here
    random ones, like the model's inputs) and stays close to onnxruntime;
    without calibration inputs it is refused."""
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    from make_predictor_ffn import build
    import argparse
    opts = argparse.Namespace(d=64, n=256, rank=8, noise=0.2, density=0.1,
                              gated=False, seed=1)
    model = str(tmp_path / "pred.onnx")
    onnx.save(build(opts), model)
    with pytest.raises(sieve.SieveError, match="fits its predictors on calibration"):
        sieve.InferenceSession(model, sparsity="approx")
    with pytest.raises(ValueError, match="calibrate_random"):
        sieve.InferenceSession(model, sparsity="approx", calibrate_random=-1)
    session = sieve.InferenceSession(model, sparsity="approx", calibrate_random=64,
                                     activation_density_limit=1.0, threads=1)
    x = np.random.default_rng(5).standard_normal((1, 1, 64)).astype(np.float32)
    got = session.run(None, {"x": x})[0]
    want = ort_run(model, {"x": x})[0]
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 0.2

    # A trained predictor (predictors=) that predicts no neuron active:
    # only the down projection's bias is left.
    from onnx import TensorProto, helper, numpy_helper
    tensors = {"relu.fc1.weight": np.zeros((8, 64), np.float32),
               "relu.fc2.weight": np.zeros((256, 8), np.float32),
               "relu.fc2.bias": -np.ones(256, np.float32)}
    graph = helper.make_graph(
        [helper.make_node("Identity", ["in"], ["out"])], "predictors",
        [helper.make_tensor_value_info("in", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(a, n) for n, a in tensors.items()])
    predictors = str(tmp_path / "predictors.onnx")
    onnx.save(helper.make_model(graph), predictors)
    session = sieve.InferenceSession(model, sparsity="approx", calibrate_random=16,
                                     predictors=predictors,
                                     activation_density_limit=1.0, threads=1)
    b2 = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}["b2"]
    np.testing.assert_allclose(session.run(None, {"x": x})[0][0, 0], b2, rtol=1e-6)
    with pytest.raises(sieve.SieveError, match="--predictors: .* is not a readable file"):
        sieve.InferenceSession(model, sparsity="approx", calibrate_random=16,
                               predictors=str(tmp_path / "missing.onnx"))


def test_threads_and_concurrent_sessions(tmp_path):
    """threads=0, 1 and 2 give the same results, on an FFN large enough for
    parallel loops (a static batch of 16, 256 -> 1024: 4M multiply-adds per
    matmul); sessions run from several Python threads at once (the GIL is
    released during runs, and OpenMP gives each calling thread its own
    team)."""
    model = make_ffn(str(tmp_path / "ffn.onnx"), batch=16, d=256, ff=1024)
    x = np.random.default_rng(3).standard_normal((16, 256)).astype(np.float32)
    want = ort_run(model, {"x": x})[0]
    sessions = [sieve.InferenceSession(model, threads=t) for t in (0, 1, 2)]
    results = [None] * 6

    def work(i):
        results[i] = sessions[i % 3].run(None, {"x": x})[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_allclose(r, want, rtol=1e-4, atol=1e-5)


def test_compile_shared_library(tmp_path):
    out = tmp_path / "mnist.so"
    assert sieve.compile(MNIST, str(out), sparsity="exact") == str(out)
    assert out.exists() and (tmp_path / "mnist.h").exists()
    # The library runs: call its _mlir_ciface_<entry> with memref
    # descriptors, as the generated header's mnist_run does.
    assert "_mlir_ciface_mnist" in (tmp_path / "mnist.h").read_text()

    def memref(rank):
        class MemRef(ctypes.Structure):
            _fields_ = [("allocated", ctypes.c_void_p),
                        ("aligned", ctypes.c_void_p),
                        ("offset", ctypes.c_int64),
                        ("sizes", ctypes.c_int64 * rank),
                        ("strides", ctypes.c_int64 * rank)]
        return MemRef

    x = mnist_input(5)
    image = memref(4)(x.ctypes.data, x.ctypes.data, 0, (1, 1, 28, 28),
                      (784, 784, 28, 1))

    class Results(ctypes.Structure):
        _fields_ = [("prediction", memref(2))]

    results = Results()
    lib = ctypes.CDLL(str(out))
    lib._mlir_ciface_mnist(ctypes.byref(results), ctypes.byref(image))
    p = results.prediction
    assert tuple(p.sizes) == (1, 10)
    y = np.ctypeslib.as_array(ctypes.cast(p.aligned, ctypes.POINTER(ctypes.c_float)),
                              shape=(10,)).copy()
    ctypes.CDLL(None).free(ctypes.c_void_p(p.allocated))
    np.testing.assert_allclose(y, ort_run(MNIST, {"image": x})[0][0],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(sieve.SieveError, match="unknown output format"):
        sieve.compile(MNIST, str(tmp_path / "mnist.exe"))
    assert not (tmp_path / "mnist.exe").exists()


def test_compile_sve_vector_bits(tmp_path):
    # The field reaches the compiler: SVE code for 512-bit vectors, none
    # with 0, the CPU's own length (256 on a Neoverse V1) by default.
    def ir(**kwargs):
        out = tmp_path / "mnist.ll"
        sieve.compile(MNIST, str(out), target="aarch64", cpu="neoverse-v1",
                      **kwargs)
        return out.read_text()
    assert "vscale_range(4,16)" in ir(sve_vector_bits=512)
    assert "vscale_range(2,16)" in ir()
    assert "vscale_range" not in ir(sve_vector_bits=0)
    with pytest.raises(sieve.SieveError, match="needs a CPU with SVE"):
        sieve.compile(MNIST, str(tmp_path / "x.ll"), target="aarch64",
                      cpu="neoverse-n1", sve_vector_bits=256)
    with pytest.raises(ValueError, match="non-negative integer"):
        sieve.compile(MNIST, str(tmp_path / "x.ll"), target="aarch64",
                      sve_vector_bits=-2)


def test_emulated_gpu_device(tmp_path):
    """device="emulated-gpu" compiles with the GPU pipeline and runs its
    kernels on the CPU: exact sparsity and approx (below 32 rows the
    predicted neurons at every density) as on the CPU."""
    model = make_ffn(str(tmp_path / "ffn.onnx"))
    x = np.random.default_rng(3).standard_normal((2, 64)).astype(np.float32)
    want = ort_run(model, {"x": x})[0]
    for sparsity in ("off", "exact"):
        session = sieve.InferenceSession(model, sparsity=sparsity,
                                         device="emulated-gpu")
        np.testing.assert_allclose(session.run(None, {"x": x})[0], want,
                                   rtol=1e-4, atol=1e-5)
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    from make_predictor_ffn import build
    import argparse
    opts = argparse.Namespace(d=128, n=256, rank=8, noise=0.2, density=0.1,
                              gated=True, activation="relu", seed=1)
    pred = str(tmp_path / "pred.onnx")
    onnx.save(build(opts), pred)
    xs = np.random.default_rng(5).standard_normal((1, 2, 128)).astype(np.float32)
    gpu = sieve.InferenceSession(pred, sparsity="approx", calibrate_random=32,
                                 device="emulated-gpu").run(None, {"x": xs})[0]
    cpu = sieve.InferenceSession(pred, sparsity="approx", calibrate_random=32,
                                 activation_density_limit=1.0,
                                 threads=1).run(None, {"x": xs})[0]
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-5)


def test_gpu_arguments(tmp_path):
    with pytest.raises(ValueError, match="device must be one of"):
        sieve.InferenceSession(MNIST, device="tpu")
    with pytest.raises(ValueError, match="gpu_arch is used by device"):
        sieve.InferenceSession(MNIST, gpu_arch="sm_80")
    with pytest.raises(ValueError, match="threads is for device"):
        sieve.InferenceSession(MNIST, device="emulated-gpu", threads=2)
    with pytest.raises(sieve.SieveError, match="sm_70 is not supported"):
        sieve.InferenceSession(MNIST, device="emulated-gpu", gpu_arch="sm_70")
    # device="cuda": the GPU where there is one, else an error saying why.
    try:
        session = sieve.InferenceSession(MNIST, device="cuda")
    except sieve.SieveError as e:
        assert "cannot run on the GPU" in str(e)
    else:
        x = mnist_input()
        np.testing.assert_allclose(session.run(None, {"image": x})[0],
                                   ort_run(MNIST, {"image": x})[0],
                                   rtol=1e-4, atol=1e-5)
    # Ahead of time: PTX for the architecture asked for.
    out = tmp_path / "mnist.ptx"
    sieve.compile(MNIST, str(out), target="nvptx", gpu_arch="sm_80")
    assert ".target sm_80" in out.read_text()
    with pytest.raises(sieve.SieveError, match="--gpu-arch is used by --target=nvptx"):
        sieve.compile(MNIST, str(tmp_path / "x.so"), gpu_arch="sm_80")


def test_analyze_report(tmp_path):
    plot = tmp_path / "density.png"
    report = sieve.analyze(MNIST, random=5, plot=str(plot))
    assert report["calibration_runs"] == 5
    sites = report["activation_sites"]
    assert [s["node"] for s in sites] == ["Relu_4"]
    assert 0 < sites[0]["density"] < 1
    assert {w["node"] for w in report["weights"]} == {"Gemm_3", "Gemm_5"}
    assert plot.exists() and plot.stat().st_size > 0


def test_analyze_checks_arguments(tmp_path):
    with pytest.raises(ValueError, match="either random or calibrate"):
        sieve.analyze(MNIST, random=2, calibrate=str(tmp_path))
    with pytest.raises(ValueError, match="at least 1 run"):
        sieve.analyze(MNIST, random=0)
    with pytest.raises(ValueError, match="plot needs measured densities"):
        sieve.analyze(MNIST, plot=str(tmp_path / "x.png"))
    with pytest.raises(ValueError, match="is a directory"):
        sieve.analyze(MNIST, random=1, plot=str(tmp_path))
    with pytest.raises(sieve.SieveError, match="is not a directory"):
        sieve.analyze(MNIST, calibrate=str(tmp_path / "missing"))
    # Without calibration: the weights and the sites, no densities.
    report = sieve.analyze(MNIST)
    assert report["calibration_runs"] == 0
    assert "density" not in report["activation_sites"][0]
    assert report["activation_sites"][0]["neurons"] == 128


@pytest.mark.parametrize("seq", [1, 7, 64])
def test_dynamic_sequence_axis(tmp_path, seq):
    """A [batch, seq, d] FFN block with symbolic batch and sequence axes
    compiles once and runs at any length, like onnxruntime."""
    import subprocess
    import sys
    model = str(tmp_path / "seq.onnx")
    subprocess.run([sys.executable, os.path.join(ROOT, "test", "e2e", "make_seq_ffn.py"),
                    model], check=True)
    session = sieve.InferenceSession(model)
    assert session.get_inputs()[0].shape == [None, None, 64]
    x = np.random.default_rng(seq).standard_normal((2, seq, 64)).astype(np.float32)
    got = session.run(None, {"x": x})[0]
    np.testing.assert_allclose(got, ort_run(model, {"x": x})[0], rtol=1e-4, atol=1e-5)
