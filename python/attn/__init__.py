"""attn-aie: an MLIR compiler that maps transformer attention onto AMD XDNA NPUs.

The package embeds the upstream MLIR Python bindings under the ``attn.``
prefix (``attn.ir``, ``attn.passmanager``, ``attn.dialects.*``) with the
project's dialects and passes registered in every ``Context``.
"""

__version__ = "0.1.0"

from .errors import AttnError  # noqa: E402

__all__ = ["AttnError", "__version__"]
