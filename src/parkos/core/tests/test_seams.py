"""The seams of the code base stay where STYLE.md puts them. Each test reads the source as text, so a
new module that goes around a seam fails here, with the place named."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from parkos.core import policy
from parkos.core.errors import ErrorCode

SRC = Path(__file__).resolve().parents[2]  # src/parkos
DOMAINS = sorted(p.name for p in SRC.iterdir() if (p / "apps.py").exists() and p.name != "core")


def _sources(*, include_tests: bool = False) -> list[Path]:
    files = []
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).parts
        if "migrations" in parts or (not include_tests and ("tests" in parts or path.name == "conftest.py")):
            continue
        files.append(path)
    return sorted(files)


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_every_policy_rule_is_asked_somewhere() -> None:
    """A rule nobody checks is a permission that silently does not exist."""
    texts = {}
    for path in _sources():
        if path.stem == "rules" or path.parent.name == "rules" or path.name == "policy.py":
            continue
        texts[path] = path.read_text(encoding="utf-8")
    for template in SRC.rglob("templates/**/*.html"):
        texts[template] = template.read_text(encoding="utf-8")
    blob = "\n".join(texts.values())
    unasked = sorted(action for action in policy.RULES if f'"{action}"' not in blob and f"'{action}'" not in blob)
    assert not unasked, f"policy rules that nothing checks: {unasked}"


def test_rules_are_registered_once_not_guarded_or_imported_for_side_effects() -> None:
    offenders = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if re.search(r"in policy\.RULES", text) and path.name != "policy.py":
            offenders.append(f"{_rel(path)}: tests policy.RULES membership")
        if path.stem != "rules" and re.search(r"^\s*from parkos\.\w+ import (\w+, )*rules\w*\b", text, re.M):
            offenders.append(f"{_rel(path)}: imports a rules module (CoreConfig discovers them)")
    assert not offenders, "\n".join(offenders)


def test_domains_meet_through_read_functions_not_the_membership_table() -> None:
    """Only the enterprises domain (and its own loaders: demo park, generator part) filters its
    Membership table; the others ask enterprises.selectors."""
    allowed = {"enterprises", "demo"}
    offenders = []
    for path in _sources():
        parts = path.relative_to(SRC).parts
        if parts[0] in allowed or (parts[-1] == "enterprises.py" and "generator" in parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "parkos.enterprises.models" and any(
                alias.name == "Membership" for alias in node.names
            ):
                offenders.append(f"{_rel(path)}:{node.lineno}")
    assert not offenders, f"Membership imported outside enterprises: {offenders}"


def test_core_depends_on_no_domain() -> None:
    offenders = []
    for path in _sources():
        if path.relative_to(SRC).parts[0] != "core":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            for module in modules:
                head = module.split(".")
                if head[0] == "parkos" and len(head) > 1 and head[1] in DOMAINS:
                    offenders.append(f"{_rel(path)}:{node.lineno} imports {module}")
    assert not offenders, "\n".join(offenders)


# Where an error code is given: the domain's errors, field_error and Django's ValidationError.
ERROR_CALLS = {"DomainError", "Invalid", "Forbidden", "NotFound", "Conflict", "RateLimited", "NotAuthenticated",
               "field_error", "ValidationError", "Rejected"}


def test_error_codes_come_from_the_one_vocabulary() -> None:
    """Codes are ``ErrorCode`` members, never free strings (synonyms crept in that way)."""
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ERROR_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    value = keyword.value.value
                    hint = f"ErrorCode.{ErrorCode(value).name}" if value in {c.value for c in ErrorCode} else "a new member"
                    offenders.append(f"{_rel(path)}:{node.lineno}: {value!r} (write {hint})")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("domain", DOMAINS)
def test_page_views_turn_domain_errors_into_messages_one_way(domain: str) -> None:
    """Page views use ``core.forms.page_action`` rather than hand-written ``except DomainError`` blocks."""
    offenders = []
    for path in _sources():
        parts = path.relative_to(SRC).parts
        if parts[0] != domain or not (path.name == "views.py" or "views" in parts[:-1]):
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # An ``except`` that says why it is not a page action (a JSON endpoint, a page that only shows
            # the reason) is allowed; a silent one is not.
            if re.search(r"except \(?(DomainError|Invalid|Conflict|Forbidden|NotFound)\b", line) and "#" not in line:
                offenders.append(f"{_rel(path)}:{lineno}")
    assert not offenders, f"hand-written domain-error handling in page views: {offenders}"


def test_permission_questions_go_to_the_policy_not_to_roles() -> None:
    """Services, selectors, views and consumers ask ``policy.can/require``; only the policy itself, the
    account model that stores roles (and shows them) and the shell's menu flags read roles directly."""
    allowed = {"core/policy.py", "core/parks.py", "core/context_processors.py", "accounts/models.py",
               "accounts/schemas.py", "accounts/services.py", "search/selectors.py"}
    offenders = []
    for path in _sources():
        rel = "/".join(path.relative_to(SRC).parts)
        if rel in allowed:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"has_role\(|\brole_codes\b|\broles_of\(|\brole_scopes\b", line):
                offenders.append(f"{rel}:{lineno}")
    assert not offenders, f"roles read outside the policy: {offenders}"
