from __future__ import annotations

import pytest
from paperkg.errors import BadRecord
from paperkg.records import Paper, arxiv_version, normalize_arxiv_id, normalize_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0704.0001", "0704.0001"),
        ("2301.12345v3", "2301.12345"),
        ("arXiv:2301.12345v2", "2301.12345"),
        ("https://arxiv.org/abs/2301.12345v1", "2301.12345"),
        ("http://arxiv.org/pdf/2301.12345v1.pdf", "2301.12345"),
        ("oai:arXiv.org:1412.8544", "1412.8544"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("  2301.12345 ", "2301.12345"),
        ("not-an-id", None),
        ("12345", None),
    ],
)
def test_normalize_arxiv_id(raw: str, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


def test_non_arxiv_ids_are_kept_and_empty_ids_rejected() -> None:
    assert normalize_id("4983") == "4983"
    assert normalize_id("  doi:10.1/x ") == "doi:10.1/x"
    with pytest.raises(BadRecord):
        normalize_id("  ")
    assert arxiv_version("2301.12345v12") == 12
    assert arxiv_version("2301.12345") is None


def test_content_hash_ignores_source_but_not_content() -> None:
    a = Paper(id="1", title="T", abstract="A", source="kaggle")
    b = Paper(id="1", title="T", abstract="A", source="oai-arXiv")
    c = Paper(id="1", title="T", abstract="A changed")
    assert a.content_hash() == b.content_hash() != c.content_hash()
    assert Paper(id="1", title="T", versions=["v1", "v3"]).latest_version == 3
    assert Paper(id="1", title="T", submitted="2007-04-02").year == 2007
