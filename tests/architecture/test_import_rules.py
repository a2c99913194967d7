"""The rules of ARCHITECTURE.md that can be read off the code, checked against `portal/`.

The checkers are in rules.py. Each rule is a test here, saying why it exists; the self-tests at
the bottom feed each checker a small bad snippet, so a checker that silently stopped seeing
anything fails too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.architecture.rules import (
    KNOWN,
    MODULES,
    PORTAL,
    Module,
    Violation,
    check_clock,
    check_commits,
    check_cycles,
    check_feature_internals,
    check_layers,
    check_private_names,
    parse,
    report,
)


def _run(checker: Callable[[Module], list[Violation]]) -> list[Violation]:
    return [violation for module in MODULES for violation in checker(module)]


# -- the rules, over portal/ ----------------------------------------------------------------------


def test_no_module_uses_another_modules_private_names():
    """An `_underscore` name is its module's own business: it can change or vanish without
    notice. A name another module needs gets a public name (and a docstring) where it lives."""
    violations = _run(check_private_names)
    assert not violations, report(violations)


def test_no_package_reaches_into_another_features_internals():
    """A feature is used through its operations and models. Its views, forms, commands and
    app.py serve its own pages and CLI; another feature that leans on them ties two features'
    screens together and breaks when either page changes."""
    violations = _run(check_feature_internals)
    assert not violations, report(violations)


def test_arrows_point_down_the_layers():
    """A package imports only packages below it in `portal.LAYERS` (core imports no feature), so
    each layer can be understood, tested and changed without the ones above it."""
    violations = _run(check_layers)
    assert not violations, report(violations)


def test_no_import_cycles_between_files():
    """Files that import each other at import time work only in some import orders, and a
    cycle means two modules are really one: the split is in the wrong place."""
    violations = check_cycles(MODULES)
    assert not violations, report(violations)


def test_only_views_commands_and_job_runners_commit():
    """One commit boundary: a request, a command or a job either happens entirely or not at
    all. An operation that commits halfway leaves its caller's earlier writes committed when
    a later step fails, and cannot be composed into a larger unit of work."""
    violations = _run(check_commits)
    assert not violations, report(violations)


def test_only_the_clock_module_reads_the_wall_clock():
    """Time comes from portal.core.clock: `now()` can be fixed by tests (`PORTAL_CLOCK`) and
    is always aware UTC. A stray `datetime.now()` is untestable, and may be naive or local."""
    violations = _run(check_clock)
    assert not violations, report(violations)


def test_the_checkers_read_the_whole_portal_package():
    assert "portal.core.clock" in KNOWN and "portal.worker.loop" in KNOWN
    assert len(MODULES) == len(list(PORTAL.rglob("*.py")))


# -- self-tests: every checker reports a bad snippet ----------------------------------------------

SELF_TEST_KNOWN = frozenset(
    {
        "portal",
        "portal.core",
        "portal.core.clock",
        "portal.core.forms",
        "portal.questions",
        "portal.questions.threads",
        "portal.questions.forms",
        "portal.questions._helpers",
        "portal.questions.app",
        "portal.news",
        "portal.news.entries",
        "portal.news.hr_views",
        "portal.news.feeds",
        "portal.news.feeds.commands",
        "portal.engagement",
        "portal.engagement.digests",
    }
)


def _check(checker, source: str, path: str) -> list[Violation]:
    return checker(parse(source, path), SELF_TEST_KNOWN)


@pytest.mark.parametrize(
    "source",
    [
        "from portal.questions.threads import _state_columns\n",
        "from portal.questions import threads as questions\nquestions._state_columns(1, 2)\n",
        "import portal.questions.threads\nportal.questions.threads._state_columns(1, 2)\n",
        "from . import entries\nentries._visible_to(None)\n",
    ],
)
def test_private_names_checker_reports_a_private_name(source):
    found = _check(check_private_names, source, "portal/news/updates.py")
    assert [v.rule for v in found] == ["private-name"], found


def test_private_names_checker_allows_public_and_dunder_names():
    source = "from portal.questions import threads\nthreads.state_columns\nthreads.__name__\n"
    assert _check(check_private_names, source, "portal/engagement/digests.py") == []


def test_private_names_checker_allows_the_translation_functions():
    source = "from portal.core.i18n import _, _l, ngettext\nfrom portal.core.i18n import _x\n"
    found = _check(check_private_names, source, "portal/engagement/digests.py")
    assert [v.detail for v in found] == ["imports _x from portal.core.i18n"], found


@pytest.mark.parametrize(
    "source",
    [
        "from portal.questions.forms import AskForm\n",
        "from portal.questions import forms\n",
        "from portal.questions._helpers import x\n",
        "import portal.questions.app\n",
        "from portal.news.hr_views import page\n",
        "from portal.news.feeds.commands import refresh_command\n",
    ],
)
def test_internals_checker_reports_another_features_internals(source):
    found = _check(check_feature_internals, source, "portal/engagement/digests.py")
    assert [v.rule for v in found] == ["feature-internals"], found


def test_internals_checker_allows_own_internals_operations_and_shared_forms():
    own = "from portal.questions.forms import AskForm\nfrom portal.questions import _helpers\n"
    assert _check(check_feature_internals, own, "portal/questions/candidate_views.py") == []
    public = "from portal.questions import threads\nfrom portal.core.forms import ConfirmForm\n"
    assert _check(check_feature_internals, public, "portal/engagement/digests.py") == []


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("from portal.engagement import digests\n", "portal/questions/threads.py"),
        ("def f():\n    from portal.news import entries\n", "portal/core/clock.py"),
        ("from portal import create_app\n", "portal/news/entries.py"),
        ("from portal import core, engagement\n", "portal/news/entries.py"),
    ],
)
def test_layers_checker_reports_an_arrow_pointing_up(source, path):
    found = _check(check_layers, source, path)
    assert [v.rule for v in found] == ["layers"], found


def test_layers_checker_allows_arrows_down_and_the_composition_root():
    down = "from portal.questions import threads\nfrom portal.core import clock\n"
    assert _check(check_layers, down, "portal/engagement/digests.py") == []
    root = "from portal.demo import app\n"
    assert _check(check_layers, root, "portal/__init__.py") == []


def test_cycles_checker_reports_two_files_importing_each_other():
    modules = [
        parse("from portal.news import entries\n", "portal/news/hr_views.py"),
        parse("import portal.news.hr_views\n", "portal/news/entries.py"),
        parse("from portal.news import entries\n", "portal/engagement/digests.py"),
    ]
    found = check_cycles(modules, SELF_TEST_KNOWN)
    assert [(v.rule, v.detail) for v in found] == [
        ("cycle", "portal.news.entries <-> portal.news.hr_views")
    ]


def test_cycles_checker_ignores_imports_in_functions_and_for_type_checking():
    modules = [
        parse("from portal.news import entries\n", "portal/news/hr_views.py"),
        parse(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import portal.news.hr_views\n"
            "def f():\n    from portal.news import hr_views\n",
            "portal/news/entries.py",
        ),
    ]
    assert check_cycles(modules, SELF_TEST_KNOWN) == []


@pytest.mark.parametrize(
    "source",
    [
        "from portal.core.extensions import db\ndb.session.commit()\n",
        "def f(session):\n    session.commit()\n",
        "from portal.core.extensions import db\nwith db.engine.begin() as conn:\n    pass\n",
        "from portal.core.extensions import db\nwith db.session.begin():\n    pass\n",
    ],
)
def test_commits_checker_reports_a_commit_in_an_operation(source):
    found = _check(check_commits, source, "portal/news/feeds/refresh.py")
    assert [v.rule for v in found] == ["commit-boundary"], found


def test_commits_checker_allows_the_boundary_flush_and_savepoints():
    commit = "from portal.core.extensions import db\ndb.session.commit()\n"
    for path in (
        "portal/news/hr_views.py",
        "portal/news/feeds/commands.py",
        "portal/webhooks/jobs.py",
        "portal/worker/loop.py",
        "portal/worker/leases.py",
    ):
        assert _check(check_commits, commit, path) == [], path
    source = (
        "from portal.core.extensions import db\ndb.session.flush()\n"
        "with db.session.begin_nested():\n    pass\nresponse.begin()\n"
    )
    assert _check(check_commits, source, "portal/news/feeds/refresh.py") == []


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import UTC, datetime\ndatetime.now(UTC)\n",
        "import datetime\ndatetime.datetime.utcnow()\n",
        "from datetime import date\ndate.today()\n",
        "import time\ntime.time()\n",
        "from time import time as clock\nclock()\n",
        "from datetime import datetime\nfield(default_factory=datetime.now)\n",
        "import time\ntime.localtime()\n",
    ],
)
def test_clock_checker_reports_a_wall_clock_read(source):
    found = _check(check_clock, source, "portal/api/auth.py")
    assert [v.rule for v in found] == ["clock"], found


def test_clock_checker_allows_durations_conversions_and_the_clock_module():
    durations = (
        "import time\nfrom datetime import datetime\ntime.monotonic()\ntime.perf_counter()\n"
        "time.gmtime(0)\ndatetime(2026, 3, 7)\ndatetime.fromtimestamp(0)\n"
    )
    assert _check(check_clock, durations, "portal/api/auth.py") == []
    read = "from datetime import UTC, datetime\ndatetime.now(UTC)\n"
    assert _check(check_clock, read, "portal/core/clock.py") == []
