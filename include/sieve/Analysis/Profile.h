//===- Profile.h - Calibration profiles -------------------------*- C++ -*-===//
//
// Reads the JSON report that `sieve-analyze --json` writes and attaches its
// measured activation densities to the imported IR (the logic of the
// sieve-apply-profile pass).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_ANALYSIS_PROFILE_H
#define SIEVE_ANALYSIS_PROFILE_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::sieve {

/// Marks every ReLU-like op whose node the profile at `path` lists with
/// `sieve.activation_site = #sieve.activation_site<kind, measured = d>`.
/// Returns the number of sites marked, or -1 with `error` set.
int applyProfile(ModuleOp module, llvm::StringRef path, std::string &error);
/// As applyProfile, from the profile's text; `path` names it in errors.
int applyProfileText(ModuleOp module, llvm::StringRef text,
                     llvm::StringRef path, std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_PROFILE_H
