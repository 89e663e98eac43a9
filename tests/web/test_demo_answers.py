"""The demo's as-of questions, asked of the web view: /ask, /api/ask and the country page answer as
``regionwatch availability --as-of`` does, and as the demo's own one-line answers say."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import lxml.html
import pytest

from monitor.config import Settings
from monitor.demo.answers import QUESTIONS, Question, answer
from monitor.store.engine import make_engine, session_factory
from monitor.web.app import create_app
from tests.cli.helpers import run_cli
from tests.web.server import serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-web")
    database = folder / "demo.db"
    result = run_cli("demo", "--keep-db", str(database), cwd=folder, env={"COLUMNS": "120"}, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    return database


@pytest.fixture(scope="module")
def base(demo_db: Path) -> Iterator[str]:
    with serving(create_app(Settings(database_url=f"sqlite:///{demo_db}"))) as url:
        yield url


def _cli(demo_db: Path, q: Question) -> set[tuple[str, str, str]]:
    args = ["availability", "--as-of", q.at.isoformat(), "--country", q.country, "--format", "json"]
    args += ["--provider", q.provider, "--product", q.product or "api"] if q.provider else []
    result = run_cli(*args, cwd=demo_db.parent, env={"REGIONWATCH_DATABASE_URL": f"sqlite:///{demo_db}"})
    assert result.returncode == 0, result.stderr
    return {(r["provider"], r["product"], r["valid_from"][:10]) for r in json.loads(result.stdout)}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.text)
def test_ask_and_the_country_page_answer_every_demo_question(demo_db: Path, base: str, question: Question) -> None:
    listed = _cli(demo_db, question)
    params = {
        "country": question.country,
        "at": question.at.isoformat(),
        "provider": question.provider or "",
        "product": (question.product or "api") if question.provider else "",
    }
    answers = httpx.get(f"{base}/api/ask", params=params).json()
    assert {(a["provider"], a["product"], a["since"][:10]) for a in answers if a["state"] == "available"} == listed
    page = lxml.html.fromstring(
        httpx.get(f"{base}/country/{question.country}", params={"as_of": question.at.isoformat()}).text
    )
    shown = {(s.get("data-provider"), s.get("data-product")) for s in page.xpath('//section[@data-state="available"]')}
    assert shown == {(p, q) for p, q, _ in listed}
    engine = make_engine(f"sqlite:///{demo_db}", read_only=True)
    said = answer(session_factory(engine), question)
    engine.dispose()
    for provider, product, since in listed:  # the demo's line names the same products and dates
        named = f"{provider} {product} (listed since {since})"
        assert (f"listed since {since}" in said) if question.provider else (named in said), (named, said)
    sentences = " ".join(a["sentence"] for a in answers)
    for notice in (
        re.findall(r"(\w+ \w+ from \d{4}-\d\d-\d\d)", said.split("announced:", 1)[-1]) if ("announced:" in said) else []
    ):
        assert notice in sentences, (notice, sentences)
