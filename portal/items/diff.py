"""A character-level diff: Chinese has no spaces, so words cannot be the unit."""
from difflib import SequenceMatcher

from markupsafe import Markup, escape


def diff_html(original: str, edited: str) -> Markup:
    parts = []
    matcher = SequenceMatcher(None, original, edited, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            parts.append(Markup("<del>{}</del>").format(original[a1:a2]))
        if op in ("insert", "replace"):
            parts.append(Markup("<ins>{}</ins>").format(edited[b1:b2]))
        if op == "equal":
            parts.append(escape(original[a1:a2]))
    return Markup("").join(parts)
