"""HR's audit log reads in words: every action code the code records (found by reading every
`audit.record` and `audit.record_changes` call) has words, and the page and CSV show the words
and the field names in words, never the codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from markupsafe import escape

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.people import audit
from portal.people.models import Role
from tests.support import make_staff, sign_in

CALLS = {"record": 1, "record_changes": 2}  # which positional argument is the action


def _action_argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _strings(value: ast.expr) -> list[str]:
    """The strings an expression can be: "a", or "a" if x else "b"."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        body, orelse = _strings(value.body), _strings(value.orelse)
        return body + orelse if body and orelse else []
    return []


def _assigned_strings(scope: ast.AST, name: str) -> list[str]:
    return [
        string
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        for string in _strings(node.value)
    ]


def _codes(value: ast.expr, scope: ast.AST, where: str) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.JoinedStr):
        # f"{role}.created", f"{user.role}.updated": one code per role.
        head, *rest = value.values
        assert isinstance(head, ast.FormattedValue) and "role" in ast.unparse(head.value), where
        tail = "".join(part.value for part in rest if isinstance(part, ast.Constant))
        return [f"{role.value}{tail}" for role in Role]
    if isinstance(value, ast.Name):
        found = _assigned_strings(scope, value.id)
        assert found, f"{where}: cannot tell which action {value.id} holds"
        return found
    raise AssertionError(f"{where}: an action this test cannot read: {ast.unparse(value)}")


def recorded_actions() -> dict[str, str]:
    """Every action code recorded anywhere in the portal, with where."""
    codes: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "portal").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for scope in scopes:
            for node in ast.walk(scope):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"
                    and node.func.attr in CALLS
                ):
                    continue
                where = f"{Path(path).relative_to(PROJECT_ROOT)}:{node.lineno}"
                argument = _action_argument(node, CALLS[node.func.attr])
                assert argument is not None, where
                for code in _codes(argument, scope, where):
                    codes.setdefault(code, where)
    return codes


def test_the_reader_finds_the_calls():
    codes = recorded_actions()
    assert {"signed_in", "hr.created", "candidate.updated", "faq.updated", "faq.created"} <= set(
        codes
    )
    assert len(codes) > 30


def test_every_recorded_action_has_words_and_a_filter():
    kinds = [pattern for _label, patterns in audit.ACTION_KINDS.values() for pattern in patterns]

    def filtered(code: str) -> bool:
        return any(code.startswith(p[:-1]) if p.endswith("*") else code == p for p in kinds)

    for code, where in recorded_actions().items():
        role, _dot, rest = code.partition(".")
        assert code in audit.ACTION_WORDS or (
            role in {r.value for r in Role} and rest in audit.ACTION_WORDS
        ), f"{code} ({where}) has no words in people/audit.py ACTION_WORDS"
        assert filtered(code), f"{code} ({where}) is in none of the log's filter kinds"


def test_the_page_and_the_csv_show_words_not_codes(app):
    codes = sorted(recorded_actions())
    with app.app_context():
        hr = make_staff(Role.HR, "helen@example.com", "Helen HR")
        for code in codes:
            audit.record(hr, code, hr, "joining_date", "2026-05-01", "2026-05-04")
        db.session.commit()
    client = app.test_client()
    sign_in(client, "helen@example.com")
    page = client.get("/hr/audit").get_data(as_text=True)
    shown = set()
    while True:
        for code in codes:
            if str(escape(audit.describe(code))) in page:
                shown.add(code)
        assert "joining_date" not in page and "joining date" in page
        link = re.search(r'<a href="([^"]+)" rel="next">', page)
        if link is None:
            break
        before = link.group(1).replace("&amp;", "&")
        page = client.get(before).get_data(as_text=True)
    assert shown == set(codes)
    csv_text = client.get("/hr/audit.csv").get_data(as_text=True)
    assert "joining date" in csv_text and ",joining_date," not in csv_text
    for code in codes:
        assert audit.describe(code) in csv_text, code
