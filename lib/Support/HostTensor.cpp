//===- HostTensor.cpp - Tensors in host memory and their files --*- C++ -*-===//

#include "sieve/Support/HostTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <climits>
#include <cstring>
#include <limits>
#include <unistd.h>

using namespace mlir::sieve;

int64_t HostTensor::numElements() const {
  // Readers check shapes with checkedNumElements before they allocate.
  return checkedNumElements(shape).value_or(0);
}

//===----------------------------------------------------------------------===//
// Size limits
//===----------------------------------------------------------------------===//

std::optional<int64_t>
mlir::sieve::checkedNumElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || llvm::MulOverflow(n, d, n))
      return std::nullopt;
  return n;
}

std::optional<int64_t>
mlir::sieve::checkedByteSize(llvm::ArrayRef<int64_t> shape,
                             int64_t elementBytes) {
  std::optional<int64_t> n = checkedNumElements(shape);
  int64_t bytes;
  if (!n || llvm::MulOverflow(*n, elementBytes, bytes))
    return std::nullopt;
  return bytes;
}

int64_t mlir::sieve::defaultMaxTensorBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0)
    return int64_t(4) << 30;
  return int64_t(pages) / 4 * pageSize;
}

std::string mlir::sieve::describeShape(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string mlir::sieve::checkTensorSize(llvm::ArrayRef<int64_t> shape,
                                         int64_t elementBytes,
                                         int64_t maxBytes) {
  if (maxBytes <= 0)
    maxBytes = defaultMaxTensorBytes();
  for (int64_t d : shape)
    if (d < 0)
      return "shape " + describeShape(shape) + " has a negative dimension";
  std::optional<int64_t> bytes = checkedByteSize(shape, elementBytes);
  if (!bytes)
    return "shape " + describeShape(shape) +
           " has more elements than a 64-bit size can count";
  if (*bytes > maxBytes)
    return "shape " + describeShape(shape) + " needs " +
           std::to_string(*bytes) + " bytes, more than the limit of " +
           std::to_string(maxBytes) + " bytes per tensor";
  return "";
}

/// The value of the `width`-bit pattern `bits` in float format `semantics`.
static double floatBitsToDouble(const llvm::fltSemantics &semantics,
                                unsigned width, uint64_t bits) {
  llvm::APFloat f(semantics, llvm::APInt(width, bits));
  if (f.isNaN()) // APFloat turns FLOAT8E8M0's NaN into infinity.
    return std::numeric_limits<double>::quiet_NaN();
  bool lost;
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}

/// The format of an 8- or 4-bit float kind, or null.
static const llvm::fltSemantics *lowPrecisionSemantics(ElementKind kind) {
  switch (kind) {
  case ElementKind::Float8E4M3FN:
    return &llvm::APFloat::Float8E4M3FN();
  case ElementKind::Float8E4M3FNUZ:
    return &llvm::APFloat::Float8E4M3FNUZ();
  case ElementKind::Float8E5M2:
    return &llvm::APFloat::Float8E5M2();
  case ElementKind::Float8E5M2FNUZ:
    return &llvm::APFloat::Float8E5M2FNUZ();
  case ElementKind::Float8E8M0:
    return &llvm::APFloat::Float8E8M0FNU();
  case ElementKind::Float4E2M1:
    return &llvm::APFloat::Float4E2M1FN();
  default:
    return nullptr;
  }
}

double HostTensor::at(int64_t i) const {
  const char *p = data.data() + i * elementByteWidth(kind);
  auto load = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (const llvm::fltSemantics *semantics = lowPrecisionSemantics(kind)) {
    unsigned width = kind == ElementKind::Float4E2M1 ? 4 : 8;
    return floatBitsToDouble(*semantics, width,
                             load(uint8_t()) & ((1u << width) - 1));
  }
  switch (kind) {
  case ElementKind::Float:
    return load(float());
  case ElementKind::Double:
    return load(double());
  case ElementKind::Float16:
  case ElementKind::BFloat16: {
    llvm::APFloat f(kind == ElementKind::Float16 ? llvm::APFloat::IEEEhalf()
                                                 : llvm::APFloat::BFloat(),
                    llvm::APInt(16, load(uint16_t())));
    bool lost;
    f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    return f.convertToDouble();
  }
  case ElementKind::Bool:
  case ElementKind::UInt8:
  case ElementKind::UInt4: // Unpacked, one per byte.
  case ElementKind::UInt2:
    return load(uint8_t());
  case ElementKind::Int8:
  case ElementKind::Int4: // Unpacked and sign-extended.
  case ElementKind::Int2:
    return load(int8_t());
  case ElementKind::UInt16:
    return load(uint16_t());
  case ElementKind::Int16:
    return load(int16_t());
  case ElementKind::UInt32:
    return load(uint32_t());
  case ElementKind::Int32:
    return load(int32_t());
  case ElementKind::UInt64:
    return static_cast<double>(load(uint64_t()));
  case ElementKind::Int64:
    return static_cast<double>(load(int64_t()));
  default:
    return 0.0;
  }
}

std::string HostTensor::describe() const {
  std::string s = stringifyElementKind(kind).str() + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Bits per element of the kinds that ONNX packs several to a byte (0 for
/// the others).
static unsigned packedBits(ElementKind kind) {
  switch (kind) {
  case ElementKind::UInt4:
  case ElementKind::Int4:
  case ElementKind::Float4E2M1:
    return 4;
  case ElementKind::UInt2:
  case ElementKind::Int2:
    return 2;
  default:
    return 0;
  }
}

/// Unpacks `n` elements of `bits` bits (the first in the low bits of the
/// first byte) from raw_data or int32_data, one per byte; the signed integer
/// kinds are sign-extended.
static bool decodePacked(const ::onnx::TensorProto &proto, HostTensor &tensor,
                         int64_t n, unsigned bits, std::string &error) {
  int64_t perByte = 8 / bits;
  int64_t size = (n + perByte - 1) / perByte;
  std::vector<uint8_t> packed;
  if (proto.has_raw_data())
    packed.assign(proto.raw_data().begin(), proto.raw_data().end());
  else
    for (int32_t v : proto.int32_data())
      packed.push_back(static_cast<uint8_t>(v));
  if (static_cast<int64_t>(packed.size()) != size) {
    error = "holds " + std::to_string(packed.size()) + " bytes but " +
            std::to_string(n) + " elements of " + std::to_string(bits) +
            " bits need " + std::to_string(size);
    return false;
  }
  bool isSigned =
      tensor.kind == ElementKind::Int4 || tensor.kind == ElementKind::Int2;
  unsigned mask = (1u << bits) - 1;
  tensor.data.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    unsigned v = (packed[i / perByte] >> ((i % perByte) * bits)) & mask;
    if (isSigned && (v >> (bits - 1)))
      v |= ~mask;
    tensor.data[i] = static_cast<char>(v);
  }
  return true;
}

bool mlir::sieve::decodeTensorProto(const ::onnx::TensorProto &proto,
                                    HostTensor &tensor, std::string &error,
                                    int64_t maxBytes) {
  tensor.name = proto.name();
  tensor.kind = static_cast<ElementKind>(proto.data_type());
  int64_t width = elementByteWidth(tensor.kind);
  if (width == 0) {
    error = "element type " + std::to_string(proto.data_type()) +
            " is not supported";
    return false;
  }
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL ||
      proto.external_data_size() > 0) {
    error = "data stored in an external file is not supported";
    return false;
  }
  tensor.shape.clear();
  for (int64_t d : proto.dims()) {
    if (d < 0) {
      error = "negative dimension " + std::to_string(d);
      return false;
    }
    tensor.shape.push_back(d);
  }
  // Checked before anything is allocated: the shape may claim far more
  // than the data holds.
  error = checkTensorSize(tensor.shape, width, maxBytes);
  if (!error.empty())
    return false;
  int64_t n = tensor.numElements();
  if (unsigned bits = packedBits(tensor.kind))
    return decodePacked(proto, tensor, n, bits, error);
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (static_cast<int64_t>(raw.size()) != n * width) {
      error = "raw data has " + std::to_string(raw.size()) +
              " bytes but the shape needs " + std::to_string(n * width);
      return false;
    }
    tensor.data.assign(raw.begin(), raw.end());
    return true;
  }
  auto copy = [&](const auto &field, auto convert) {
    if (static_cast<int64_t>(field.size()) != n) {
      error = "holds " + std::to_string(field.size()) +
              " values but the shape needs " + std::to_string(n);
      return false;
    }
    tensor.data.assign(static_cast<size_t>(n * width), 0);
    char *out = tensor.data.data();
    for (int64_t i = 0; i < n; ++i) {
      auto v = convert(field.Get(i));
      std::memcpy(out + i * width, &v, sizeof(v));
    }
    return true;
  };
  switch (tensor.kind) {
  case ElementKind::Float:
    return copy(proto.float_data(), [](float v) { return v; });
  case ElementKind::Double:
    return copy(proto.double_data(), [](double v) { return v; });
  case ElementKind::Int64:
    return copy(proto.int64_data(), [](int64_t v) { return v; });
  case ElementKind::UInt64:
    return copy(proto.uint64_data(), [](uint64_t v) { return v; });
  case ElementKind::UInt32:
    return copy(proto.uint64_data(),
                [](uint64_t v) { return static_cast<uint32_t>(v); });
  case ElementKind::Int32:
    return copy(proto.int32_data(), [](int32_t v) { return v; });
  case ElementKind::Int16:
  case ElementKind::UInt16:
  case ElementKind::Float16:
  case ElementKind::BFloat16:
    return copy(proto.int32_data(),
                [](int32_t v) { return static_cast<uint16_t>(v); });
  case ElementKind::Int8:
  case ElementKind::UInt8:
  case ElementKind::Bool:
  case ElementKind::Float8E4M3FN:
  case ElementKind::Float8E4M3FNUZ:
  case ElementKind::Float8E5M2:
  case ElementKind::Float8E5M2FNUZ:
  case ElementKind::Float8E8M0:
    return copy(proto.int32_data(),
                [](int32_t v) { return static_cast<uint8_t>(v); });
  default:
    error = "unsupported element type";
    return false;
  }
}

bool mlir::sieve::parseTensorProto(llvm::StringRef bytes, llvm::StringRef name,
                                   HostTensor &tensor, std::string &error,
                                   int64_t maxBytes) {
  ::onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "'" + name.str() + "' is not a serialized ONNX TensorProto";
    return false;
  }
  if (!decodeTensorProto(proto, tensor, error, maxBytes)) {
    error = "'" + name.str() + "': " + error;
    return false;
  }
  return true;
}

bool mlir::sieve::readTensorProtoFile(llvm::StringRef path, HostTensor &tensor,
                                      std::string &error, int64_t maxBytes) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return false;
  }
  return parseTensorProto((*buffer)->getBuffer(), path, tensor, error,
                          maxBytes);
}

bool mlir::sieve::readModelInitializers(
    llvm::StringRef path,
    std::vector<std::pair<std::string, HostTensor>> &initializers,
    std::string &error, int64_t maxBytes) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return false;
  }
  llvm::StringRef bytes = (*buffer)->getBuffer();
  ::onnx::ModelProto model;
  if (bytes.empty() || bytes.size() > static_cast<size_t>(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "'" + path.str() + "' is not a valid ONNX model";
    return false;
  }
  initializers.clear();
  for (const ::onnx::TensorProto &proto : model.graph().initializer()) {
    HostTensor tensor;
    if (!decodeTensorProto(proto, tensor, error, maxBytes)) {
      error =
          "'" + path.str() + "': initializer '" + proto.name() + "': " + error;
      return false;
    }
    initializers.emplace_back(proto.name(), std::move(tensor));
  }
  return true;
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

static const char *npyDescr(ElementKind kind) {
  switch (kind) {
  case ElementKind::Float:
    return "<f4";
  case ElementKind::Double:
    return "<f8";
  case ElementKind::Float16:
    return "<f2";
  case ElementKind::Int8:
    return "|i1";
  case ElementKind::UInt8:
    return "|u1";
  case ElementKind::Int16:
    return "<i2";
  case ElementKind::UInt16:
    return "<u2";
  case ElementKind::Int32:
    return "<i4";
  case ElementKind::UInt32:
    return "<u4";
  case ElementKind::Int64:
    return "<i8";
  case ElementKind::UInt64:
    return "<u8";
  case ElementKind::Bool:
    return "|b1";
  default:
    return nullptr;
  }
}

bool mlir::sieve::readNpyFile(llvm::StringRef path, HostTensor &tensor,
                              std::string &error, int64_t maxBytes) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return false;
  }
  return parseNpy((*buffer)->getBuffer(), path, tensor, error, maxBytes);
}

bool mlir::sieve::parseNpy(llvm::StringRef bytes, llvm::StringRef name,
                           HostTensor &tensor, std::string &error,
                           int64_t maxBytes) {
  auto fail = [&](const std::string &why) {
    error = "'" + name.str() + "' is not a supported .npy file: " + why;
    return false;
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return fail("bad magic");
  uint8_t major = bytes[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen =
        static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    offset = 10;
  } else {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLen = static_cast<uint8_t>(bytes[8]) |
                (static_cast<uint8_t>(bytes[9]) << 8) |
                (static_cast<uint8_t>(bytes[10]) << 16) |
                (static_cast<uint32_t>(static_cast<uint8_t>(bytes[11])) << 24);
    offset = 12;
  }
  if (offset + headerLen > bytes.size())
    return fail("truncated header");
  llvm::StringRef header = bytes.substr(offset, headerLen);
  auto field = [&](llvm::StringRef key) -> llvm::StringRef {
    size_t at = header.find(("'" + key + "'").str());
    if (at == llvm::StringRef::npos)
      return {};
    llvm::StringRef rest = header.substr(at + key.size() + 2).ltrim(": ");
    return rest;
  };
  llvm::StringRef descr = field("descr");
  if (!descr.consume_front("'"))
    return fail("no dtype");
  descr = descr.take_until([](char c) { return c == '\''; });
  if (field("fortran_order").starts_with("True"))
    return fail("Fortran order");
  tensor.kind = ElementKind::Undefined;
  for (int k = 1; k <= 16; ++k) {
    const char *d = npyDescr(static_cast<ElementKind>(k));
    if (d && (descr == d || (descr.size() == 3 && descr[0] == '=' &&
                             descr.substr(1) == llvm::StringRef(d).substr(1))))
      tensor.kind = static_cast<ElementKind>(k);
  }
  if (tensor.kind == ElementKind::Undefined)
    return fail("dtype '" + descr.str() + "'");
  llvm::StringRef shape = field("shape");
  if (!shape.consume_front("("))
    return fail("no shape");
  shape = shape.take_until([](char c) { return c == ')'; });
  tensor.shape.clear();
  llvm::SmallVector<llvm::StringRef> parts;
  shape.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return fail("shape");
    tensor.shape.push_back(d);
  }
  std::string tooLarge =
      checkTensorSize(tensor.shape, elementByteWidth(tensor.kind), maxBytes);
  if (!tooLarge.empty())
    return fail(tooLarge);
  size_t size = tensor.numElements() * elementByteWidth(tensor.kind);
  size_t dataStart = offset + headerLen;
  if (bytes.size() - dataStart < size)
    return fail("truncated data");
  tensor.data.assign(bytes.begin() + dataStart,
                     bytes.begin() + dataStart + size);
  return true;
}

bool mlir::sieve::writeNpyFile(llvm::StringRef path, const HostTensor &tensor,
                               std::string &error) {
  const char *descr = npyDescr(tensor.kind);
  if (!descr) {
    error = "cannot write " + tensor.describe() + " as .npy";
    return false;
  }
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': (";
  for (int64_t d : tensor.shape)
    header += std::to_string(d) + ", ";
  if (tensor.shape.size() > 1)
    header.erase(header.size() - 2);
  else if (tensor.shape.size() == 1)
    header.erase(header.size() - 1);
  header += "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return false;
  }
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(tensor.data.data(), tensor.data.size());
  return true;
}
