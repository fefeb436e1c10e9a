"""The function's contract module, as the construct imports it (docs/design.md § Construct, "One grammar").

At run time it comes from the installed package (``connect_email_alias._function`` is the function's code);
mypy reads ``lambda/`` as top-level modules (pyproject's ``mypy_path``), so it checks the same file as
``contract``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import contract as contract
else:
    from connect_email_alias._function import contract as contract

__all__ = ["contract"]
