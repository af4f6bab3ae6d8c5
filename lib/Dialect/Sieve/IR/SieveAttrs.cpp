//===- SieveAttrs.cpp - Sieve attributes ------------------------*- C++ -*-===//
//
// Custom assembly and verification of #sieve.weight_pattern and
// #sieve.activation_site; verification of #sieve.predictor.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;
using namespace mlir::sieve;

#include "sieve/Dialect/Sieve/IR/SieveEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "sieve/Dialect/Sieve/IR/SieveAttrs.cpp.inc"

void SieveDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "sieve/Dialect/Sieve/IR/SieveAttrs.cpp.inc"
      >();
}

/// Formats a density as the shortest decimal that reads back to the same
/// double. MLIR float literals need a decimal point, also before an exponent
/// ("1.0e-09", not "1e-09").
static std::string formatDensity(double value) {
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value)
      break;
  }
  llvm::StringRef str(text);
  if (str.contains('.') || !std::isfinite(value))
    return str.str();
  auto [mantissa, exponent] = str.split('e');
  return (mantissa + ".0" + (exponent.empty() ? "" : "e") + exponent).str();
}

static void printDensity(AsmPrinter &printer, const llvm::APFloat &density) {
  printer << formatDensity(density.convertToDouble());
}

/// Checks that `density` (or the fraction named `what`) is in [0, 1].
static LogicalResult
verifyDensity(llvm::function_ref<InFlightDiagnostic()> emitError,
              const llvm::APFloat &density, llvm::StringRef what = "density") {
  if (&density.getSemantics() != &llvm::APFloat::IEEEdouble())
    return emitError() << what << " must be a double";
  double value = density.convertToDouble();
  if (!(value >= 0.0 && value <= 1.0))
    return emitError() << what << " must be in [0, 1], got "
                       << formatDensity(value);
  return success();
}

//===----------------------------------------------------------------------===//
// WeightPatternAttr
//===----------------------------------------------------------------------===//

LogicalResult
WeightPatternAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                          WeightPatternKind kind, unsigned n, unsigned m,
                          ArrayRef<int64_t> blockShape, llvm::APFloat density) {
  if (failed(verifyDensity(emitError, density)))
    return failure();
  if (kind != WeightPatternKind::NM && (n != 0 || m != 0))
    return emitError() << "N:M parameters are only valid for the n_m pattern";
  if (kind != WeightPatternKind::Block && !blockShape.empty())
    return emitError() << "a block shape is only valid for the block pattern";

  if (kind == WeightPatternKind::NM) {
    if (n == 0 || n >= m)
      return emitError() << "n_m pattern needs 0 < N < M, got " << n << ":"
                         << m;
    double bound = static_cast<double>(n) / m;
    if (density.convertToDouble() > bound + 1e-9)
      return emitError() << "density "
                         << formatDensity(density.convertToDouble())
                         << " exceeds the " << n << ":" << m << " bound of "
                         << formatDensity(bound);
  }
  if (kind == WeightPatternKind::Block) {
    if (blockShape.size() != 2)
      return emitError() << "block pattern needs a 2-D block shape, got "
                         << blockShape.size() << " dimensions";
    if (blockShape[0] <= 0 || blockShape[1] <= 0)
      return emitError() << "block dimensions must be positive";
    if (blockShape[0] == 1 && blockShape[1] == 1)
      return emitError()
             << "a 1x1 block is the unstructured pattern; use 'unstructured'";
  }
  return success();
}

Attribute WeightPatternAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<WeightPatternKind> kind = symbolizeWeightPatternKind(kindName);
  if (!kind) {
    parser.emitError(loc) << "unknown weight pattern kind '" << kindName
                          << "'; expected one of dense, unstructured, n_m, "
                             "block, rows, columns, channels";
    return {};
  }

  unsigned n = 0, m = 0;
  SmallVector<int64_t> blockShape;
  if (*kind == WeightPatternKind::NM) {
    if (parser.parseLess() || parser.parseInteger(n) || parser.parseComma() ||
        parser.parseInteger(m) || parser.parseGreater())
      return {};
  } else if (*kind == WeightPatternKind::Block) {
    if (parser.parseLess() ||
        parser.parseDimensionList(blockShape, /*allowDynamic=*/false,
                                  /*withTrailingX=*/false) ||
        parser.parseGreater())
      return {};
  }

  double density = 0.0;
  if (parser.parseComma() || parser.parseKeyword("density") ||
      parser.parseEqual() || parser.parseFloat(density) ||
      parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); }, ctx, *kind, n, m,
                    blockShape, llvm::APFloat(density));
}

void WeightPatternAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyWeightPatternKind(getKind());
  if (getKind() == WeightPatternKind::NM)
    printer << "<" << getN() << ", " << getM() << ">";
  if (getKind() == WeightPatternKind::Block) {
    printer << "<";
    llvm::interleave(getBlockShape(), printer, "x");
    printer << ">";
  }
  printer << ", density = ";
  printDensity(printer, getDensity());
  printer << ">";
}

//===----------------------------------------------------------------------===//
// ActivationSiteAttr
//===----------------------------------------------------------------------===//

LogicalResult
ActivationSiteAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                           ActivationKind, DensitySource source,
                           llvm::APFloat density) {
  if (failed(verifyDensity(emitError, density)))
    return failure();
  if (source == DensitySource::Unknown && density.convertToDouble() != 1.0)
    return emitError() << "an activation site of unknown density must have "
                          "density 1.0 (treated as dense)";
  return success();
}

Attribute ActivationSiteAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  StringRef activationName;
  if (parser.parseLess() || parser.parseKeyword(&activationName))
    return {};
  std::optional<ActivationKind> activation =
      symbolizeActivationKind(activationName);
  if (!activation) {
    parser.emitError(loc) << "unknown activation '" << activationName
                          << "'; expected one of relu, relu6, clip, "
                             "squared_relu";
    return {};
  }

  DensitySource source = DensitySource::Unknown;
  double density = 1.0;
  if (succeeded(parser.parseOptionalComma())) {
    SMLoc sourceLoc = parser.getCurrentLocation();
    StringRef sourceName;
    if (parser.parseKeyword(&sourceName))
      return {};
    std::optional<DensitySource> parsed = symbolizeDensitySource(sourceName);
    if (!parsed || *parsed == DensitySource::Unknown) {
      parser.emitError(sourceLoc)
          << "expected 'measured' or 'assumed', got '" << sourceName << "'";
      return {};
    }
    source = *parsed;
    if (parser.parseEqual() || parser.parseFloat(density))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); }, ctx, *activation,
                    source, llvm::APFloat(density));
}

void ActivationSiteAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyActivationKind(getActivation());
  if (getSource() != DensitySource::Unknown) {
    printer << ", " << stringifyDensitySource(getSource()) << " = ";
    printDensity(printer, getDensity());
  }
  printer << ">";
}

//===----------------------------------------------------------------------===//
// PredictorAttr
//===----------------------------------------------------------------------===//

LogicalResult
PredictorAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                      ElementsAttr u, ElementsAttr v, ElementsAttr thresholds,
                      FloatAttr recall, FloatAttr density) {
  auto uType = dyn_cast<RankedTensorType>(u.getShapedType());
  auto vType = dyn_cast<RankedTensorType>(v.getShapedType());
  auto tType = dyn_cast<RankedTensorType>(thresholds.getShapedType());
  if (!uType || !vType || !tType || uType.getRank() != 2 ||
      vType.getRank() != 2 || tType.getRank() != 1)
    return emitError() << "expects factors u (D x R) and v (R x N) and N "
                          "thresholds";
  if (!isa<FloatType>(uType.getElementType()) ||
      uType.getElementType() != vType.getElementType() ||
      uType.getElementType() != tType.getElementType())
    return emitError() << "expects u, v and thresholds of one float type";
  if (uType.getDimSize(1) != vType.getDimSize(0))
    return emitError() << "rank mismatch between factors: u has "
                       << uType.getDimSize(1) << " columns but v has "
                       << vType.getDimSize(0) << " rows";
  if (tType.getDimSize(0) != vType.getDimSize(1))
    return emitError() << "expects one threshold per neuron ("
                       << vType.getDimSize(1) << "), got "
                       << tType.getDimSize(0);
  for (auto [value, what] :
       {std::pair{recall, "recall"}, std::pair{density, "density"}})
    if (!value ||
        failed(verifyDensity(emitError, llvm::APFloat(value.getValueAsDouble()),
                             what)))
      return failure();
  return success();
}
