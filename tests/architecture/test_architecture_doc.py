"""ARCHITECTURE.md is the map of the code: these tests fail when the map and the code disagree."""

from __future__ import annotations

import re
from pathlib import Path

import portal

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
PACKAGES = sorted(p.parent.name for p in (ROOT / "portal").glob("*/__init__.py"))


def _picture_order() -> list[str]:
    """The packages as the picture draws them, top to bottom."""
    block = DOC.split("```", 2)[1]
    names = re.findall(r"^  ([a-z]+)\s{2,}", block, flags=re.MULTILINE)
    return [name for name in names if name in PACKAGES]


def test_every_package_has_a_place_in_the_layers():
    assert sorted(portal.LAYERS) == PACKAGES


def test_the_picture_draws_the_layers_in_the_codes_order():
    assert _picture_order() == list(reversed(portal.LAYERS))


def test_the_written_order_is_the_codes_order():
    written = DOC.split("<!-- layers -->", 1)[1].split("<!-- /layers -->", 1)[0]
    assert re.findall(r"`([a-z]+)`", written) == list(portal.LAYERS)


def test_where_does_x_live_covers_every_package_and_names_real_files():
    table = DOC.split("## Where does X live", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| ")]
    rows = rows[2:]  # past the header and its rule
    assert {row[1].strip().strip("`") for row in rows} == set(PACKAGES)
    for row in rows:
        for name in re.findall(r"`([a-z_/]+(?:\.py|/))`", row[2]):
            # A package's file (core/i18n.py), or one of the project's (translations/).
            found = (ROOT / "portal" / name).exists() or (ROOT / name).exists()
            assert found, f"ARCHITECTURE.md names {name}, which is gone"


def test_every_feature_plugs_in_through_its_app_module():
    for feature in portal.FEATURES:
        wiring = ROOT / "portal" / feature / "app.py"
        assert wiring.exists(), f"portal/{feature}/app.py is missing"
        assert "def init_app(app: Flask) -> None:" in wiring.read_text(encoding="utf-8")
