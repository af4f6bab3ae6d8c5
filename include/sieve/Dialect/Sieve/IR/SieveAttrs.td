//===- SieveAttrs.td - Sieve attributes and enums ----------*- tablegen -*-===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_TD
#define SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_TD

include "sieve/Dialect/Sieve/IR/SieveDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Sieve_WeightPatternKind : I32EnumAttr<"WeightPatternKind",
    "the structure of the zeros of a constant weight", [
      I32EnumAttrCase<"Dense", 0, "dense">,
      I32EnumAttrCase<"Unstructured", 1, "unstructured">,
      I32EnumAttrCase<"NM", 2, "n_m">,
      I32EnumAttrCase<"Block", 3, "block">,
      I32EnumAttrCase<"Rows", 4, "rows">,
      I32EnumAttrCase<"Columns", 5, "columns">,
      I32EnumAttrCase<"Channels", 6, "channels">
    ]> {
  let cppNamespace = "::mlir::sieve";
  let genSpecializedAttr = 0;
}

def Sieve_ActivationKind : I32EnumAttr<"ActivationKind",
    "the ReLU-like op that produces an activation site", [
      I32EnumAttrCase<"Relu", 0, "relu">,
      I32EnumAttrCase<"Relu6", 1, "relu6">,
      I32EnumAttrCase<"Clip", 2, "clip">,
      I32EnumAttrCase<"SquaredRelu", 3, "squared_relu">
    ]> {
  let cppNamespace = "::mlir::sieve";
  let genSpecializedAttr = 0;
}

def Sieve_DensitySource : I32EnumAttr<"DensitySource",
    "where the density of an activation site comes from", [
      I32EnumAttrCase<"Unknown", 0, "unknown">,
      I32EnumAttrCase<"Measured", 1, "measured">,
      I32EnumAttrCase<"Assumed", 2, "assumed">
    ]> {
  let cppNamespace = "::mlir::sieve";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Sieve_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Sieve_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Sieve_WeightPatternAttr : Sieve_Attr<"WeightPattern", "weight_pattern"> {
  let summary = "The pattern and density of the zeros of a constant weight";
  let description = [{
    Records what the weight-pattern analysis found in a constant operand of a
    contraction (MatMul, Gemm, Conv). `density` is the measured fraction of
    non-zero elements, in [0, 1]. The kind says how the zeros are arranged:

    * `dense`: no exploitable zeros.
    * `unstructured`: zeros anywhere.
    * `n_m<N, M>`: at most N non-zeros in every group of M consecutive
      elements along the reduction dimension (e.g. 2:4), so
      `density <= N / M`; `0 < N < M`.
    * `block<RxC>`: zeros come in whole R x C blocks (e.g. 1x4, 4x4).
    * `rows`, `columns`, `channels`: whole rows, columns or output channels
      are zero.

    Example:

    ```mlir
    #sieve.weight_pattern<dense, density = 1.0>
    #sieve.weight_pattern<unstructured, density = 0.1>
    #sieve.weight_pattern<n_m<2, 4>, density = 0.5>
    #sieve.weight_pattern<block<4x4>, density = 0.25>
    #sieve.weight_pattern<channels, density = 0.75>
    ```
  }];
  let parameters = (ins
    "WeightPatternKind":$kind,
    "unsigned":$n,
    "unsigned":$m,
    ArrayRefParameter<"int64_t", "block shape">:$blockShape,
    APFloatParameter<"fraction of non-zero elements">:$density
  );
  let builders = [
    AttrBuilder<(ins "WeightPatternKind":$kind, "double":$density), [{
      return $_get($_ctxt, kind, 0u, 0u, ::llvm::ArrayRef<int64_t>{},
                   ::llvm::APFloat(density));
    }]>,
    AttrBuilder<(ins "unsigned":$n, "unsigned":$m, "double":$density), [{
      return $_get($_ctxt, WeightPatternKind::NM, n, m,
                   ::llvm::ArrayRef<int64_t>{}, ::llvm::APFloat(density));
    }]>,
    AttrBuilder<(ins "::llvm::ArrayRef<int64_t>":$blockShape,
                     "double":$density), [{
      return $_get($_ctxt, WeightPatternKind::Block, 0u, 0u, blockShape,
                   ::llvm::APFloat(density));
    }]>
  ];
  let extraClassDeclaration = [{
    /// The density as a double.
    double getDensityValue() const { return getDensity().convertToDouble(); }
  }];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Sieve_ActivationSiteAttr
    : Sieve_Attr<"ActivationSite", "activation_site"> {
  let summary = "A ReLU-like activation that feeds a contraction";
  let description = [{
    Marks a value produced by a ReLU-like op (`relu`, `relu6`, `clip` with a
    lower bound of 0, `squared_relu`; the ONNX importer writes ReLU6 as a
    Clip, which `sieve-find-activation-sites` marks `clip`; `relu6` is for
    front ends that keep it) that reaches an operand of a
    contraction, so that the contraction can skip the weight rows of inactive
    (zero) neurons.

    `density` is the fraction of non-zero activations and says where it comes
    from: `measured` by calibration, or `assumed` (given by the user or a
    default of the cost model). Without a density the source is `unknown` and
    the density reads as 1.0: an unknown site is treated as dense.

    Example:

    ```mlir
    #sieve.activation_site<relu>
    #sieve.activation_site<relu6, measured = 0.12>
    #sieve.activation_site<squared_relu, assumed = 0.5>
    ```
  }];
  let parameters = (ins
    "ActivationKind":$activation,
    "DensitySource":$source,
    APFloatParameter<"fraction of non-zero activations">:$density
  );
  let builders = [
    AttrBuilder<(ins "ActivationKind":$activation), [{
      return $_get($_ctxt, activation, DensitySource::Unknown,
                   ::llvm::APFloat(1.0));
    }]>,
    AttrBuilder<(ins "ActivationKind":$activation, "DensitySource":$source,
                     "double":$density), [{
      return $_get($_ctxt, activation, source, ::llvm::APFloat(density));
    }]>
  ];
  let extraClassDeclaration = [{
    /// The density as a double (1.0 when unknown).
    double getDensityValue() const { return getDensity().convertToDouble(); }
  }];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Sieve_PredictorAttr : Sieve_Attr<"Predictor", "predictor"> {
  let summary = "A fitted low-rank predictor of a ReLU's active neurons";
  let description = [{
    Attached to the ReLU of an FFN (as `sieve.predictor`) by the compile
    API with `--sparsity=approx` (docs/predictors.md), or written by a user
    who brings their own predictor: the factors `u` (`D x R`) and `v`
    (`R x N`) and the per-neuron `thresholds` (`N`) of a `sieve.predict` of
    the neurons of `relu(x @ W + b)`, the ReLU's input. The thresholds fold
    in the bias `b`: neuron `j` is predicted active when
    `(x @ u @ v)[j] > thresholds[j]`.

    `recall` is the fraction of truly active neurons the predictor kept on
    held-out calibration rows, and `density` the fraction of neurons it
    predicted active there (both in [0, 1]); the rewrite reports them and
    compares the density with the cost model's limit.

    `sieve-sparsify-activations{approx=true}` turns the FFN into a
    `sieve.predict`, a `sieve.branch` on the predicted density, and gathers
    of the predicted neurons' up and down weights.

    Example:

    ```mlir
    #sieve.predictor<u = dense<...> : tensor<4096x256xf32>,
                     v = dense<...> : tensor<256x11008xf32>,
                     thresholds = dense<...> : tensor<11008xf32>,
                     recall = 0.99, density = 0.14>
    ```
  }];
  let parameters = (ins
    "::mlir::ElementsAttr":$u,
    "::mlir::ElementsAttr":$v,
    "::mlir::ElementsAttr":$thresholds,
    "::mlir::FloatAttr":$recall,
    "::mlir::FloatAttr":$density
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_TD
