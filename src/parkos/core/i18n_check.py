"""Message catalogs: check that zh-Hans, zh-Hant and English are complete and compiled.

    python -m parkos.core.i18n_check            # check (run by `make lint`)
    python -m parkos.core.i18n_check --fill --compile
        fill English with the source text and Traditional Chinese from Simplified (OpenCC s2tw: characters, not Taiwanese phrasing — 代码 must stay 代碼) where
        they are empty, then compile the .mo files. Hand-written zh-Hant entries are never overwritten.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGS = ("zh_Hans", "zh_Hant", "en")


def _po(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"), wrapwidth=0)


def _complete(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def fill() -> None:
    from opencc import OpenCC

    s2t = OpenCC("s2tw")
    hans = {(e.msgctxt, e.msgid): e for e in _po("zh_Hans")}
    for lang in ("zh_Hant", "en"):
        po = _po(lang)
        for entry in po:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.msgstr_plural = {k: "" for k in entry.msgstr_plural} if entry.msgid_plural else {}
            if _complete(entry):
                continue
            if lang == "en":
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
            else:
                source = hans.get((entry.msgctxt, entry.msgid))
                if source is None or not _complete(source):
                    continue
                if entry.msgid_plural:
                    entry.msgstr_plural = {k: s2t.convert(v) for k, v in source.msgstr_plural.items()}
                else:
                    entry.msgstr = s2t.convert(source.msgstr)
        po.save()


def compile_all() -> None:
    for lang in LANGS:
        po = _po(lang)
        po.save_as_mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))


# %(name)s / %(name)d and {name} / {} placeholders: a translation that drops or renames one shows text
# without its value, or raises at run time (a stale fuzzy guess once turned %(n)s into %(d)s).
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|\{\w*\}")


def _placeholders_wrong(entry: polib.POEntry) -> bool:
    def found(text: str) -> set[str]:
        return set(_PLACEHOLDER.findall(text or ""))

    if entry.msgid_plural:  # a form may leave the count out ("one step left"), never add another name
        allowed = found(entry.msgid) | found(entry.msgid_plural)
        return any(not found(v) <= allowed for v in entry.msgstr_plural.values())
    return bool(entry.msgstr) and found(entry.msgstr) != found(entry.msgid)


def check() -> list[str]:
    problems = []
    for lang in LANGS:
        path = LOCALE / lang / "LC_MESSAGES"
        po = _po(lang)
        wrong = [e.msgid for e in po if not e.obsolete and _placeholders_wrong(e)]
        if wrong:
            problems.append(f"{lang}: {len(wrong)} translations whose placeholders differ from the source, "
                            f"e.g. {wrong[:3]!r}")
        missing = [e.msgid for e in po if not e.obsolete and (not _complete(e) or "fuzzy" in e.flags)]
        if missing:
            problems.append(f"{lang}: {len(missing)} untranslated or fuzzy, e.g. {missing[:3]!r}")
        mo = path / "django.mo"
        if not mo.exists():
            problems.append(f"{lang}: django.mo missing (run `make messages`)")
            continue
        compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                    for e in polib.mofile(str(mo))}
        for e in po:
            if e.obsolete or not _complete(e):
                continue
            if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr, tuple(sorted(e.msgstr_plural.items()))):
                problems.append(f"{lang}: django.mo is older than django.po (run `make messages`)")
                break
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    if args.fill:
        fill()
    if args.compile:
        compile_all()
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("message catalogs: zh_Hans, zh_Hant and en complete and compiled")


if __name__ == "__main__":
    main()
