"""Every string a person reads is translated in every language the portal ships (issue 14).

(a) every message marked in the source (extracted as `make translations` does: babel.cfg, the
    Makefile's keywords) has a German translation in translations/de, neither empty nor fuzzy;
(b) the compiled catalogue (messages.mo) says what messages.po says;
(c) templates hold no text outside `_()` / `{% trans %}`: each template's text between tags, and
    the attributes people read (alt, title, aria-label, placeholder, a button's value, the
    meta description), and the string literals an expression prints;
(d) Python hands no bare string literal to what people read: flash(), ValidationError and
    friends, form field labels and descriptions, validator messages, choices.

(c) and (d) run per file, over the whole tree: a file another area has not marked yet fails on
its own line, naming what is left.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PORTAL = ROOT / "portal"
SHIPPED = ("de",)  # every language of LANGUAGES but English, the source language


# --- (a) and (b): the catalogues ---------------------------------------------------------------


def _makefile_keywords() -> dict:
    """The extraction keywords of the Makefile's `translations` target (BABEL_KEYWORDS)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^BABEL_KEYWORDS\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    assert found, "the Makefile defines no BABEL_KEYWORDS"
    extra = re.findall(r"-k\s+(\S+)", found.group(1))
    return {**DEFAULT_KEYWORDS, **parse_keywords(extra)}


def extracted() -> Catalog:
    """Every marked message of portal/ and templates/, with where it is."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    keywords = _makefile_keywords()
    for folder in ("portal", "templates"):
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=keywords
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], context=context)
    return catalog


def _catalogue(language: str) -> Catalog:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(strings) and all(strings) and not message.fuzzy


def _key(message_id: str | tuple) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


@pytest.mark.parametrize("language", SHIPPED)
def test_every_marked_message_is_translated(language):
    catalogue = _catalogue(language)
    done = {_key(message.id) for message in catalogue if message.id and _translated(message)}
    missing = [message for message in extracted() if message.id and _key(message.id) not in done]
    lines = []
    for message in missing:
        where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
        lines.append(f"  {_key(message.id)!r}  ({where})")
    assert not missing, (
        f"{len(missing)} marked messages have no {language} translation in "
        f"translations/{language}/LC_MESSAGES/messages.po (`make translations`, then translate):\n"
        + "\n".join(lines)
    )


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalogue_matches_its_source(language):
    folder = ROOT / "translations" / language / "LC_MESSAGES"
    source = _catalogue(language)
    compiled = io.BytesIO()
    write_mo(compiled, source)
    compiled.seek(0)
    with (folder / "messages.mo").open("rb") as f:
        committed = read_mo(f)
    expected = read_mo(compiled)

    def pairs(catalog: Catalog) -> dict:
        def frozen(value: object) -> object:
            return tuple(value) if isinstance(value, (list, tuple)) else value

        return {frozen(message.id): frozen(message.string) for message in catalog if message.id}

    stale = {
        key
        for key in pairs(expected).keys() | pairs(committed).keys()
        if pairs(expected).get(key) != pairs(committed).get(key)
    }
    assert not stale, (
        f"messages.mo is not messages.po compiled ({len(stale)} messages differ, such as "
        f"{sorted(map(_key, stale))[:5]}): run `pybabel compile -d translations`"
    )


def test_a_message_that_is_not_translated_is_reported(tmp_path):
    """The check of (a) can fail: an unknown message is missing from the German."""
    catalogue = _catalogue("de")
    done = {_key(message.id) for message in catalogue if message.id and _translated(message)}
    assert "A sentence nobody has translated." not in done
    assert "Sign in" in done


# --- (c): templates ----------------------------------------------------------------------------

# Text that is the same in every language: separators, and code people copy as it is.
TEMPLATE_ALLOWLIST = frozenset(
    {
        "·",
        "—",
        "–",
        "…",
        "›",
        "Authorization: Bearer <token>",
    }
)
# Attributes that people read (and a screen reader says).
READ_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "placeholder", "aria-description"})
HOLE = "\ue000"  # stands for whatever a Jinja tag or expression puts there
_ENV = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
_LETTER = re.compile(r"[^\W\d_]")


def _has_words(text: str) -> bool:
    text = text.replace(HOLE, " ").strip()
    return bool(_LETTER.search(text)) and text not in TEMPLATE_ALLOWLIST


def template_skeleton(source: str) -> str:
    """The template's own text, every tag and expression a HOLE and every `{% trans %}` block's
    text a HOLE too (it is translated), line breaks kept where they were."""
    out: list[str] = []
    line = 1
    in_trans = False
    expecting_name = False
    for lineno, kind, value in _ENV.lex(source):
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind == "block_begin":
            expecting_name = True
        elif kind == "name" and expecting_name:
            expecting_name = False
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "data" and not in_trans:
            out.append(value)
            line += value.count("\n")
        elif kind in ("variable_begin", "block_begin") or (kind == "data" and in_trans):
            out.append(HOLE)
            if kind == "data":
                out.append("\n" * value.count("\n"))
                line += value.count("\n")
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            wanted = name in READ_ATTRIBUTES or (
                name == "value" and tag in ("input", "button") and values.get("type") == "submit"
            )
            if wanted and value and _has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))
        if tag == "meta" and values.get("name") == "description":
            content = values.get("content") or ""
            if _has_words(content):
                self.found.append((self.getpos()[0], f'meta description "{content}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _has_words(data):
            self.found.append((self.getpos()[0], data.strip().replace(HOLE, "…")))


def untranslated_text(source: str, *, html: bool) -> list[tuple[int, str]]:
    skeleton = template_skeleton(source)
    if not html:
        found = []
        for number, text in enumerate(skeleton.split("\n"), start=1):
            if _has_words(text):
                found.append((number, text.strip().replace(HOLE, "…")))
        return found
    finder = _TextFinder()
    finder.feed(skeleton)
    finder.close()
    return finder.found


def _printed(node: nodes.Node) -> Iterator[nodes.Node]:
    """The parts of an expression that end up on the page as they are."""
    if isinstance(node, nodes.CondExpr):
        yield from _printed(node.expr1)
        if node.expr2 is not None:
            yield from _printed(node.expr2)
    elif isinstance(node, nodes.Concat):
        for part in node.nodes:
            yield from _printed(part)
    elif isinstance(node, nodes.Filter) and node.node is not None:
        yield from _printed(node.node)
    elif isinstance(node, nodes.Add):
        yield from _printed(node.left)
        yield from _printed(node.right)
    else:
        yield node


def _wordy(value: str) -> bool:
    """A literal that reads as words (not a class, an id, a key or an endpoint)."""
    text = value.strip()
    if not _LETTER.search(text) or text in TEMPLATE_ALLOWLIST:
        return False
    return any(char.isupper() for char in text) or len(text.split()) > 1


def printed_literals(source: str) -> list[tuple[int, str]]:
    """String literals an expression prints straight onto the page: `{{ 'Save' if x else … }}`."""
    found = []
    for output in _ENV.parse(source).find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            for part in _printed(child):
                if (
                    isinstance(part, nodes.Const)
                    and isinstance(part.value, str)
                    and _wordy(part.value)
                ):
                    found.append((part.lineno, repr(part.value)))
    return found


def _templates() -> list[Path]:
    return sorted(
        path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt") and path.is_file()
    )


@pytest.mark.parametrize(
    "template", _templates(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_hold_no_untranslated_text(template):
    source = template.read_text(encoding="utf-8")
    found = untranslated_text(source, html=template.suffix == ".html")
    found += printed_literals(source)
    lines = [f"  line {line}: {text}" for line, text in sorted(found)]
    assert not found, (
        f"templates/{template.relative_to(TEMPLATES)} has text that is not translated "
        "(wrap it in {{ _('…') }} or {% trans %}):\n" + "\n".join(lines)
    )


@pytest.mark.parametrize(
    ("source", "html", "expected"),
    [
        ("<p>Hello {{ name }}</p>", True, ["Hello …"]),
        ('<input placeholder="Find a person">', True, ['placeholder="Find a person"']),
        ('<meta name="description" content="A page">', True, ['meta description "A page"']),
        ("<p>{{ _('Hello') }} · {{ name }}</p>", True, []),
        ("<p>{% trans name=x %}Hello {{ name }}{% endtrans %}</p>", True, []),
        ("<script>var a = 'x';</script><code>{{ code }}</code>", True, []),
        ("Hello {{ name }},\n\n{{ _('Bye') }}", False, ["Hello …,"]),
    ],
)
def test_the_template_check_finds_text(source, html, expected):
    assert [text for _line, text in untranslated_text(source, html=html)] == expected


def test_the_template_check_finds_printed_literals():
    source = "<p>{{ 'Save changes' if person else _('Add') }} {{ x ~ 'Edit' }} {{ 'a-class' }}</p>"
    assert [text for _line, text in printed_literals(source)] == ["'Save changes'", "'Edit'"]


# --- (d): Python -------------------------------------------------------------------------------

# Calls whose arguments people read: the positions and keywords that hold the words.
MESSAGE_CALLS: dict[str, tuple[int | str, ...]] = {
    "flash": (0, "message"),
    "ValidationError": (0, "message"),
    "StopValidation": (0, "message"),
    "InputError": (0, "message"),
    "PastDate": (0, "message"),
    "add_error": (1, "message"),
    "ask_first": (0, "question", "button", "detail"),
    "SelectChoice": (1, "label"),
    "DataRequired": (0, "message"),
    "InputRequired": (0, "message"),
    "Length": (2, "message"),
    "EqualTo": (1, "message"),
    "NumberRange": (2, "message"),
    "Regexp": (2, "message"),
    "Email": (0, "message"),
    "URL": (2, "message"),
    "AnyOf": (1, "message"),
    "NoneOf": (1, "message"),
    "FileRequired": (0, "message"),
    "FileAllowed": (1, "message"),
    "FileSize": (2, "message"),
}
# Any form field: its label and description.
FIELD_ARGUMENTS: tuple[int | str, ...] = (0, "label", "description")
# `form.form_errors.append("…")`, `field.errors.append("…")`.
APPENDED_TO = frozenset({"form_errors", "errors"})


def _bare(node: ast.AST | None) -> bool:
    """Words written into the code that no translation call wraps."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_LETTER.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_bare(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    if isinstance(node, ast.IfExp):
        return _bare(node.body) or _bare(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_bare(value) for value in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return isinstance(node.func.value, (ast.Constant, ast.JoinedStr)) and _bare(node.func.value)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _arguments(call: ast.Call, wanted: tuple[int | str, ...]) -> Iterator[ast.AST]:
    for where in wanted:
        if isinstance(where, int):
            if where < len(call.args) and not isinstance(call.args[where], ast.Starred):
                yield call.args[where]
        else:
            for keyword in call.keywords:
                if keyword.arg == where:
                    yield keyword.value


def _choices(call: ast.Call) -> Iterator[ast.AST]:
    """The labels of a field's `choices=[("value", "Label"), ...]`."""
    for keyword in call.keywords:
        if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            for choice in keyword.value.elts:
                if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                    yield choice.elts[1]


def untranslated_calls(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        candidates: list[ast.AST] = []
        if name in MESSAGE_CALLS:
            candidates += _arguments(node, MESSAGE_CALLS[name])
        elif name.endswith("Field"):
            candidates += _arguments(node, FIELD_ARGUMENTS)
            candidates += _choices(node)
        elif (
            name == "append"
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) in APPENDED_TO
        ):
            candidates += node.args[:1]
        for argument in candidates:
            if _bare(argument):
                found.append((argument.lineno, f"{name}({ast.unparse(argument)[:90]})"))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(PORTAL.rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_python_hands_people_no_bare_strings(module):
    found = untranslated_calls(module.read_text(encoding="utf-8"))
    lines = [f"  line {line}: {text}" for line, text in found]
    assert not found, (
        f"{module.relative_to(ROOT)} gives people words that are not translated "
        "(`_()` in a function, `_l()` at import time):\n" + "\n".join(lines)
    )


def test_the_python_check_finds_bare_strings():
    source = """
flash("Saved.")
flash(_("Saved."))
flash(f"{name} was added.")
flash(_("Hi %(n)s", n=name) if x else "Bye")
raise ValidationError(message)
name = StringField("Name", description=_l("Hint"), validators=[DataRequired("Enter it.")])
kind = SelectField(_l("Kind"), choices=[("a", "Apples"), ("b", _l("Pears"))])
form.form_errors.append("Too many.")
SelectChoice("", "Everything")
"""
    assert [line for line, _text in untranslated_calls(source)] == [2, 4, 5, 7, 7, 8, 9, 10]
