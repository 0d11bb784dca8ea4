"""Citation: cite keys unique and stable, and BibTeX fields that no record text can break."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ssl_kb.citation import bibtex, cite_key, cite_keys
from ssl_kb.kb import load
from ssl_kb.schema import Paper


@dataclass(frozen=True)
class Cited:
    """A :class:`~ssl_kb.citation.Citable` that is not validated (as a row read back from a store)."""

    title: str = "Masked Autoencoders"
    authors: tuple[str, ...] = ("Kaiming He",)
    year: int = 2021
    venue: str | None = None
    venue_year: int | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None


def paper(**changes: object) -> Cited:
    return replace(Cited(), **changes)  # type: ignore[arg-type]


def fields(entry: str) -> dict[str, str]:
    """The fields of one entry, split by brace depth as BibTeX reads them."""
    body = entry[entry.index(",") + 1 : entry.rstrip().rindex("}")]
    out: dict[str, str] = {}
    depth, name, value, reading_name = 0, "", "", True
    for ch in body:
        if reading_name:
            if ch == "=":
                reading_name, name = False, name.strip().strip(",").strip()
            else:
                name += ch
            continue
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            assert depth >= 0, entry
            if depth == 0:
                out[name], name, value, reading_name = value, "", "", True
                continue
        if depth:
            value += ch
    assert depth == 0, entry
    return out


def test_base_key_is_last_name_year_first_word() -> None:
    assert cite_key("mae", paper()) == "he2021masked"
    assert cite_key("x", paper(title="The Art of an On-Line Method")) == "he2021art"
    assert cite_key("x", paper(authors=("Piotr Dollár",))) == "dollar2021masked"
    assert cite_key("x", paper(authors=("李 王",), title="中文")) == "2021x"


def test_keys_are_unique_and_do_not_depend_on_order() -> None:
    p = paper()
    papers = {"b": p, "a": p, "c": paper(year=2020)}
    keys = cite_keys(papers)
    assert keys == {"a": "he2021masked:a", "b": "he2021masked:b", "c": "he2020masked"}
    assert cite_keys(dict(reversed(list(papers.items())))) == keys
    assert len(set(keys.values())) == len(keys)


def test_a_validated_paper_is_citable() -> None:
    p = Paper(authors=["Kaiming He"], title="Masked Autoencoders", year=2021, arxiv="2111.06377", source="v1")
    assert bibtex("mae", p) == bibtex("mae", paper(arxiv="2111.06377"))


def test_keys_of_the_fixture_kb_are_unique(fixture_kb: Path) -> None:
    papers = {rid: r.paper for rid, r in load(fixture_kb).records.items() if getattr(r, "paper", None)}
    keys = cite_keys(papers)
    assert sorted(keys) == sorted(papers) and len(set(keys.values())) == len(keys)
    assert keys["mae"] == "he2021masked"


def test_venue_papers_are_inproceedings_with_the_venue_year() -> None:
    entry = bibtex("mae", paper(venue="CVPR", venue_year=2022, arxiv="2111.06377"))
    assert entry.startswith("@inproceedings{he2021masked,\n")
    f = fields(entry)
    assert f["booktitle"] == "CVPR" and f["year"] == "2022"
    assert f["eprint"] == "2111.06377" and f["archivePrefix"] == "arXiv"
    assert f["url"] == "https://arxiv.org/abs/2111.06377"


def test_other_papers_are_misc_and_keep_a_given_key_and_url() -> None:
    entry = bibtex("mae", paper(url="https://example.org/p", doi="10.1/x"), key="he2021masked:mae")
    assert entry.startswith("@misc{he2021masked:mae,\n")
    f = fields(entry)
    assert f["year"] == "2021" and f["url"] == "https://example.org/p" and f["doi"] == "10.1/x"
    assert "eprint" not in f


def test_special_characters_are_escaped_with_balanced_braces() -> None:
    entry = bibtex("x", paper(title="A {b} } c\\ & 50% $x$ #1 a_b ~ ^", authors=("Ann Smith}",)))
    f = fields(entry)
    assert f["title"] == (
        r"{A \textbraceleft{}b\textbraceright{} \textbraceright{} c\textbackslash{} \& 50\% \$x\$ \#1"
        r" a\_b \textasciitilde{} \textasciicircum{}}"
    )
    assert f["author"] == r"Ann Smith\textbraceright{}"


def test_identifiers_are_percent_encoded_and_whitespace_collapsed() -> None:
    f = fields(bibtex("x", paper(doi="10.1/{a}\\b", title="Two\n  lines")))
    assert f["doi"] == "10.1/%7Ba%7D%5Cb"
    assert f["title"] == "{Two lines}"


def test_and_inside_one_name_does_not_split_it() -> None:
    f = fields(bibtex("x", paper(authors=("Anderson Sandand", "Jo and Co", "B AND C"))))
    assert f["author"] == "Anderson Sandand and Jo {and} Co and B {AND} C"


@given(st.text(min_size=1, max_size=40), st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3))
def test_no_title_or_author_can_end_its_field(title: str, authors: list[str]) -> None:
    if not title.strip() or not all(a.strip() for a in authors):
        return
    f = fields(bibtex("x", paper(title=title, authors=tuple(authors), doi=title)))
    assert set(f) == {"title", "author", "year", "doi"}
