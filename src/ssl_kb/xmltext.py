"""XML text: what XML 1.0 can carry, so that every XML writer emits a well-formed document.

XML 1.0 allows only ``#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]``;
anything else (NUL and other C0 controls, lone surrogates, U+FFFE/U+FFFF) cannot be written even as
a character reference. ``check`` rejects such text in records; the writers still never emit it.
"""

from __future__ import annotations

import re

_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def legal(text: object) -> str:
    """``text`` with every character that XML 1.0 cannot carry replaced by U+FFFD.

    >>> legal("a\\x00b\\uffffc")
    'a\\ufffdb\\ufffdc'
    """
    return _ILLEGAL.sub(REPLACEMENT, str(text))
