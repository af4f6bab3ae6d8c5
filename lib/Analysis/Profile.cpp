//===- Profile.cpp - Calibration profiles -----------------------*- C++ -*-===//

#include "sieve/Analysis/Profile.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::sieve;

/// The deepest nesting of arrays and objects in `text` (brackets inside
/// strings do not count). LLVM's JSON parser recurses once per level.
static int64_t jsonNestingDepth(llvm::StringRef text) {
  int64_t depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

/// A profile nests a few levels (report -> sites -> site -> frequencies).
constexpr int64_t kMaxProfileDepth = 64;

int mlir::sieve::applyProfile(ModuleOp module, llvm::StringRef path,
                              std::string &error) {
  // Only regular files: a FIFO or a device would block or never end.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    error = "cannot read '" + path.str() + "': " + ec.message();
    return -1;
  }
  if (!llvm::sys::fs::is_regular_file(status)) {
    error = "cannot read '" + path.str() + "': not a regular file";
    return -1;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return -1;
  }
  return applyProfileText(module, (*buffer)->getBuffer(), path, error);
}

int mlir::sieve::applyProfileText(ModuleOp module, llvm::StringRef text,
                                  llvm::StringRef path, std::string &error) {
  if (jsonNestingDepth(text) > kMaxProfileDepth) {
    error = "'" + path.str() +
            "' is not a sieve-analyze profile (JSON "
            "nested deeper than " +
            std::to_string(kMaxProfileDepth) + " levels)";
    return -1;
  }
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) {
    error = "'" + path.str() + "' is not JSON: " + toString(json.takeError());
    return -1;
  }
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Array *sites =
      root ? root->getArray("activation_sites") : nullptr;
  if (!sites) {
    error = "'" + path.str() +
            "' is not a sieve-analyze profile (no activation_sites)";
    return -1;
  }
  // Entries that cannot apply are warnings, not silent no-ops: a profile
  // of another model, or one edited by hand, would otherwise change
  // nothing without a word.
  struct Entry {
    double density;
    std::string shape;
    bool used = false;
  };
  llvm::StringMap<Entry> entries;
  SmallVector<std::string> invalid;
  for (const llvm::json::Value &site : *sites) {
    const llvm::json::Object *object = site.getAsObject();
    std::optional<llvm::StringRef> node =
        object ? object->getString("node") : std::nullopt;
    std::optional<double> density =
        object ? object->getNumber("density") : std::nullopt;
    if (!node || !density || !(*density >= 0 && *density <= 1)) {
      invalid.push_back(node ? node->str() : "(no node)");
      continue;
    }
    std::optional<llvm::StringRef> shape = object->getString("shape");
    entries[*node] = {*density, shape ? shape->str() : "", false};
  }
  SmallVector<std::string> mismatched;
  int marked = 0;
  module.walk([&](Operation *op) {
    if (op->getNumResults() != 1)
      return;
    auto it = entries.find(onnxNodeName(op->getLoc()));
    if (it == entries.end())
      return;
    std::optional<ActivationKind> kind = reluLikeKind(op->getResult(0));
    if (!kind)
      return;
    it->second.used = true;
    std::string shape = shapeText(cast<ShapedType>(op->getResult(0).getType()));
    if (!it->second.shape.empty() && it->second.shape != shape) {
      mismatched.push_back(it->first().str() + " (" + it->second.shape +
                           " in the profile, " + shape + " here)");
      return;
    }
    op->setAttr("sieve.activation_site",
                ActivationSiteAttr::get(op->getContext(), *kind,
                                        DensitySource::Measured,
                                        it->second.density));
    ++marked;
  });
  auto warn = [&](llvm::StringRef what, ArrayRef<std::string> nodes) {
    if (nodes.empty())
      return;
    std::string list;
    for (auto [i, node] : llvm::enumerate(nodes))
      list += (i ? ", " : "") + node;
    emitWarning(module.getLoc()) << "profile '" << path << "': " << nodes.size()
                                 << " " << what << ": " << list;
  };
  SmallVector<std::string> unused;
  for (const auto &entry : entries)
    if (!entry.second.used)
      unused.push_back(entry.first().str());
  llvm::sort(unused);
  warn("entries without a density in [0, 1], ignored", invalid);
  warn("entries name no ReLU-like node of this model, ignored", unused);
  warn("entries have another shape than the node here, ignored", mismatched);
  return marked;
}
