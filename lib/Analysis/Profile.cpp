//===- Profile.cpp - Calibration profiles -----------------------*- C++ -*-===//

#include "sieve/Analysis/Profile.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve;

std::string
mlir::sieve::checkSparsityFlags(llvm::StringRef sparsity,
                                llvm::StringRef profilePath,
                                std::optional<double> weightDensityLimit,
                                std::optional<double> activationDensityLimit) {
  if (sparsity != "off" && sparsity != "exact" && sparsity != "auto")
    return "--sparsity=" + sparsity.str() +
           " is not supported (use off, exact or auto; approx is not "
           "available yet)";
  if (!profilePath.empty() && sparsity != "auto")
    return "--profile is used by --sparsity=auto";
  for (auto [flag, value] :
       {std::pair{"--weight-density-limit", weightDensityLimit},
        std::pair{"--activation-density-limit", activationDensityLimit}}) {
    if (!value)
      continue;
    if (!std::isfinite(*value) || *value < 0)
      return std::string(flag) + " must be a non-negative number, got " +
             std::to_string(*value);
    if (sparsity == "off")
      return std::string(flag) + " is used by --sparsity=exact or auto";
  }
  return "";
}

int mlir::sieve::applyProfile(ModuleOp module, llvm::StringRef path,
                              std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return -1;
  }
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
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
  llvm::StringMap<double> densities;
  for (const llvm::json::Value &site : *sites) {
    const llvm::json::Object *object = site.getAsObject();
    if (!object)
      continue;
    std::optional<llvm::StringRef> node = object->getString("node");
    std::optional<double> density = object->getNumber("density");
    if (node && density && *density >= 0 && *density <= 1)
      densities[*node] = *density;
  }
  int marked = 0;
  module.walk([&](Operation *op) {
    if (op->getNumResults() != 1)
      return;
    auto it = densities.find(onnxNodeName(op->getLoc()));
    if (it == densities.end())
      return;
    std::optional<ActivationKind> kind = reluLikeKind(op->getResult(0));
    if (!kind)
      return;
    op->setAttr("sieve.activation_site",
                ActivationSiteAttr::get(op->getContext(), *kind,
                                        DensitySource::Measured, it->second));
    ++marked;
  });
  return marked;
}
