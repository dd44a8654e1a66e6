"""Glossary and article pages through the test client: pages, fragments, errors, query counts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from studyapp.services import glossary
from tests.conftest import FIXTURE_BANK, QueryCounter, import_bank

HX = {"HX-Request": "true"}


def test_home_page_says_what_the_app_is_and_leads_to_the_glossary(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Learn the vocabulary of modern AI" in html
    assert 'href="/glossary"' in html and 'href="/articles"' in html
    assert html.count('class="zone-card') == 5


def test_glossary_lists_every_zone_in_colour(client: FlaskClient) -> None:
    response = client.get("/glossary")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for zone in ("blue", "yellow", "purple", "pink", "green"):
        assert f'class="zone zone-{zone}"' in html
    assert "<main" in html and 'role="search"' in html


def test_search_finds_by_acronym_and_counts_matches(client: FlaskClient) -> None:
    html = client.get("/glossary?q=LoRA").get_data(as_text=True)
    assert "/glossary/lora" in html
    assert "matches for “LoRA”" in html or "match for “LoRA”" in html
    first = html.index('/glossary/lora"')
    assert first < html.index('/glossary/qlora"')  # exact name ranks before partial


def test_htmx_search_returns_the_fragment_only(client: FlaskClient) -> None:
    response = client.get("/glossary?q=token", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<header" not in html
    assert "/glossary/token" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_zone_filter_keeps_to_one_zone(client: FlaskClient) -> None:
    html = client.get("/glossary?zone=green").get_data(as_text=True)
    assert 'class="zone zone-green"' in html and 'class="zone zone-blue"' not in html


def test_no_match_shows_an_empty_state(client: FlaskClient) -> None:
    html = client.get("/glossary?q=zzzqqq").get_data(as_text=True)
    assert "No terms match" in html


def test_bad_search_input_is_a_400_with_one_specific_message(client: FlaskClient) -> None:
    long_query = client.get("/glossary?q=" + "a" * 101)
    html = long_query.get_data(as_text=True)
    assert long_query.status_code == 400
    assert html.count("Keep the search under 100 characters.") == 1
    assert 'role="search"' in html and 'id="zone"' in html  # the layout stays whole
    unknown_zone = client.get("/glossary?zone=orange")
    html = unknown_zone.get_data(as_text=True)
    assert unknown_zone.status_code == 400
    assert html.count("There is no zone called “orange”") == 1
    assert "Not a valid choice" not in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="search-error"' in html
    fragment = client.get("/glossary?zone=orange", headers=HX)
    assert fragment.status_code == 400 and "<header" not in fragment.get_data(as_text=True)


def test_search_treats_wildcards_literally(client: FlaskClient) -> None:
    # %, _ and the escape character / are matched as themselves, never as LIKE patterns
    for query in ("%25%25", "____", "%2F%2F", "l_ra", "lo%25a"):
        assert "No terms match" in client.get(f"/glossary?q={query}").get_data(as_text=True), query


def test_no_query_string_is_a_server_error(client: FlaskClient) -> None:
    queries = [
        "q=%00",
        "q=rag%00model",
        "zone=%00",
        "q=" + "x" * 10_000,
        "zone=" + "x" * 10_000,
        "q=%22",
        "q=*",
        "q=NEAR(",
        "q=-rag",
        "q=names%3Arag",
        "q=%5Erag",
        "q=%27%20%26%20%27",
        "q=%ED%A0%80",  # a lone surrogate, as UTF-8
        "q=%FF%FE",
        "q=a&q=b&zone=blue&zone=x",
        "zone[]=blue",
    ]
    for query in queries:
        for headers in ({}, HX):
            response = client.get(f"/glossary?{query}", headers=headers)
            assert response.status_code in (200, 400), (query, response.status_code)


def test_search_lists_the_best_match_first_whatever_its_zone(client: FlaskClient) -> None:
    html = client.get("/glossary?q=atten").get_data(as_text=True)
    ranked = html[html.index('class="term-list ranked"') :]
    first = re.search(r'href="/glossary/([^"]+)"', ranked)
    assert first is not None and first[1] == "attention-mechanism", first
    assert 'class="term-list ranked"' in html and 'class="zone zone-' not in html
    assert 'class="zone-chip zone-purple"' in html


def test_a_misspelling_offers_a_link_to_the_term_it_meant(client: FlaskClient) -> None:
    html = client.get("/glossary?q=attension", headers=HX).get_data(as_text=True)
    assert "No terms match “attension”" in html
    assert 'Did you mean <a href="/glossary?q=Attention+Mechanism">Attention Mechanism</a>?' in html


def test_a_zone_whose_terms_share_a_basis_says_it_once_on_its_heading(client: FlaskClient) -> None:
    html = client.get("/glossary?zone=green").get_data(as_text=True)  # every term supplementary
    heading = html[html.index('<h2 id="zone-green"') : html.index("</h2>", html.index('<h2 id="zone-green"'))]
    assert "supplementary" in heading
    assert "suppl.</span>" not in html
    mixed = client.get("/glossary?zone=pink").get_data(as_text=True)  # LoRA and PEFT are from a post
    assert 0 < mixed.count("suppl.</span>") < mixed.count("<li>")


def test_notes_about_the_source_are_folded_away(client: FlaskClient) -> None:
    html = client.get("/glossary?zone=pink").get_data(as_text=True)
    intro = html[html.index('<p class="zone-intro">') : html.index("</p>", html.index('<p class="zone-intro">'))]
    assert "Model T" not in intro
    assert '<details class="about-source"><summary>About the source</summary>' in html
    assert "Model T" in html
    article = client.get("/articles/agents-vs-models").get_data(as_text=True)
    assert '<details class="about-source"><summary>About the source</summary>' in article
    assert "35-45%" in article[article.index('<details class="about-source">') :]


def test_term_page_shows_everything_about_a_term(client: FlaskClient) -> None:
    html = client.get("/glossary/lora").get_data(as_text=True)
    assert "Explanation" in html and "Example" in html and "Related terms" in html
    assert 'href="/glossary/qlora"' in html
    assert "from the source" in html
    assert "What are LoRA and QLoRA?" in html
    assert "In the articles" in html and "Sources" in html


def test_supplementary_terms_are_labelled(client: FlaskClient) -> None:
    html = client.get("/glossary/hallucination").get_data(as_text=True)
    assert "supplementary" in html


def test_unknown_slugs_get_a_404_page(client: FlaskClient) -> None:
    for url in ("/glossary/no-such-term", "/articles/no-such-article"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)


def test_articles_list_and_article_page(client: FlaskClient) -> None:
    html = client.get("/articles").get_data(as_text=True)
    for slug in ("lm-glossary", "agents-vs-models", "lora-and-qlora", "tokenization"):
        assert f'href="/articles/{slug}"' in html
    page = client.get("/articles/agents-vs-models").get_data(as_text=True)
    assert "AI model vs. AI agent" in page
    assert 'href="/glossary/ai-agent"' in page


def test_pages_use_a_fixed_number_of_queries(client: FlaskClient, count_queries: QueryCounter) -> None:
    for url, limit in (
        ("/glossary", 2),
        ("/glossary?q=model", 2),
        ("/glossary?q=attension", 4),  # and the names for "did you mean", the first time
        ("/glossary/lora", 4),
        ("/articles/lora-and-qlora", 3),
        ("/articles", 1),
        ("/", 2),
    ):
        before = count_queries.count
        assert client.get(url).status_code == 200
        assert count_queries.count - before <= limit, (url, count_queries.statements[before:])


def test_rows_rendered_once_follow_every_content_edit(app: Flask, tmp_path: Path) -> None:
    """Glossary rows are rendered once per term and reused (web.memoized_fragment): an edit shows at once."""
    bank = tmp_path / "questions"
    shutil.copytree(FIXTURE_BANK, bank)
    import_bank(bank)
    client = app.test_client()
    for url in ("/glossary?q=pear", "/glossary"):
        assert "softens from the inside when ripe" in client.get(url, headers=HX).text
    path = bank / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("softens from the inside when ripe", "softens from the core when mellow"))
    import_bank(bank)
    for url in ("/glossary?q=pear", "/glossary"):
        html = client.get(url, headers=HX).text
        assert "softens from the core when mellow" in html and "from the inside" not in html, url


def test_a_memoized_row_is_the_markup_a_fresh_render_gives(client: FlaskClient) -> None:
    """The same page, rows from the memo and rows rendered afresh (template auto-reload on), is byte for byte equal."""
    app = client.application
    client.get("/glossary?q=model", headers=HX)  # the memo now holds these rows
    remembered = client.get("/glossary?q=model", headers=HX).text
    app.jinja_env.auto_reload = True
    try:
        fresh = client.get("/glossary?q=model", headers=HX).text
    finally:
        app.jinja_env.auto_reload = False
    assert remembered == fresh and remembered.count("<li>") > 10


def test_a_memoized_row_keeps_the_script_root_of_its_request(client: FlaskClient) -> None:
    html = client.get("/glossary?q=lora", headers=HX).text
    assert 'href="/glossary/lora"' in html
    mounted = client.get("/glossary?q=lora", headers=HX, environ_overrides={"SCRIPT_NAME": "/study-app"}).text
    assert 'href="/study-app/glossary/lora"' in mounted and 'href="/glossary/lora"' not in mounted


def test_a_memoized_row_escapes_what_it_prints(content_app: Flask) -> None:
    zone = glossary.ZoneRef("blue", "Blue <zone>", 1, "source", "", "")
    term = glossary.TermHit("x", "<script>alert(1)</script>", "a & b", "source", zone)
    with content_app.test_request_context("/glossary"):
        html = content_app.jinja_env.filters["term_row"](term, with_zone=True, badge=False)
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
    assert "Blue &lt;zone&gt;" in html
