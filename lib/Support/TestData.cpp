//===- TestData.cpp - Model inputs and expected outputs ---------*- C++ -*-===//

#include "sieve/Support/TestData.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir::sieve;

bool mlir::sieve::findTestSets(llvm::StringRef dir,
                               std::vector<std::string> &sets,
                               std::string &error) {
  if (!llvm::sys::fs::is_directory(dir)) {
    error = "'" + dir.str() + "' is not a directory";
    return false;
  }
  sets.clear();
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with("test_data_set_"))
      sets.push_back(it->path());
  // In numeric order of the set number (test_data_set_2 before _10), then
  // by name for other suffixes.
  auto number = [](llvm::StringRef path) {
    unsigned n = 0;
    llvm::StringRef suffix = llvm::sys::path::filename(path).drop_front(
        llvm::StringRef("test_data_set_").size());
    return suffix.getAsInteger(10, n) ? std::optional<unsigned>()
                                      : std::optional<unsigned>(n);
  };
  llvm::sort(sets, [&](const std::string &a, const std::string &b) {
    std::optional<unsigned> na = number(a), nb = number(b);
    if (na && nb && *na != *nb)
      return *na < *nb;
    if (na.has_value() != nb.has_value())
      return na.has_value();
    return a < b;
  });
  if (sets.empty() && llvm::sys::fs::exists(dir + "/input_0.pb"))
    sets.push_back(dir.str());
  if (sets.empty() && !llvm::sys::fs::exists(dir + "/output_0.pb")) {
    error = "'" + dir.str() +
            "' holds no test data (test_data_set_*/ or input_*.pb, "
            "output_*.pb)";
    return false;
  }
  if (sets.empty())
    sets.push_back(dir.str()); // A model without inputs.
  return true;
}

bool mlir::sieve::readNumberedTensors(llvm::StringRef dir,
                                      llvm::StringRef prefix,
                                      std::vector<HostTensor> &tensors,
                                      std::string &error) {
  for (int i = 0;; ++i) {
    std::string path =
        (dir + "/" + prefix + "_" + llvm::Twine(i) + ".pb").str();
    if (!llvm::sys::fs::exists(path))
      return true;
    HostTensor t;
    if (!readTensorProtoFile(path, t, error))
      return false;
    tensors.push_back(std::move(t));
  }
}

bool mlir::sieve::readTensorFile(llvm::StringRef path, HostTensor &tensor,
                                 std::string &error) {
  if (path.ends_with(".npy"))
    return readNpyFile(path, tensor, error);
  return readTensorProtoFile(path, tensor, error);
}

bool mlir::sieve::checkOutputPath(llvm::StringRef path, std::string &error) {
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  if (!llvm::sys::fs::is_directory(dir)) {
    error =
        "cannot write '" + path.str() + "': no directory '" + dir.str() + "'";
    return false;
  }
  if (llvm::sys::fs::is_directory(path)) {
    error = "cannot write '" + path.str() + "': it is a directory";
    return false;
  }
  if (llvm::sys::fs::access(dir, llvm::sys::fs::AccessMode::Write)) {
    error = "cannot write '" + path.str() + "': directory '" + dir.str() +
            "' is not writable";
    return false;
  }
  return true;
}

bool mlir::sieve::writeNpyFiles(llvm::StringRef dir,
                                const std::vector<HostTensor> &tensors,
                                std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error = "cannot create '" + dir.str() + "': " + ec.message();
    return false;
  }
  // Each file goes to a temporary name first; all are renamed into place
  // once all are written.
  std::vector<std::pair<std::string, std::string>> written;
  auto removeAll = [&]() {
    for (const auto &[temp, final] : written)
      llvm::sys::fs::remove(temp);
  };
  for (const HostTensor &t : tensors) {
    std::string name = t.name;
    std::replace(name.begin(), name.end(), '/', '_');
    std::string final = (dir + "/" + name + ".npy").str();
    std::string temp = final + ".tmp";
    if (!writeNpyFile(temp, t, error)) {
      llvm::sys::fs::remove(temp);
      removeAll();
      return false;
    }
    written.push_back({temp, final});
  }
  for (const auto &[temp, final] : written)
    if (std::error_code ec = llvm::sys::fs::rename(temp, final)) {
      error = "cannot write '" + final + "': " + ec.message();
      removeAll();
      return false;
    }
  return true;
}

HostTensor mlir::sieve::randomTensor(const TensorSignature &sig,
                                     std::mt19937 &rng) {
  HostTensor t;
  t.name = sig.name;
  t.kind = sig.kind;
  for (int64_t d : sig.shape)
    t.shape.push_back(d < 0 ? 1 : d);
  int64_t width = elementByteWidth(t.kind);
  t.data.resize(t.numElements() * width);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    char *p = t.data.data() + i * width;
    if (t.kind == ElementKind::Float) {
      float v = dist(rng);
      std::memcpy(p, &v, 4);
    } else if (t.kind == ElementKind::Double) {
      double v = dist(rng);
      std::memcpy(p, &v, 8);
    } else if (t.kind == ElementKind::Bool) {
      *p = static_cast<char>(rng() % 2);
    } else {
      // Little-endian: the low bytes of a small value fit every width.
      int64_t v = static_cast<int64_t>(rng() % 4);
      std::memcpy(p, &v, std::min<int64_t>(width, 8));
    }
  }
  return t;
}

bool mlir::sieve::assembleInputs(const ModelSignature &sig,
                                 llvm::ArrayRef<std::string> specs,
                                 std::mt19937 &rng,
                                 std::vector<HostTensor> &inputs,
                                 std::string &error) {
  inputs.clear();
  for (const TensorSignature &in : sig.inputs)
    inputs.push_back(randomTensor(in, rng));
  for (auto [position, spec] : llvm::enumerate(specs)) {
    llvm::StringRef name, path = spec;
    if (path.contains('='))
      std::tie(name, path) = path.split('=');
    size_t index = position;
    if (!name.empty()) {
      auto it = llvm::find_if(
          sig.inputs, [&](const TensorSignature &s) { return s.name == name; });
      if (it == sig.inputs.end()) {
        error = "the model has no input named '" + name.str() + "'";
        return false;
      }
      index = it - sig.inputs.begin();
    }
    if (index >= inputs.size()) {
      error = "too many input files: the model takes " +
              std::to_string(inputs.size()) + " inputs";
      return false;
    }
    HostTensor t;
    if (!readTensorFile(path, t, error))
      return false;
    t.name = sig.inputs[index].name;
    inputs[index] = std::move(t);
  }
  return true;
}

void mlir::sieve::adoptLegacyBFloat16(HostTensor &tensor,
                                      ElementKind modelKind) {
  if (tensor.kind == ElementKind::UInt16 && modelKind == ElementKind::BFloat16)
    tensor.kind = modelKind;
}

TensorComparison mlir::sieve::compareTensors(const HostTensor &got,
                                             const HostTensor &want,
                                             double rtol, double atol) {
  TensorComparison result;
  llvm::raw_string_ostream os(result.summary);
  if (got.shape != want.shape || got.kind != want.kind) {
    os << "MISMATCH: got " << got.describe() << ", expected "
       << want.describe();
    return result;
  }
  result.sameType = true;
  bool isFloat = isFloatElementKind(got.kind);
  // bfloat16 has 8 significant bits: allow one unit in the last place
  // (ONNX 1.12 truncates to bfloat16 where newer ONNX rounds to nearest).
  if (got.kind == ElementKind::BFloat16)
    rtol = std::max(rtol, 1.0 / 128);
  for (int64_t i = 0, n = got.numElements(); i < n; ++i) {
    double a = got.at(i), b = want.at(i);
    bool ok;
    if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
    } else if (std::isinf(a) || std::isinf(b)) {
      ok = a == b;
    } else {
      double diff = std::fabs(a - b);
      result.maxAbsError = std::max(result.maxAbsError, diff);
      if (b != 0)
        result.maxRelError = std::max(result.maxRelError, diff / std::fabs(b));
      ok = isFloat ? diff <= atol + rtol * std::fabs(b) : a == b;
    }
    if (!ok && result.mismatches++ == 0)
      result.firstMismatch = i;
  }
  os << got.describe() << ": max abs error "
     << llvm::format("%.3g", result.maxAbsError) << ", max rel error "
     << llvm::format("%.3g", result.maxRelError);
  if (result.mismatches) {
    os << ": MISMATCH in " << result.mismatches << " of " << got.numElements()
       << " elements (first at flat index " << result.firstMismatch << ": got "
       << got.at(result.firstMismatch) << ", expected "
       << want.at(result.firstMismatch) << ")";
    return result;
  }
  os << ": OK";
  result.ok = true;
  return result;
}
