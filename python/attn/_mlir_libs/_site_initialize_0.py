# Picked up by attn._mlir_libs for every Context: registers the attn-aie
# dialects (and their upstream companions) and attn-aie passes.
from ._attn import register_dialects  # noqa: F401
