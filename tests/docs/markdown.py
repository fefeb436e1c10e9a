"""README's fenced code blocks and links, as the docs tests read them.

A block runs unless the line before its fence is an HTML comment starting ``<!-- illustrative`` (hidden on
rendered pages); ``<!-- pytest -->`` there makes a python block a test file run by pytest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\S*)\s*$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # of the opening fence, 1-based
    marker: str  # the HTML comment before the fence, or ""

    @property
    def illustrative(self) -> bool:
        return self.marker.startswith("<!-- illustrative")

    @property
    def is_pytest(self) -> bool:
        return self.marker.startswith("<!-- pytest")

    @property
    def id(self) -> str:
        return f"{self.language or 'plain'}-L{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path`` with the marker comment just above it."""
    found: list[Block] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        previous = lines[index - 1].strip() if index else ""
        marker = previous if previous.startswith("<!--") else ""
        found.append(Block(opening.group(1), "\n".join(lines[index + 1 : end]) + "\n", index + 1, marker))
        index = end + 1
    return found


def links(path: Path) -> list[str]:
    """Targets of the markdown links of ``path``, outside code blocks."""
    text = path.read_text()
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return LINK.findall(prose)
