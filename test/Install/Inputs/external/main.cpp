// JIT-compiles an ONNX model (argv[1]) with the C++ compile API and runs it
// once on zeros.
#include "sieve/Compiler/Compiler.h"
#include "sieve/Target/JIT.h"

#include <iostream>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  mlir::sieve::CompileOptions options;
  options.pipeline.sparsity = mlir::sieve::SparsityMode::Exact;
  auto model = mlir::sieve::loadModel(
      argv[1], options, [](mlir::sieve::MessageKind kind, llvm::StringRef m) {
        if (kind == mlir::sieve::MessageKind::Error)
          std::cerr << "error: " << m.str() << "\n";
      });
  if (!model)
    return 1;
  std::vector<mlir::sieve::HostTensor> inputs, outputs;
  for (const auto &in : model->signature().inputs) {
    mlir::sieve::HostTensor t;
    t.name = in.name;
    t.kind = in.kind;
    for (int64_t d : in.shape)
      t.shape.push_back(d < 0 ? 1 : d);
    t.data.assign(t.numElements() * mlir::sieve::elementByteWidth(t.kind), 0);
    inputs.push_back(std::move(t));
  }
  std::string error;
  if (!model->run(inputs, outputs, error)) {
    std::cerr << error << "\n";
    return 1;
  }
  std::cout << "ran " << argv[1] << ": output '" << outputs[0].name << "' "
            << outputs[0].describe() << "\n";
  return 0;
}
