"""The whole front half of the pipeline (loader -> schema -> lint) through ``ssl_kb.kb.load``.

One failing fixture per diagnostic code lives in ``tests/data/invalid/<CODE>/`` (see its README):
an overlay on the fixture KB and the one problem it must produce.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INVALID = REPO / "tests" / "data" / "invalid"
FIXTURE_KB = REPO / "tests" / "data" / "kb"
LECTURE = REPO.parent / "shared" / "lecture" / "un-semi-supervised-learning-in-vision.md"
FIXTURE_CODES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())

# The lecture's sections, in order, and the id of the topic record for each.
LECTURE_TOPICS = [
    "recap-semi-supervised",
    "pre-transformer-approaches",
    "masked-predictions",
    "vision-transformers",
    "other-approaches",
    "combining-text-and-image-models",
    "discussion",
    "joint-embeddings",
    "segment-anything",
    "flamingo-and-adapters",  # not "flamingo": that id is the method's
    "metalm-kosmos-1",
    "summary",
]


def overlay(kb_dir: Path, code: str) -> None:
    """Copy the fixture folder of ``code`` over ``kb_dir`` (without its expected.txt)."""
    src = INVALID / code
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if rel.as_posix() in ("expected.txt", "README.md") or path.is_dir():
            continue
        dest = kb_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        if path.is_symlink():
            dest.symlink_to(path.readlink())
        else:
            shutil.copyfile(path, dest)


def expected(code: str) -> list[str]:
    return [
        ln for ln in (INVALID / code / "expected.txt").read_text(encoding="utf-8").splitlines() if ln.strip()
    ]


def located(diagnostics: list, root: Path) -> list[str]:
    """``relpath:line:col: CODE field`` for each diagnostic, paths relative to the KB root."""
    out = []
    for d in diagnostics:
        path = Path(d.path)
        rel = (path if path.is_absolute() else Path.cwd() / path).relative_to(root.absolute())
        out.append(f"{rel.as_posix()}:{d.line}:{d.col}: {d.code} {d.field}".rstrip())
    return out


@pytest.fixture
def load_with(monkeypatch: pytest.MonkeyPatch, kb_copy: Path):
    from ssl_kb import loader
    from ssl_kb.kb import load

    def run(*codes: str):
        for code in codes:
            overlay(kb_copy, code)
        if "KB002" in codes:  # keep the committed fixture small: lower the size limit instead
            monkeypatch.setattr(loader, "MAX_BYTES", 4096)
        if "KB016" in codes:  # and the folder depth limit, so the fixture nests three folders only
            monkeypatch.setattr(loader, "MAX_DIR_DEPTH", 2)
        return load(kb_copy)

    return run


@pytest.mark.parametrize("code", FIXTURE_CODES)
def test_invalid_fixture_reports_exactly_its_code(code: str, load_with, kb_copy: Path) -> None:
    kb = load_with(code)
    assert located(kb.diagnostics, kb_copy) == expected(code)
    (diagnostic,) = kb.diagnostics
    assert diagnostic.code == code
    assert diagnostic.message and diagnostic.hint


def test_every_code_has_a_failing_fixture() -> None:
    from ssl_kb.diagnostics import CODES

    missing = sorted(set(CODES) - set(FIXTURE_CODES))
    assert not missing, f"codes without a fixture in tests/data/invalid/: {missing}"
    unknown = sorted(set(FIXTURE_CODES) - set(CODES))
    assert not unknown, f"fixtures for codes that do not exist: {unknown}"
    for code in FIXTURE_CODES:
        lines = expected(code)
        where = r"\S+" if code == "KB016" else r"\S+\.(?i:ya?ml)"  # KB016 is located at a folder
        assert len(lines) == 1 and re.fullmatch(rf"{where}:\d+:\d+: {code}( \S+)?", lines[0]), (
            code,
            lines,
        )


def test_fixture_kb_is_clean(fixture_kb: Path) -> None:
    from ssl_kb.kb import load

    kb = load(fixture_kb)
    assert kb.diagnostics == []
    assert len(kb.entries) == 21
    assert list(kb.records) == sorted(kb.records)
    assert kb.ok(strict=True)


def test_all_problems_of_all_files_in_one_run(load_with, kb_copy: Path) -> None:
    codes = ("KB003", "KB010", "KB102", "KB203", "KB205", "KB207", "KB211")  # each in a different file
    kb = load_with(*codes)
    got = located(kb.diagnostics, kb_copy)
    assert got == sorted(line for code in codes for line in expected(code))
    assert not kb.ok()


def test_several_problems_in_one_file_are_all_reported(kb_copy: Path) -> None:
    from ssl_kb.kb import load

    path = kb_copy / "methods" / "simclr.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    value: 76.5\n", "    value: -3\n").replace(
        "    protocol: linear\n", "    protocol: probe\n"
    )
    path.write_text(text + "colour: blue\n", encoding="utf-8")
    kb = load(kb_copy)
    assert [(d.code, d.field) for d in kb.diagnostics] == [
        ("KB103", "results[0].value"),
        ("KB106", "results[0].protocol"),
        ("KB100", "colour"),
    ]


@pytest.mark.parametrize(
    ("folder", "stem", "damage"),
    [
        ("datasets", "imagenet-1k", lambda t: t + "colour: blue\n"),  # invalid: KB100
        ("metrics", "top-1-accuracy", lambda t: t + "unit: [x\n"),  # unparsable YAML
        ("topics", "masked-predictions", lambda t: t.replace("kind: topic", "kind: chapter")),
        ("vocabularies", "objective", lambda t: t + "colour: blue\n"),  # every method uses it
    ],
)
def test_one_broken_record_is_one_problem_not_one_per_reference(
    kb_copy: Path, folder: str, stem: str, damage
) -> None:
    from ssl_kb.kb import load

    path = kb_copy / folder / f"{stem}.yaml"
    assert stem in "".join(p.read_text() for p in kb_copy.rglob("*.yaml") if p != path)  # referenced
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    kb = load(kb_copy)
    assert kb.diagnostics and not kb.ok()
    assert {Path(d.path).name for d in kb.diagnostics} == {f"{stem}.yaml"}


def test_only_keeps_problems_of_the_given_files(
    load_with, kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ssl_kb.kb import load

    monkeypatch.chdir(kb_copy.parent)
    load_with("KB102", "KB207")  # mae.yaml and simclr.yaml
    kb = load(Path("kb"), only=[Path("kb/methods/simclr.yaml")])
    assert [(d.path, d.code) for d in kb.diagnostics] == [("kb/methods/simclr.yaml", "KB207")]
    assert len(kb.entries) == 20  # every other file was still loaded (mae failed validation)


def test_missing_kb_folder_raises(tmp_path: Path) -> None:
    from ssl_kb.kb import load

    with pytest.raises(FileNotFoundError, match="no knowledge base"):
        load(tmp_path / "nowhere")


def test_warnings_fail_only_with_strict(load_with) -> None:
    kb = load_with("KB302")
    assert kb.ok() and not kb.ok(strict=True)


def test_records_and_entry_lookup(fixture_kb: Path) -> None:
    from ssl_kb.kb import load

    kb = load(fixture_kb)
    assert kb.records["mae"].paper.arxiv == "2111.06377"
    entry = kb.entry("vit")
    assert entry is not None and entry.relpath == Path("methods/vit.yaml")
    assert kb.entry("nope") is None


# ---------------------------------------------------------------------------- the real kb/


def test_real_kb_loads_with_zero_errors(real_kb: Path) -> None:
    from ssl_kb.diagnostics import Severity, format_diagnostics
    from ssl_kb.kb import load

    kb = load(real_kb)
    errors = [d for d in kb.diagnostics if d.severity is Severity.ERROR]
    assert not errors, "kb/ has errors:\n" + format_diagnostics(errors, "text")
    assert kb.entries


def test_real_kb_passes_ssl_kb_check(real_kb: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "from ssl_kb.cli import main; main()", "check", "--kb", str(real_kb)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "ok:" in proc.stderr


def test_every_lecture_topic_has_its_topic_record(real_kb: Path) -> None:
    from ssl_kb.kb import load
    from ssl_kb.schema import Topic

    topics = {rid: r for rid, r in load(real_kb).records.items() if isinstance(r, Topic)}
    missing = [t for t in LECTURE_TOPICS if t not in topics]
    assert not missing, f"lecture topics without a record in kb/topics/: {missing}"
    assert [topics[t].order for t in LECTURE_TOPICS] == list(range(1, len(LECTURE_TOPICS) + 1))


def test_topic_headings_follow_the_lecture(real_kb: Path) -> None:
    if not LECTURE.is_file():
        pytest.skip(f"lecture not found at {LECTURE}")
    from ssl_kb.kb import load
    from ssl_kb.schema import Topic

    headings = [
        ln[2:].strip() for ln in LECTURE.read_text(encoding="utf-8").splitlines() if ln.startswith("# ")
    ]
    topics = sorted(
        (r for r in load(real_kb).records.values() if isinstance(r, Topic)), key=lambda t: t.order
    )
    positions = []
    for topic in topics:
        assert topic.heading in headings, (
            f"{topic.id}: heading {topic.heading!r} is not a heading of the lecture"
        )
        positions.append(headings.index(topic.heading))
    assert positions == sorted(positions), "topic orders do not follow the lecture's order of headings"


def _lecture_parts(text: str) -> tuple[set[str], str]:
    """Headings that appear only inside HTML comments, and the visible text (lower-cased, one line)."""
    hidden, shown, visible, inside = [], [], [], False
    for line in text.splitlines():
        if line.strip().startswith("<!--"):
            inside = True
        if line.startswith("# "):
            (hidden if inside else shown).append(line[2:].strip())
        if not inside:
            visible.append(line)
        if "-->" in line:
            inside = False
    return set(hidden) - set(shown), " ".join(" ".join(visible).lower().split())


def test_claims_on_commented_out_slides_are_flagged(real_kb: Path) -> None:
    """A claim is ``commented_out`` exactly when its slide is inside an HTML comment of the lecture
    and its words are on no visible slide: students never saw it, so the quiz does not ask it."""
    if not LECTURE.is_file():
        pytest.skip(f"lecture not found at {LECTURE}")
    from ssl_kb.kb import load

    hidden, visible = _lecture_parts(LECTURE.read_text(encoding="utf-8"))
    assert hidden, "the lecture has commented-out slides"
    flagged = 0
    for record in load(real_kb).records.values():
        for claim in record.lecture_claims:
            unseen = claim.slide in hidden and " ".join(claim.claim.lower().split()) not in visible
            assert claim.commented_out == unseen, (record.id, claim.slide, claim.claim)
            flagged += claim.commented_out
    assert flagged


def test_every_method_has_a_design_block_drawn_from_the_vocabularies(real_kb: Path) -> None:
    """Every method record has every facet, and every facet value is a value of its vocabulary
    (read here from the vocabulary files themselves, not through the lint rule)."""
    import yaml

    from ssl_kb.design import FACETS

    vocabularies = {
        path.stem: {v["id"] for v in yaml.safe_load(path.read_text(encoding="utf-8"))["values"]}
        for path in (real_kb / "vocabularies").glob("*.yaml")
    }
    assert set(vocabularies) == {f.vocabulary for f in FACETS}
    methods = sorted((real_kb / "methods").glob("*.yaml"))
    assert len(methods) >= 40
    for path in methods:
        design = yaml.safe_load(path.read_text(encoding="utf-8")).get("design")
        assert isinstance(design, dict), f"{path.name} has no design block"
        assert set(design) == {f.key for f in FACETS}, path.name
        for info in FACETS:
            facet = design[info.key]
            if facet["value"] is None:
                assert facet.get("note"), (path.name, info.key)
                continue
            assert facet.get("source"), (path.name, info.key)
            unknown = set(facet["value"]) - vocabularies[info.vocabulary]
            assert not unknown, (path.name, info.key, unknown)
