"""Reference strings: ids, splitting a list into entries, and hand-checked parses in the common styles."""

from __future__ import annotations

import pytest
from paperkg.ingest.pdf_layout import Line, join_lines
from paperkg.ingest.references import (
    find_arxiv_ids,
    find_doi,
    parse_reference,
    split_merged,
    split_references,
)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("arXiv preprint arXiv:1703.09112, pages 1-36", ["1703.09112"]),
        ("Arxiv preprint: 1106.6251, 2012.", ["1106.6251"]),
        ("CoRR, abs/1810.04805.", ["1810.04805"]),
        ("URL https://arxiv.org/abs/2108.07258v3.", ["2108.07258"]),
        ("Phys. Rev. D 53, 2236 (1996), [hep-ph/9507385].", ["hep-ph/9507385"]),
        ("arXiv:math.GT/0309136", ["math.GT/0309136"]),
        ("Li N 2007 arXiv:0710.5073 and Paranjape A 2008 arXiv:0806.3497", ["0710.5073", "0806.3497"]),
        ("Nature 476 7358:25-6, 2011. ISBN 1234.5678", []),  # not introduced as arXiv
        ("arXiv:2213.12345", []),  # month 13 does not exist
    ],
)
def test_arxiv_ids(text: str, ids: list[str]) -> None:
    assert find_arxiv_ids(text) == ids


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("doi: 10.1016/j.jns.2004.08.012.", "10.1016/j.jns.2004.08.012"),
        ("https://doi.org/10.18653/v1/2021.naacl-main.382", "10.18653/v1/2021.naacl-main.382"),
        ("(doi:10.1016/0022-510X(93)90223-L)", "10.1016/0022-510x(93)90223-l"),
        ("DOI 10.1186/S12984-016-0129-6;", "10.1186/s12984-016-0129-6"),
        ("no identifier here, 2019.", None),
    ],
)
def test_dois(text: str, doi: str | None) -> None:
    assert find_doi(text) == doi


def test_join_lines_keeps_ids_whole_and_undoes_hyphenation() -> None:
    assert join_lines(["doi: 10.1212/", "WNL.45.10.1848."]) == "doi: 10.1212/WNL.45.10.1848."
    assert join_lines(["Chandra Bhagavat-", "ula, and Russell Power."]) == "Chandra Bhagavatula, and Russell Power."
    assert join_lines(["[astro-", "ph/0407532]."]) == "[astro-ph/0407532]."
    assert join_lines(["Ultra light bosonic", "dark matter"]) == "Ultra light bosonic dark matter"


CASES = [
    (  # ACL / ACM author-year
        "Sanjeev Arora, Yingyu Liang, and Tengyu Ma. 2017. A simple but tough-to-beat baseline for sentence "
        "embeddings. In ICLR.",
        ["Sanjeev Arora", "Yingyu Liang", "Tengyu Ma"],
        "A simple but tough-to-beat baseline for sentence embeddings",
        2017,
        None,
        None,
    ),
    (  # numbered, arXiv preprint, year at the end
        "[1] Iz Beltagy, Matthew E Peters, and Arman Cohan. Longformer: The long-document transformer. arXiv "
        "preprint arXiv:2004.05150, 2020.",
        ["Iz Beltagy", "Matthew E Peters", "Arman Cohan"],
        "Longformer: The long-document transformer",
        2020,
        "2004.05150",
        None,
    ),
    (  # IEEE: quoted title
        "[12] A. Vaswani, N. Shazeer, and N. Parmar, “Attention is all you need,” in Advances in Neural "
        "Information Processing Systems, 2017, pp. 5998–6008.",
        ["A. Vaswani", "N. Shazeer", "N. Parmar"],
        "Attention is all you need",
        2017,
        None,
        None,
    ),
    (  # APA
        "Smith, J. A., & Jones, B. (2019). Learning to rank with graphs. Journal of Machine Learning "
        "Research, "
        "20(1), 1-30. https://doi.org/10.5555/12345.678",
        ["J. A. Smith", "B Jones"],
        "Learning to rank with graphs",
        2019,
        None,
        "10.5555/12345.678",
    ),
    (  # Vancouver with et al.
        "3. McCarthy BG, Hsieh ST, Stocks A, et al. Cutaneous innervation in sensory neuropathies: "
        "Evaluation by "
        "skin biopsy. Neurology 1995;45:1848-55. doi: 10.1212/WNL.45.10.1848.",
        ["McCarthy BG", "Hsieh ST", "Stocks A"],
        "Cutaneous innervation in sensory neuropathies: Evaluation by skin biopsy",
        1995,
        None,
        "10.1212/wnl.45.10.1848",
    ),
    (  # Springer: Authors (year) Title
        "Bommasani R, Hudson DA (2021) On the opportunities and risks of foundation models. "
        "https://arxiv.org/abs/2108.07258v3",
        ["Bommasani R", "Hudson DA"],
        "On the opportunities and risks of foundation models",
        2021,
        "2108.07258",
        None,
    ),
    (  # physics: no title at all; a journal abbreviation must not become one
        "[27] Khosravi S, Kourkchi E and Mansouri R, 2007 arXiv:0709.2558",
        ["Khosravi S", "Kourkchi E", "Mansouri R"],
        None,
        2007,
        "0709.2558",
        None,
    ),
    (
        "[15] Ma C., and Bertschinger E. Astrophys. J. 455, 7 (1995), [astro-ph/9506072].",
        ["Ma C.", "Bertschinger E"],
        None,
        1995,
        "astro-ph/9506072",
        None,
    ),
    (  # ML style with initials, CoRR id
        "Diederik P. Kingma and Jimmy Ba. 2014. Adam: A method for stochastic optimization. CoRR, abs/1412.6980.",
        ["Diederik P. Kingma", "Jimmy Ba"],
        "Adam: A method for stochastic optimization",
        2014,
        "1412.6980",
        None,
    ),
]


@pytest.mark.parametrize(("raw", "authors", "title", "year", "arxiv_id", "doi"), CASES)
def test_parse_reference(raw, authors, title, year, arxiv_id, doi) -> None:
    ref = parse_reference(raw)
    assert ref is not None
    assert ref["raw"] == raw
    assert ref["authors"] == authors
    assert ref["title"] == title
    assert ref["year"] == year
    assert ref["arxiv_id"] == arxiv_id
    assert ref["doi"] == doi


def test_parse_rejects_non_references() -> None:
    assert parse_reference("Figure 3") is None
    assert parse_reference("12") is None


def _line(text: str, x0: float, y0: float, page: int = 0) -> Line:
    return Line(text, page, x0=x0, y0=y0, x1=x0 + 200, size=9.0, page_width=600)


def test_split_numbered_list() -> None:
    lines = [
        _line("[1] Perlmutter S et al, 1997 Astrophys. J. 483 565", 60, 100),
        _line("Riess A G et al, 1998 Astrophys. J. 116 1009", 79, 111),
        _line("[2] Hinshaw G et al, 2008 arXiv:0803.0732", 60, 122),
        _line("[3] Ehlers J, Geren P and Sachs R K, 1968 J. Math. Phys. 9 1344", 60, 133),
        _line("[4] Stoeger W R, Maartens R and Ellis G F R, 1995 Astrophys. J. 443 1", 60, 144),
    ]
    entries = split_references(lines)
    assert len(entries) == 4
    assert entries[0].endswith("Riess A G et al, 1998 Astrophys. J. 116 1009")


def test_split_hanging_indent_two_columns() -> None:
    lines = [
        _line("Waleed Ammar, Matthew E. Peters, Chandra Bhagavat-", 72, 83),
        _line("ula, and Russell Power. 2017. The ai2 system at", 83, 94),
        _line("semeval-2017 task 10. In ACL workshop (SemEval).", 83, 105),
        _line("Chandra Bhagavatula, Sergey Feldman, Russell Power,", 72, 127),
        _line("and Waleed Ammar. 2018. Content-based citation", 83, 138),
        _line("recommendation. In NAACL.", 83, 149),
        _line("Hal Daumé. 2007. Frustratingly easy domain adapta-", 307, 83),
        _line("tion. In ACL.", 318, 94),
    ]
    entries = split_references(lines)
    assert entries == [
        "Waleed Ammar, Matthew E. Peters, Chandra Bhagavatula, and Russell Power. 2017. The ai2 system at "
        "semeval-2017 task 10. In ACL workshop (SemEval).",
        "Chandra Bhagavatula, Sergey Feldman, Russell Power, and Waleed Ammar. 2018. Content-based citation "
        "recommendation. In NAACL.",
        "Hal Daumé. 2007. Frustratingly easy domain adaptation. In ACL.",
    ]


def test_split_without_layout_uses_sentences() -> None:
    """pypdf gives no coordinates: an entry ends with a period and the next starts like an author list."""
    lines = [
        Line("Alan Baddeley. 1992. Working memory. Science", 0),
        Line("255, 5044 (1992), 556-559.", 0),
        Line("Sigall K Bell, Tom Delbanco, and Joann G Elmore. 2020. Frequency of", 0),
        Line("patient-reported errors. JAMA Network Open.", 0),
    ]
    entries = split_references(lines)
    assert len(entries) == 2
    assert entries[1].startswith("Sigall K Bell")


def test_split_entries_merging_several_works() -> None:
    merged = "[34] Li N and Schwarz D J, 2007 arXiv:0710.5073 Paranjape A and Singh T P, 2008 arXiv:0806.3497"
    assert split_merged(merged) == [
        "[34] Li N and Schwarz D J, 2007 arXiv:0710.5073",
        "Paranjape A and Singh T P, 2008 arXiv:0806.3497",
    ]
    # one work printed with both its arXiv id and its DOI, or the same id twice, stays whole
    both = "Smith J. 2019. A paper about things. arXiv:1234.56789. doi:10.1000/abc"
    assert split_merged(both) == [both]
    twice = "Smith J. 2019. A paper about things. arXiv:1234.56789 [arXiv:1234.56789v2]"
    assert split_merged(twice) == [twice]
