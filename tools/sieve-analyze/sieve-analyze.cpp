//===- sieve-analyze.cpp - The sparsity report ------------------*- C++ -*-===//
//
//   sieve-analyze model.onnx [--random N | --calibrate DIR]
//                 [--json out.json] [--plot out.png]
//
// Prints the sparsity report (analyzeModel of the compile API): per layer
// the pattern and density of constant weights and the activation sites;
// with --random or --calibrate the measured density of each site and each
// neuron's activation frequency.
//
//===----------------------------------------------------------------------===//

#include "sieve/Compiler/CommandLine.h"
#include "sieve/Compiler/Report.h"
#include "sieve/Support/TestData.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::sieve;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("sieve-analyze options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.onnx>"), cl::cat(category));
cl::opt<unsigned> randomRuns(
    "random",
    cl::desc("Calibrate on N random inputs (floats normal, integer inputs "
             "such as token ids in [0, 4); dynamic dimensions take size 1)"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));
cl::opt<std::string> calibrateDir(
    "calibrate",
    cl::desc("Calibrate on the inputs in DIR: the ONNX test-data layout "
             "(test_data_set_*/input_*.pb) or .npy files named after the "
             "inputs"),
    cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> jsonPath(
    "json",
    cl::desc("Write the report, with each neuron's activation frequency, as "
             "JSON (a profile for --sparsity=auto)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<std::string>
    plotPath("plot",
             cl::desc("Draw per-layer weight density and measured activation "
                      "density to a PNG file (needs --random or --calibrate; "
                      "uses python3 with matplotlib)"),
             cl::value_desc("file.png"), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "sieve-analyze: error: " << message << "\n";
  return 1;
}

/// The progress bar: redrawn on a terminal, only its last state in a log.
void drawProgress(size_t done, size_t total) {
  if (done != total && done * 100 / total == (done - 1) * 100 / total)
    return;
  if (done != total && !llvm::errs().is_displayed())
    return;
  llvm::errs() << llvm::formatv("\rsieve-analyze: calibrating [{0,-30}] "
                                "{1}/{2}",
                                std::string(done * 30 / total, '#'), done,
                                total);
  if (done == total)
    llvm::errs() << "\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  LimitFlags limitFlags(category);
  cl::HideUnrelatedOptions(category);
  std::string overview =
      "sieve-analyze: where are the zeros of an ONNX model?\n\n"
      "  sieve-analyze model.onnx                  # weights and sites\n"
      "  sieve-analyze model.onnx --random 100     # measured densities\n"
      "  sieve-analyze model.onnx --calibrate data/ --json profile.json "
      "--plot density.png\n" +
      inputLimitsHelp(/*withProfiles=*/false);
  cl::ParseCommandLineOptions(argc, argv, overview);
  // Everything is checked before the (possibly long) calibration.
  if (randomRuns && !calibrateDir.empty())
    return fail("use either --random or --calibrate");
  if (!plotPath.empty() && !randomRuns && calibrateDir.empty())
    return fail("--plot needs measured densities (--random or --calibrate)");
  if (randomRuns.getNumOccurrences() && randomRuns == 0)
    return fail("--random needs at least 1 run");
  std::string error;
  for (const std::string &out : {std::string(jsonPath), std::string(plotPath)})
    if (!out.empty() && !checkOutputPath(out, error))
      return fail(error);
  std::optional<std::string> python;
  if (!plotPath.empty()) {
    auto found = llvm::sys::findProgramByName("python3");
    if (!found)
      return fail("--plot needs python3 with matplotlib");
    python = *found;
  }

  AnalyzeOptions options;
  if (std::string message = limitFlags.apply(options.maxTensorBytes);
      !message.empty())
    return fail(message);
  options.calibration.randomRuns = randomRuns;
  options.calibration.dir = calibrateDir;
  options.onProgress = drawProgress;
  std::optional<SparsityReport> report =
      analyzeModel(modelPath, options, printMessages("sieve-analyze"));
  if (!report)
    return 1;
  report->print(llvm::outs());

  // --plot reads the JSON report; without --json it goes to a temporary
  // file.
  std::string reportPath = jsonPath;
  llvm::SmallString<128> tempReport;
  std::optional<llvm::FileRemover> removeTemp;
  if (reportPath.empty() && python) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "sieve-analyze", "json", tempReport))
      return fail("cannot create a temporary file: " + ec.message());
    removeTemp.emplace(tempReport);
    reportPath = tempReport.str().str();
  }
  if (!reportPath.empty()) {
    std::error_code ec;
    llvm::ToolOutputFile out(reportPath, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return fail("cannot write '" + reportPath + "': " + ec.message());
    out.os() << llvm::formatv("{0:2}", report->toJSON()) << "\n";
    out.keep();
  }
  if (python) {
    // The drawing is sieve's Python plot module, installed beside the
    // binary as sieve-analyze-plot.py.
    llvm::SmallString<256> script(llvm::sys::path::parent_path(
        llvm::sys::fs::getMainExecutable(argv[0], (void *)&fail)));
    llvm::sys::path::append(script, "sieve-analyze-plot.py");
    std::string scriptPath = script.str().str(), plot = plotPath;
    llvm::SmallVector<llvm::StringRef> args{*python, scriptPath, reportPath,
                                            plot};
    std::string message;
    if (llvm::sys::ExecuteAndWait(*python, args, std::nullopt, {}, 0, 0,
                                  &message) != 0)
      return fail("drawing the plot failed" +
                  (message.empty() ? "" : ": " + message));
    llvm::outs() << "\nPlot written to " << plotPath << "\n";
  }
  return 0;
}
