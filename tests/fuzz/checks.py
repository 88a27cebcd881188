"""Assertions shared by the fuzz tests: what a good refusal looks like."""

from __future__ import annotations

import re

# Fragments of Python's own (English) messages: a reason containing one means an
# exception text leaked to operators instead of a reason written for them.
_LEAKS = re.compile(
    r"Traceback|Error|Exception|Expecting|codec|invalid literal|object has no"
    r"|unsupported operand|not subscriptable|could not convert"
)


def assert_reason(reason: object, limit: int = 300) -> None:
    """A refusal reason: a short French sentence, not a leaked Python message."""
    assert isinstance(reason, str), reason
    assert len(reason.strip()) > 0 and len(reason) <= limit, reason
    assert not _LEAKS.search(reason), reason
    reason.encode("utf-8")  # storable and printable as is
