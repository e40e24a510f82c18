"""Update, compile and check wotsim's message catalogues (gettext ``.po`` -> ``.mo``) with Babel.

    python scripts/compile_catalogues.py            # compile each wotsim/locale/*/LC_MESSAGES/*.po to its .mo
    python scripts/compile_catalogues.py --update   # add the message ids used in wotsim/ to every .po
    python scripts/compile_catalogues.py --check    # exit 1, one line per problem (what tests/test_i18n.py checks)

The message ids are found in the package's code by :func:`code_messages` (the calls ``pybabel
extract`` finds, and those inside f-strings and of ``translator(lang)("...")``).  ``--update``
only adds: an entry whose id is no longer in the code stays (it may be translated ahead of the
code) and is listed as unused, for a person to delete.  ``--check`` reports an id in the code
missing from a catalogue, an entry without a translation or marked fuzzy, a translation whose
``{placeholders}`` differ from its id's, and a ``.mo`` whose messages differ from its ``.po``'s.
The workflow is in :mod:`wotsim.i18n`'s docstring.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wotsim"
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "wotsim"
#: A file may hold messages only if it calls one of the extraction keywords (a cheap first look).
_CALLS = re.compile(r"\b(?:_|N_|\w*gettext|translator)\(")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, Path]:
    """language -> its ``.po`` file."""
    return {p.parents[1].name: p for p in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def read_catalogue(po: Path) -> Catalog:
    with open(po, "rb") as fh:
        return read_po(fh, domain=DOMAIN)  # the language from its header


def code_messages(package: Path = PACKAGE) -> dict[object, list[str]]:
    """Every message id used in the package's code (a tuple for a plural) -> where (``file:line``).

    Read with :mod:`ast`: a call of ``_``, ``N_``, ``gettext`` or ``ngettext`` (also as an
    attribute, ``t.gettext``) or of ``translator(...)`` itself (``translator(lang)("...")``)
    whose message arguments are string literals, anywhere, inside f-strings too (where
    ``pybabel extract`` does not look on Python 3.11).
    """
    found: dict[object, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not _CALLS.search(text):
            continue
        for node in ast.walk(ast.parse(text)):
            message = _message(node) if isinstance(node, ast.Call) else None
            if message is not None:
                found.setdefault(message, []).append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def _message(call: ast.Call) -> object:
    """The message id of a translating call, or None."""
    func = call.func
    name = (func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute)
            else "_" if isinstance(func, ast.Call) and getattr(func.func, "id", "") == "translator" else "")
    texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in call.args]
    if name in ("_", "N_", "gettext") and texts[:1] and texts[0] is not None:
        return texts[0]
    if name == "ngettext" and len(texts) >= 2 and None not in texts[:2]:
        return tuple(texts[:2])
    return None


def compiled_messages(catalog: Catalog) -> dict[object, object]:
    """id -> translation of the entries a ``.mo`` holds (translated, not fuzzy; the header left out)."""
    def key(x: object) -> object:  # read_mo gives a plural as a list, read_po as a tuple
        return tuple(x) if isinstance(x, (list, tuple)) else x

    return {key(m.id): key(m.string) for m in catalog if m.id and m.string and not m.fuzzy
            and (not isinstance(m.string, (list, tuple)) or all(m.string))}


def _placeholders(text: object) -> set[str]:
    texts = text if isinstance(text, tuple) else (text,)
    return {p for t in texts for p in _PLACEHOLDER.findall(t or "")}


def problems(po: Path, used: dict[object, list[str]]) -> list[str]:
    """What is wrong with one catalogue and its ``.mo``, one line each (empty: nothing)."""
    catalog = read_catalogue(po)
    out = []
    for message_id, where in used.items():
        if message_id not in catalog:
            out.append(f"{po}: {message_id!r} ({where[0]}) is not in the catalogue; run "
                       "scripts/compile_catalogues.py --update and translate it")
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            out.append(f"{po}: {m.id!r} is marked fuzzy; check its translation and remove the flag")
        elif not all(s.strip() for s in strings):
            out.append(f"{po}: {m.id!r} has no translation")
        elif any(not _placeholders(s) <= _placeholders(m.id) for s in strings) or (
                not isinstance(m.id, tuple) and _placeholders(m.string) != _placeholders(m.id)):
            out.append(f"{po}: {m.id!r}: the translation's placeholders {sorted(_placeholders(m.string))} differ "
                       f"from the id's {sorted(_placeholders(m.id))}")
    mo = po.with_suffix(".mo")
    if not mo.exists():
        out.append(f"{mo}: missing; run scripts/compile_catalogues.py")
    else:
        with open(mo, "rb") as fh:
            have = compiled_messages(read_mo(fh))
        if have != compiled_messages(catalog):
            out.append(f"{mo}: out of date with {po.name}; run scripts/compile_catalogues.py")
    return out


def update(po: Path, used: dict[object, list[str]]) -> tuple[list[object], list[object]]:
    """Add the ids in ``used`` missing from ``po`` (empty translations); (added, unused in the code)."""
    catalog = read_catalogue(po)
    added = [m for m in used if m not in catalog]
    for message_id in added:
        catalog.add(message_id, ("", "") if isinstance(message_id, tuple) else "")
    if added:
        write(po, catalog)
    unused = [m.id for m in catalog if m.id and m.id not in used]
    return added, unused


def write(po: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, no_location=True, omit_header=False)
    po.write_bytes(buffer.getvalue())


def compile_catalogue(po: Path) -> Path:
    """Write ``po``'s ``.mo`` beside it (translated, non-fuzzy entries) and return its path."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(po), use_fuzzy=False)
    mo = po.with_suffix(".mo")
    mo.write_bytes(buffer.getvalue())
    return mo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--update", action="store_true", help="add the message ids used in wotsim/ to every .po")
    what.add_argument("--check", action="store_true", help="report problems; exit 1 if there are any")
    args = parser.parse_args(argv)
    pos = catalogues()
    if not pos:
        print(f"no catalogues under {LOCALE_DIR}", file=sys.stderr)
        return 1
    used = code_messages()
    if args.check:
        found = [line for po in pos.values() for line in problems(po, used)]
        for line in found:
            print(line)
        print(f"{len(used)} message ids in the code; {len(pos)} catalogue(s); {len(found)} problem(s)")
        return 1 if found else 0
    for lang, po in pos.items():
        if args.update:
            added, unused = update(po, used)
            print(f"{po}: {len(added)} id(s) added" + "".join(f"\n  + {m!r}" for m in added))
            if unused:
                print(f"  {len(unused)} id(s) not in the code (translated ahead, or stale: delete by hand):"
                      + "".join(f"\n  ? {m!r}" for m in unused))
        else:
            print(f"{compile_catalogue(po)}: compiled ({lang})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
