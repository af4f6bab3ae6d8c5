//===- ToolDiagnostics.cpp - Diagnostics for command-line tools -*- C++ -*-===//

#include "sieve/Support/ToolDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static void printDiagnostic(llvm::StringRef tool, Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
  os << tool << ": ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  if (auto fileLoc = dyn_cast<FileLineColLoc>(diag.getLocation()))
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn() << ": ";
  os << diag.str() << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(tool, note);
}

std::unique_ptr<ScopedDiagnosticHandler>
mlir::sieve::installToolDiagnostics(MLIRContext &context,
                                    llvm::StringRef toolName) {
  // Remarks name the ONNX node; the op they are attached to (which may
  // hold a large constant) is not printed with them.
  context.printOpOnDiagnostic(false);
  std::string tool = toolName.str();
  return std::make_unique<ScopedDiagnosticHandler>(
      &context, [tool](Diagnostic &diag) {
        printDiagnostic(tool, diag);
        return success();
      });
}
