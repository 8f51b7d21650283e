"""Reads the hand-written near-duplicate evaluation set (tests/data/duplicate_eval/, format in its README.txt)."""
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent.parent / "tests" / "data" / "duplicate_eval"
DUPLICATE_KINDS = ("refiled", "renamed", "own_brief", "two_units", "two_units_reworded", "brief_vs_other")
DISTINCT_KINDS = ("routine_periods", "unit_template", "street_template", "same_topic")


@dataclass(frozen=True)
class EvalItem:
    id: str
    unit: str
    day: date
    title: str
    body: str

    @property
    def text(self) -> str:
        return self.title + "\n" + self.body


@dataclass(frozen=True)
class EvalPair:
    a: str
    b: str
    duplicate: bool
    kind: str
    split: str
    source: str = ""  # the file it is written in (a batch: the fresh test batch is one file)


def _fields(lines: list[str]) -> tuple[dict, list[str]]:
    fields, rest = {}, []
    for line in lines:
        match = re.match(r"^(unit|date|title): (.*)$", line)
        if match and not rest:
            fields[match[1]] = match[2].strip()
        else:
            rest.append(line)
    return fields, rest


def load(directory: Path = DIRECTORY, exclude: tuple[str, ...] = ()) -> tuple[dict[str, EvalItem], list[EvalPair]]:
    """The set's items and pairs; a file named in exclude (its stem, e.g. 39_fresh_test8) is left out whole, even as
    history: the fresh batch a round is fitted without."""
    items: dict[str, EvalItem] = {}
    pairs: list[EvalPair] = []
    blocks: list[tuple[str, str, list[str]]] = []
    for path in sorted(directory.glob("*.txt")):
        if path.name == "README.txt" or path.stem in exclude:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            if line.startswith("@"):
                blocks.append((line, path.stem, []))
            elif blocks:
                blocks[-1][2].append(line)
    for header, source, lines in blocks:
        words = header.split()
        if words[0] in ("@item", "@copy") and words[1] in items:
            # a later item of the same ID would replace the earlier one for every pair naming it
            raise ValueError(f"{source}: item {words[1]} is already defined in the set")
        if words[0] == "@item":
            fields, body = _fields(lines)
            items[words[1]] = EvalItem(words[1], fields["unit"], date.fromisoformat(fields["date"]), fields["title"],
                                       "\n".join(line for line in body if line.strip()))
        elif words[0] == "@copy":
            source = items[words[3]]
            fields, edits = _fields(lines)
            body = source.body
            for edit in filter(str.strip, edits):
                old, new = (part.strip() for part in edit.lstrip("~ ").split("=>"))
                assert old in body, (words[1], old)
                body = body.replace(old, new)
            items[words[1]] = EvalItem(words[1], fields.get("unit", source.unit),
                                       date.fromisoformat(fields.get("date", source.day.isoformat())),
                                       fields.get("title", source.title), body)
        elif words[0] == "@pair":
            assert words[4] in (DUPLICATE_KINDS if words[3] == "dup" else DISTINCT_KINDS), header
            assert words[5] in ("tune", "test"), header
            pairs.append(EvalPair(words[1], words[2], words[3] == "dup", words[4], words[5], source))
    assert all(pair.a in items and pair.b in items for pair in pairs)
    return items, pairs
