//===- Profile.h - Calibration profiles -------------------------*- C++ -*-===//
//
// Reads the JSON report that `sieve-analyze --json` writes and attaches its
// measured activation densities to the imported IR.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_ANALYSIS_PROFILE_H
#define SIEVE_ANALYSIS_PROFILE_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::sieve {

/// The help texts of the sparsity flags that sievec and sieve-run share.
namespace flag_help {
inline constexpr const char kSparsity[] =
    "Sparsity rewrites: off (default), auto (exact where the cost model and "
    "--profile say it pays), or exact (a matmul that consumes a ReLU reads "
    "only the weight rows of active neurons, with a run-time fallback to the "
    "dense matmul; a MatMul/Gemm with a sparse constant weight runs a packed "
    "sparse kernel; results equal the dense ones up to float rounding)";
inline constexpr const char kProfile[] =
    "With --sparsity=auto: the measured activation densities of a "
    "`sieve-analyze --json` report; sites measured denser than the cost "
    "model's limit stay dense";
inline constexpr const char kActivationDensityLimit[] =
    "With --sparsity=exact|auto: the fraction of active neurons above which "
    "a ReLU-fed matmul takes its dense path at run time, overriding the "
    "cost model (default: the cost model decides; 1 always gathers; for "
    "experiments)";
inline constexpr const char kWeightDensityLimit[] =
    "With --sparsity=exact|auto: pack constant matmul weights whose packed "
    "density (non-zeros padded to groups of 16, over the weight's size) is "
    "at most this, overriding the cost model (default: the cost model "
    "decides; for experiments)";
} // namespace flag_help

/// The value of a command-line option (llvm::cl::opt<double>) when the user
/// gave it.
template <typename Option>
std::optional<double> givenValue(const Option &option) {
  if (option.getNumOccurrences() == 0)
    return std::nullopt;
  return double(option);
}

/// Checks the sparsity flags that sievec and sieve-run take (--sparsity,
/// --profile, and the density limits when given: finite, non-negative, and
/// only with --sparsity=exact or auto); returns the error message, or an
/// empty string when they are valid.
std::string
checkSparsityFlags(llvm::StringRef sparsity, llvm::StringRef profilePath,
                   std::optional<double> weightDensityLimit = {},
                   std::optional<double> activationDensityLimit = {});

/// Marks every ReLU-like op whose node the profile at `path` lists with
/// `sieve.activation_site = #sieve.activation_site<kind, measured = d>`.
/// Returns the number of sites marked, or -1 with `error` set.
int applyProfile(ModuleOp module, llvm::StringRef path, std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_PROFILE_H
