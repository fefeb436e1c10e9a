"""The real arguments of a construct class, for ``help()`` and ``inspect.signature``.

jsii's metaclass defines ``__call__(*args, **kwargs)``, which ``inspect`` reads before ``__init__``, so
``help(EmailAddressAlias)`` opened with ``(*args, **kwargs)``. A class's ``__signature__`` comes first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def constructor_signature(init: Callable[..., Any]) -> inspect.Signature:
    """``init``'s signature without ``self`` or the return, annotations evaluated where they can be."""
    try:
        signature = inspect.signature(init, eval_str=True)
    except NameError:  # an annotation names something defined later: keep it as written
        signature = inspect.signature(init)
    parameters = list(signature.parameters.values())[1:]
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)
