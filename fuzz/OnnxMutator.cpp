//===- OnnxMutator.cpp - Structure-aware mutations of ONNX models -*- C++ -*-=//
//
// libFuzzer's custom mutator for the targets that take ONNX models. Byte
// mutations of a protobuf mostly break its framing, so the parser rejects
// them and the importer is never reached. An input that parses as a
// ModelProto is mutated as a model instead: op types (from the importer's op
// table), node inputs and outputs, attributes, tensor shapes, types and
// data, declared graph input shapes, opsets, and the graph's node list.
// Inputs that do not parse, and a share of those that do, get libFuzzer's
// byte mutations. (Debian has no libprotobuf-mutator.)
//
//===----------------------------------------------------------------------===//

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

const char *const kOpTypes[] = {
#define SIEVE_ONNX_OP(Family, OpType) #OpType,
#include "../lib/Import/ONNX/Ops.def"
#undef SIEVE_ONNX_OP
};

class Mutator {
public:
  explicit Mutator(unsigned seed) : rng(seed) {}

  /// Applies one structural mutation; false when none applied.
  bool mutate(onnx::ModelProto &model) {
    onnx::GraphProto &graph = *model.mutable_graph();
    switch (pick(10)) {
    case 0:
      return mutateOpType(graph);
    case 1:
      return mutateNodeInputs(graph);
    case 2:
    case 3:
      return mutateAttribute(graph);
    case 4:
      return mutateTensor(graph);
    case 5:
      return mutateValueInfo(graph);
    case 6:
      return mutateNodeList(graph);
    case 7:
      return mutateOpset(model);
    case 8:
      return mutateOutputs(graph);
    default:
      return mutateTensorData(graph);
    }
  }

private:
  std::mt19937 rng;

  size_t pick(size_t n) { return n ? rng() % n : 0; }
  bool coin() { return rng() & 1; }

  /// Integers that break size and index arithmetic.
  int64_t interestingInt() {
    static const int64_t values[] = {0,
                                     1,
                                     -1,
                                     2,
                                     3,
                                     -2,
                                     7,
                                     64,
                                     255,
                                     1024,
                                     65535,
                                     1 << 20,
                                     INT32_MAX,
                                     INT32_MIN,
                                     int64_t(INT32_MAX) + 1,
                                     INT64_MAX,
                                     INT64_MIN,
                                     INT64_MAX / 2,
                                     int64_t(1) << 31,
                                     int64_t(1) << 32};
    if (coin())
      return values[pick(std::size(values))];
    return static_cast<int64_t>(pick(9)) - 4;
  }

  float interestingFloat() {
    static const float values[] = {0.0f,
                                   -0.0f,
                                   1.0f,
                                   -1.0f,
                                   0.5f,
                                   1e-30f,
                                   1e30f,
                                   std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::quiet_NaN()};
    return values[pick(std::size(values))];
  }

  /// A value name the graph defines or uses, or the empty name.
  std::string someValueName(const onnx::GraphProto &graph) {
    std::vector<const std::string *> names;
    for (const auto &input : graph.input())
      names.push_back(&input.name());
    for (const auto &init : graph.initializer())
      names.push_back(&init.name());
    for (const auto &node : graph.node())
      for (const auto &output : node.output())
        names.push_back(&output);
    if (names.empty() || pick(8) == 0)
      return pick(2) ? "" : "undefined_value";
    return *names[pick(names.size())];
  }

  onnx::NodeProto *someNode(onnx::GraphProto &graph) {
    if (graph.node_size() == 0)
      return nullptr;
    return graph.mutable_node(static_cast<int>(pick(graph.node_size())));
  }

  bool mutateOpType(onnx::GraphProto &graph) {
    onnx::NodeProto *node = someNode(graph);
    if (!node)
      return false;
    node->set_op_type(kOpTypes[pick(std::size(kOpTypes))]);
    return true;
  }

  bool mutateNodeInputs(onnx::GraphProto &graph) {
    onnx::NodeProto *node = someNode(graph);
    if (!node)
      return false;
    switch (pick(3)) {
    case 0: // replace one
      if (node->input_size() == 0)
        return false;
      node->set_input(static_cast<int>(pick(node->input_size())),
                      someValueName(graph));
      return true;
    case 1: // add one
      node->add_input(someValueName(graph));
      return true;
    default: // drop the last
      if (node->input_size() == 0)
        return false;
      node->mutable_input()->RemoveLast();
      return true;
    }
  }

  void mutateTensorShape(onnx::TensorProto &tensor) {
    switch (pick(4)) {
    case 0:
      if (tensor.dims_size())
        tensor.set_dims(static_cast<int>(pick(tensor.dims_size())),
                        interestingInt());
      break;
    case 1:
      tensor.add_dims(interestingInt());
      break;
    case 2:
      if (tensor.dims_size())
        tensor.mutable_dims()->RemoveLast();
      break;
    default:
      tensor.set_data_type(static_cast<int32_t>(pick(26)));
      break;
    }
  }

  bool mutateAttribute(onnx::GraphProto &graph) {
    onnx::NodeProto *node = someNode(graph);
    if (!node)
      return false;
    if (node->attribute_size() == 0 || pick(6) == 0) {
      // An attribute the op may or may not know.
      static const char *const names[] = {
          "axis",     "axes",    "perm",     "kernel_shape", "strides",
          "pads",     "group",   "to",       "value",        "dilations",
          "alpha",    "epsilon", "keepdims", "transA",       "mode",
          "auto_pad", "split",   "blocksize"};
      onnx::AttributeProto *attr = node->add_attribute();
      attr->set_name(names[pick(std::size(names))]);
      if (coin()) {
        attr->set_type(onnx::AttributeProto::INT);
        attr->set_i(interestingInt());
      } else {
        attr->set_type(onnx::AttributeProto::INTS);
        for (size_t n = pick(5); n; --n)
          attr->add_ints(interestingInt());
      }
      return true;
    }
    onnx::AttributeProto &attr = *node->mutable_attribute(
        static_cast<int>(pick(node->attribute_size())));
    switch (attr.type()) {
    case onnx::AttributeProto::INT:
      attr.set_i(interestingInt());
      return true;
    case onnx::AttributeProto::FLOAT:
      attr.set_f(interestingFloat());
      return true;
    case onnx::AttributeProto::INTS:
      if (attr.ints_size() && coin())
        attr.set_ints(static_cast<int>(pick(attr.ints_size())),
                      interestingInt());
      else if (coin())
        attr.add_ints(interestingInt());
      else if (attr.ints_size())
        attr.mutable_ints()->RemoveLast();
      return true;
    case onnx::AttributeProto::FLOATS:
      if (attr.floats_size())
        attr.set_floats(static_cast<int>(pick(attr.floats_size())),
                        interestingFloat());
      else
        attr.add_floats(interestingFloat());
      return true;
    case onnx::AttributeProto::STRING: {
      static const char *const strings[] = {"",         "NOTSET",  "SAME_UPPER",
                                            "VALID",    "linear",  "nearest",
                                            "constant", "reflect", "edge"};
      attr.set_s(strings[pick(std::size(strings))]);
      return true;
    }
    case onnx::AttributeProto::TENSOR:
      mutateTensorShape(*attr.mutable_t());
      return true;
    default:
      // Change the declared type without the value: a type mismatch.
      attr.set_type(static_cast<onnx::AttributeProto::AttributeType>(pick(15)));
      return true;
    }
  }

  bool mutateTensor(onnx::GraphProto &graph) {
    if (graph.initializer_size() == 0)
      return false;
    mutateTensorShape(*graph.mutable_initializer(
        static_cast<int>(pick(graph.initializer_size()))));
    return true;
  }

  bool mutateTensorData(onnx::GraphProto &graph) {
    if (graph.initializer_size() == 0)
      return false;
    onnx::TensorProto &tensor = *graph.mutable_initializer(
        static_cast<int>(pick(graph.initializer_size())));
    std::string &raw = *tensor.mutable_raw_data();
    switch (pick(3)) {
    case 0: // truncate
      raw.resize(raw.empty() ? 0 : pick(raw.size()));
      return true;
    case 1: // overwrite with interesting values
      for (size_t i = 0; i + 8 <= raw.size() && i < 64; i += 8) {
        int64_t v = interestingInt();
        std::memcpy(&raw[i], &v, 8);
      }
      return true;
    default: // move the data to a typed field
      tensor.clear_raw_data();
      for (size_t n = pick(6); n; --n)
        tensor.add_int64_data(interestingInt());
      return true;
    }
  }

  bool mutateValueInfo(onnx::GraphProto &graph) {
    auto *infos = coin() ? graph.mutable_input() : graph.mutable_output();
    if (infos->empty())
      return false;
    onnx::ValueInfoProto &info =
        *infos->Mutable(static_cast<int>(pick(infos->size())));
    onnx::TypeProto_Tensor &type = *info.mutable_type()->mutable_tensor_type();
    switch (pick(4)) {
    case 0:
      type.set_elem_type(static_cast<int32_t>(pick(26)));
      return true;
    case 1: {
      auto *dim = type.mutable_shape()->add_dim();
      if (coin())
        dim->set_dim_value(interestingInt());
      else
        dim->set_dim_param("n");
      return true;
    }
    case 2:
      if (type.shape().dim_size() == 0)
        return false;
      type.mutable_shape()->mutable_dim()->RemoveLast();
      return true;
    default: {
      if (type.shape().dim_size() == 0)
        return false;
      auto *dim = type.mutable_shape()->mutable_dim(
          static_cast<int>(pick(type.shape().dim_size())));
      if (coin())
        dim->set_dim_value(interestingInt());
      else
        dim->set_dim_param(coin() ? "batch" : "");
      return true;
    }
    }
  }

  bool mutateNodeList(onnx::GraphProto &graph) {
    int n = graph.node_size();
    if (n == 0)
      return false;
    switch (pick(3)) {
    case 0: // duplicate a node (its outputs are then defined twice)
      *graph.add_node() = graph.node(static_cast<int>(pick(n)));
      return true;
    case 1: // drop a node (its outputs become undefined)
      graph.mutable_node()->SwapElements(static_cast<int>(pick(n)), n - 1);
      graph.mutable_node()->RemoveLast();
      return true;
    default: // swap two (a use before its definition)
      graph.mutable_node()->SwapElements(static_cast<int>(pick(n)),
                                         static_cast<int>(pick(n)));
      return true;
    }
  }

  bool mutateOpset(onnx::ModelProto &model) {
    if (model.opset_import_size() == 0)
      model.add_opset_import();
    onnx::OperatorSetIdProto &opset = *model.mutable_opset_import(0);
    opset.set_version(coin() ? static_cast<int64_t>(pick(26))
                             : interestingInt());
    return true;
  }

  bool mutateOutputs(onnx::GraphProto &graph) {
    if (coin() && graph.output_size()) {
      // A graph output that names another value (an input, a constant, a
      // value another output names already).
      graph.mutable_output(static_cast<int>(pick(graph.output_size())))
          ->set_name(someValueName(graph));
      return true;
    }
    onnx::NodeProto *node = someNode(graph);
    if (!node || node->output_size() == 0)
      return false;
    node->set_output(static_cast<int>(pick(node->output_size())),
                     someValueName(graph));
    return true;
  }
};

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  onnx::ModelProto model;
  // One in four mutations stays at the byte level even for valid models:
  // the parser and the framing are fuzzed too.
  if (seed % 4 == 0 || size > static_cast<size_t>(INT32_MAX) ||
      !model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  Mutator mutator(seed);
  bool changed = false;
  for (int tries = 0; tries < 4 && !changed; ++tries)
    changed = mutator.mutate(model);
  std::string bytes;
  if (!changed || !model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
