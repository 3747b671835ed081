"""Frontends: find the attention layers of ONNX models and PyTorch modules.

* :mod:`attn.frontends.onnx` — ``import_model(path_or_ModelProto)`` returns an
  MLIR module with one ``attn.attention`` per attention of the graph (the ONNX
  ``Attention`` op and the decomposed MatMul/Softmax/MatMul patterns exporters
  emit); ``check(model, inputs)`` compares each layer, run on the CPU path and
  in the simulator, with onnxruntime.
* :mod:`attn.frontends.torch` — ``import_module(module, example_inputs)``
  through ``torch.export`` (``aten.scaled_dot_product_attention`` and the
  explicit matmul-softmax-matmul form); ``check`` compares with the module's
  own forward.

Both import their packages (``onnx``, ``onnxruntime``, ``torch``) lazily and
raise an ImportError naming the package to install when it is missing. What
is matched and what is not: docs/frontends.md.
"""

from ._common import AttentionLayer, CheckResult, FrontendResult, LayerCheck, Operand, Unmatched

__all__ = ["AttentionLayer", "CheckResult", "FrontendResult", "LayerCheck", "Operand", "Unmatched"]
