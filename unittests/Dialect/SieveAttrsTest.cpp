//===- SieveAttrsTest.cpp - C++ API of the Sieve attributes -----*- C++ -*-===//
//
// What lit tests cannot reach: the builders and accessors that passes use,
// and that every density survives a print/parse round trip bit for bit.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <random>
#include <string>

using namespace mlir;
using namespace mlir::sieve;

namespace {

class SieveAttrsTest : public ::testing::Test {
protected:
  SieveAttrsTest() { context.loadDialect<SieveDialect>(); }

  /// Prints `attr` and parses the text back.
  Attribute roundTrip(Attribute attr) {
    std::string text;
    llvm::raw_string_ostream os(text);
    attr.print(os);
    return parseAttribute(text, &context);
  }

  /// Runs `build` and returns the diagnostics it emitted.
  template <typename Fn> std::string diagnosticsOf(Fn build) {
    std::string messages;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      messages += diag.str();
      return success();
    });
    build();
    return messages;
  }

  MLIRContext context;
};

TEST_F(SieveAttrsTest, NMBuilderSetsKindAndParameters) {
  auto attr = WeightPatternAttr::get(&context, 2u, 4u, 0.5);
  EXPECT_EQ(attr.getKind(), WeightPatternKind::NM);
  EXPECT_EQ(attr.getN(), 2u);
  EXPECT_EQ(attr.getM(), 4u);
  EXPECT_TRUE(attr.getBlockShape().empty());
  EXPECT_DOUBLE_EQ(attr.getDensityValue(), 0.5);
}

TEST_F(SieveAttrsTest, BlockBuilderKeepsShape) {
  int64_t shape[] = {1, 4};
  auto attr = WeightPatternAttr::get(&context, shape, 0.25);
  EXPECT_EQ(attr.getKind(), WeightPatternKind::Block);
  ASSERT_EQ(attr.getBlockShape().size(), 2u);
  EXPECT_EQ(attr.getBlockShape()[1], 4);
}

TEST_F(SieveAttrsTest, AttributesAreUniqued) {
  EXPECT_EQ(WeightPatternAttr::get(&context, WeightPatternKind::Rows, 0.3),
            WeightPatternAttr::get(&context, WeightPatternKind::Rows, 0.3));
  EXPECT_NE(WeightPatternAttr::get(&context, WeightPatternKind::Rows, 0.3),
            WeightPatternAttr::get(&context, WeightPatternKind::Columns, 0.3));
}

TEST_F(SieveAttrsTest, GetCheckedRejectsInvalidNM) {
  WeightPatternAttr attr;
  std::string messages = diagnosticsOf([&] {
    attr = WeightPatternAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        WeightPatternKind::NM, 4u, 2u, ArrayRef<int64_t>{}, llvm::APFloat(0.5));
  });
  EXPECT_FALSE(attr);
  EXPECT_NE(messages.find("0 < N < M"), std::string::npos) << messages;
}

TEST_F(SieveAttrsTest, GetCheckedRejectsDensityOutsideUnitInterval) {
  WeightPatternAttr attr;
  std::string messages = diagnosticsOf([&] {
    attr = WeightPatternAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        WeightPatternKind::Unstructured, 0u, 0u, ArrayRef<int64_t>{},
        llvm::APFloat(std::nan("")));
  });
  EXPECT_FALSE(attr);
  EXPECT_NE(messages.find("[0, 1]"), std::string::npos) << messages;
}

// The textual syntax cannot express these; passes building attributes can.
TEST_F(SieveAttrsTest, GetCheckedRejectsParametersOfAnotherKind) {
  auto check = [&](WeightPatternKind kind, unsigned n, unsigned m,
                   ArrayRef<int64_t> block, StringRef expected) {
    WeightPatternAttr attr;
    std::string messages = diagnosticsOf([&] {
      attr = WeightPatternAttr::getChecked(
          [&] { return emitError(UnknownLoc::get(&context)); }, &context, kind,
          n, m, block, llvm::APFloat(0.25));
    });
    EXPECT_FALSE(attr);
    EXPECT_NE(messages.find(expected.str()), std::string::npos) << messages;
  };
  int64_t block[] = {4, 4};
  check(WeightPatternKind::Unstructured, 2, 4, {}, "only valid for the n_m");
  check(WeightPatternKind::Rows, 0, 0, block, "only valid for the block");
  check(WeightPatternKind::Block, 0, 0, {}, "needs a 2-D block shape");
}

TEST_F(SieveAttrsTest, GetCheckedRejectsUnknownSiteWithDensity) {
  ActivationSiteAttr site;
  std::string messages = diagnosticsOf([&] {
    site = ActivationSiteAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        ActivationKind::Relu, DensitySource::Unknown, llvm::APFloat(0.5));
  });
  EXPECT_FALSE(site);
  EXPECT_NE(messages.find("unknown density must have density 1.0"),
            std::string::npos)
      << messages;
}

TEST_F(SieveAttrsTest, UnknownActivationSiteReadsAsDense) {
  auto site = ActivationSiteAttr::get(&context, ActivationKind::Relu);
  EXPECT_EQ(site.getSource(), DensitySource::Unknown);
  EXPECT_DOUBLE_EQ(site.getDensityValue(), 1.0);
}

TEST_F(SieveAttrsTest, DensitiesRoundTripExactly) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < 200; ++i) {
    double density = uniform(rng);
    auto pattern = WeightPatternAttr::get(
        &context, WeightPatternKind::Unstructured, density);
    EXPECT_EQ(roundTrip(pattern), pattern) << density;
    auto site = ActivationSiteAttr::get(&context, ActivationKind::Relu6,
                                        DensitySource::Measured, density);
    EXPECT_EQ(roundTrip(site), site) << density;
  }
  // The ends of the interval, tiny densities (one non-zero in 10^9) and
  // values that need all 17 digits.
  for (double density : {0.0, 1.0, 0.1, 1.0 / 3.0, 1e-9, 1.0 - 1e-9}) {
    auto pattern = WeightPatternAttr::get(
        &context, WeightPatternKind::Unstructured, density);
    EXPECT_EQ(roundTrip(pattern), pattern) << density;
  }
}

} // namespace
