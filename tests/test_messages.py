"""web/messages.js mirrors python/scratchnn/browser/messages.py: the same messages, the same fields."""

from __future__ import annotations

import re
from pathlib import Path

from scratchnn.browser import messages

MIRROR = Path(__file__).resolve().parent.parent / "web" / "messages.js"


def typedefs(text: str) -> dict[str, list[str]]:
    """Each ``@typedef {object} Name`` in the JSDoc text -> the names of its ``@property`` lines."""
    found: dict[str, list[str]] = {}
    for block in re.findall(r"/\*\*(.*?)\*/", text, re.S):
        name = re.search(r"@typedef \{object\} (\w+)", block)
        if name:
            found[name.group(1)] = re.findall(r"@property \{[^}]*\} \[?(\w+)\]?", block)
    return found


def test_every_message_is_mirrored_with_the_same_fields_in_the_same_order():
    mirrored = typedefs(MIRROR.read_text())
    defined = {cls.__name__: list(cls.__annotations__) for cls in messages.REQUESTS + messages.EVENTS + messages.VALUES}
    assert mirrored == defined


def test_each_request_and_event_names_its_type():
    for cls in messages.REQUESTS + messages.EVENTS:
        assert "type" in cls.__annotations__, cls.__name__
    for cls in messages.REQUESTS:
        assert "id" in cls.__annotations__, cls.__name__  # the Result that answers it repeats the id


def test_the_mirror_check_sees_a_missing_field():
    text = MIRROR.read_text().replace(" * @property {number} python_ms\n", "", 1)
    assert typedefs(text)["Prediction"] != list(messages.Prediction.__annotations__)
