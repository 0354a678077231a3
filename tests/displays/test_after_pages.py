"""The admin area and the results page: contexts, texts in lv, lt and en (displays/after.py)."""

from __future__ import annotations

import pytest

from displays.after import after_context, render_after
from displays.messages import LANGUAGES, after_catalogue


def test_the_after_texts_are_translated() -> None:
    """Completeness and placeholders are tests/displays/test_messages.py's; here: they arrive."""
    assert after_catalogue("lv")["admin_contests"] != after_catalogue("en")["admin_contests"]
    assert after_catalogue("lt")["admin_contests"] != after_catalogue("en")["admin_contests"]
    assert after_catalogue("lt")["app_name"]  # with the contest pages' texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_and_results_render_in_every_language(lang: str) -> None:
    admin = render_after("admin", lang=lang)
    assert f'<html lang="{lang}">' in admin and after_catalogue(lang)["admin_sign_in"] in admin
    results = render_after("results", lang=lang, contest_id="c-1", contest_title="<Quiz>")
    assert after_catalogue(lang)["results_progression"] in results
    assert "&lt;Quiz&gt;" in results and "<Quiz>" not in results
    assert "/static/js/results.js" in results and "/static/css/after.css" in results


def test_the_admin_token_field_can_never_be_submitted_in_a_url() -> None:
    html = render_after("admin", lang="en")
    form = html[html.index("<form") : html.index("</form>")]
    assert 'method="post"' in form and 'type="password"' in form


def test_the_results_context_names_the_contest_and_the_admin_context_none() -> None:
    results = after_context("results", lang="lt", contest_id="bsq", contest_title="Quiz")
    assert (results.page, results.contest_id, results.client["page"]) == (
        "results",
        "bsq",
        "results",
    )
    assert results.client["messages"] == results.t
    assert {link.code for link in results.languages} == set(LANGUAGES)
    assert all(link.href.startswith("/results/bsq?lang=") for link in results.languages)
    admin = after_context("admin", lang="xx", contest_id="ignored")
    assert (admin.lang, admin.contest_id) == ("lv", "")
