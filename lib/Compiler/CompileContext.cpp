//===- CompileContext.cpp - An MLIRContext for the compile API --*- C++ -*-===//

#include "CompileContext.h"

#include "sieve/Registration.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::sieve;

static MessageKind messageKind(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return MessageKind::Error;
  case DiagnosticSeverity::Warning:
    return MessageKind::Warning;
  case DiagnosticSeverity::Remark:
    return MessageKind::Remark;
  case DiagnosticSeverity::Note:
    return MessageKind::Note;
  }
  return MessageKind::Error;
}

void mlir::sieve::forwardDiagnostic(Diagnostic &diag,
                                    const MessageHandler &onMessage) {
  // Locations that are ONNX node names are already part of the importer's
  // messages; source positions are named.
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto fileLoc = dyn_cast<FileLineColLoc>(diag.getLocation()))
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn() << ": ";
  os << diag.str();
  onMessage(messageKind(diag.getSeverity()), text);
  for (Diagnostic &note : diag.getNotes())
    forwardDiagnostic(note, onMessage);
}

static DialectRegistry makeRegistry() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerSieveDialects(registry);
  return registry;
}

CompileContext::CompileContext(const MessageHandler &onMessage)
    : context(makeRegistry()), handler(&context, [onMessage](Diagnostic &diag) {
        if (onMessage)
          forwardDiagnostic(diag, onMessage);
        return success();
      }) {
  // Remarks name the ONNX node; the op they are attached to (which may hold
  // a large constant) is not printed with them.
  context.printOpOnDiagnostic(false);
}
