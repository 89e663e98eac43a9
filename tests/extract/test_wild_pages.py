"""Real published copies of availability pages read by the product's own path.

The copies are kept in ``../shared/realdata/wild`` (third-party text without a licence is not
committed; tests/fixtures/wild/README.md gives each one's repository, path and commit). Each is
read by ``extract_claim``, the function ``regionwatch extract`` and the crawler use, under the
selector tests/fixtures/wild/expected.toml names, and must give exactly the codes read by hand.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.extract.availability import extract_claim
from monitor.types import AvailabilitySpec
from tests.cli.helpers import run_cli

EXPECTED = Path(__file__).resolve().parent.parent / "fixtures" / "wild"
COPIES: list[dict[str, Any]] = tomllib.loads((EXPECTED / "expected.toml").read_text(encoding="utf-8"))["copy"]


@pytest.fixture
def wild(realdata: Path) -> Path:
    """The folder of copies; skipped (by ``realdata``) on a clone without ``../shared``."""
    folder = realdata / "wild"
    if not folder.is_dir():
        pytest.skip(f"no copies at {folder}: fetch them as tests/fixtures/wild/README.md says")
    return folder


def _spec(copy: dict[str, Any]) -> AvailabilitySpec:
    return AvailabilitySpec(select=copy["select"], exclude=tuple(copy.get("exclude", ())), section=copy.get("section"))


def test_every_copy_has_provenance_and_an_expectation() -> None:
    files = {copy["file"] for copy in COPIES}
    readme = (EXPECTED / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)
    assert len(files) >= 10


def test_every_kept_copy_is_expected(wild: Path) -> None:
    assert {path.name for path in wild.glob("*__*")} == {copy["file"] for copy in COPIES}


@pytest.mark.parametrize("copy", COPIES, ids=[copy["file"] for copy in COPIES])
def test_copy_reads_exactly(wild: Path, copy: dict[str, Any]) -> None:
    claim = extract_claim((wild / copy["file"]).read_bytes(), _spec(copy))
    want = set(copy["codes"])
    assert not want - claim.codes, f"missed: {sorted(want - claim.codes)}"
    assert not claim.codes - want, f"read wrongly: {sorted(claim.codes - want)}"
    assert set(claim.caveats) == set(copy["caveats"])


def test_re_fetch_of_one_page_reads_the_same_set(wild: Path) -> None:
    """Two fetches of platform.claude.com a day apart (same page hash): no change to report."""
    first, second = (
        next(copy for copy in COPIES if copy["file"] == name)
        for name in ("anthropic__JokerRun__1769a21.md", "anthropic__JokerRun__e750aad.md")
    )
    claims = [extract_claim((wild / copy["file"]).read_bytes(), _spec(copy)) for copy in (first, second)]
    assert claims[0].codes == claims[1].codes and claims[0].caveats == claims[1].caveats


def test_language_lists_are_not_read_as_countries(wild: Path) -> None:
    """A language written "Portuguese (Brazil) (pt-BR)" is no country: this copy lists no Brazil."""
    copy = next(copy for copy in COPIES if copy["file"] == "microsoft__MicrosoftDocs__ab4e509.md")
    claim = extract_claim((wild / copy["file"]).read_bytes(), _spec(copy))
    assert "BR" not in claim.codes and "Asia Pacific" in " ".join(claim.unmapped)


def test_regionwatch_extract_reads_a_copy(wild: Path, tmp_path: Path) -> None:
    """End to end: the real command, a catalog entry with the copy's selector, JSON out."""
    copy = next(copy for copy in COPIES if copy["file"] == "openai__quantmind-br__474664c.md")
    catalog = tmp_path / "sources.toml"
    catalog.write_text(
        "[[source]]\n"
        'id = "openai-api-countries"\n'
        'kind = "page"\n'
        'url = "https://platform.openai.com/docs/supported-countries"\n'
        'provider = "openai"\n'
        'product = "api"\n'
        'every = "6h"\n'
        "[source.availability]\n"
        f"select = {json.dumps(copy['select'])}\n",
        encoding="utf-8",
    )
    env = {"REGIONWATCH_SOURCES": str(catalog), "REGIONWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    result = run_cli(
        "extract",
        str(wild / copy["file"]),
        "--source",
        "openai-api-countries",
        "--format",
        "json",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    (claim,) = json.loads(result.stdout)
    assert claim["codes"] == sorted(copy["codes"])
    assert list(claim["caveats"]) == ["UA"]
