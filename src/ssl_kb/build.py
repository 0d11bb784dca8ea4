"""Build: the pipeline from kb/ to every generated output, planned in memory, written as one transaction.

:func:`plan` checks kb/ and generates everything in memory: the SQLite store's bytes, the site's
pages and theme, its MkDocs configuration and the quizzes/ bank (questions generated once, shared by
the site and the bank). :func:`stale` compares a plan with what is on disk, as typed
:class:`~ssl_kb.output.Change` values; :func:`write` stages every output, renders the site with
MkDocs from the staged pages, and swaps them all in as one :class:`~ssl_kb.transaction.Transaction`, so an
interrupted build leaves every output old or (after the next run's recovery) every output new.

The library reads no environment and prints nothing: progress goes to a callback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Severity
from .errors import NoSiteConfig
from .output import MARKER, Change, guard_folder, with_marker
from .output import stale as stale_files
from .transaction import JOURNAL, build_lock, pending, recover, transaction

if TYPE_CHECKING:
    import networkx as nx
    from sqlalchemy.engine import Engine

    from .project import Project
    from .site import Site

SQLITE_DOWNLOAD = "downloads/ssl-kb.sqlite"
STAGES = (
    "check kb/",
    "write the store",
    "build the graph",
    "generate pages",
    "stage the outputs",
    "render with MkDocs",
    "swap the outputs in",
)
#: ``progress(stage, note)`` is called when each of :data:`STAGES` is done.
Progress = Callable[[int, str], None]
STAMP = "source-digest: "  # the line of the site's marker that names the pages it was rendered from


def _quiet(_stage: int, _note: str) -> None:
    pass


@dataclass(frozen=True)
class Outputs:
    """Where a build writes: the store, build/docs, build/theme, build/mkdocs.yml, quizzes/, the site."""

    root: Path
    store: Path
    docs: Path
    theme: Path
    config: Path
    quizzes: Path
    site: Path

    @classmethod
    def of(cls, project: Project, site_dir: Path | None = None) -> Outputs:
        """The project's outputs; the site in ``site_dir`` when given (``--out``)."""
        outputs = cls.under(project.root)
        return replace(outputs, site=Path(site_dir)) if site_dir is not None else outputs

    @classmethod
    def under(cls, folder: Path) -> Outputs:
        """Every output inside ``folder`` (``build/``, ``quizzes/``, ``site/``), e.g. for a benchmark;
        ``folder/mkdocs.yml`` must hold the site's settings, which build/mkdocs.yml inherits."""
        folder = Path(folder)
        build = folder / "build"
        return cls(
            root=folder,
            store=build / "ssl-kb.sqlite",
            docs=build / "docs",
            theme=build / "theme",
            config=build / "mkdocs.yml",
            quizzes=folder / "quizzes",
            site=folder / "site",
        )

    @property
    def journal(self) -> Path:
        return self.store.parent / JOURNAL

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.store, self.docs, self.theme, self.config, self.quizzes, self.site)

    def show(self, path: Path) -> str:
        """``path`` as the user reads it: relative to the project when inside it."""
        try:
            return Path(path).absolute().relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return str(path)


@dataclass
class Plan:
    """Everything a build writes, in memory."""

    records: int
    warnings: list[Diagnostic]
    store: bytes
    site: Site
    quizzes: dict[str, str]
    works: int
    edges: int
    base_config: bytes  # the project's mkdocs.yml, which the site's configuration inherits

    @property
    def stamp(self) -> str:
        """A digest of what the site is rendered from (pages, theme, both configurations)."""
        digest = hashlib.sha256(self.base_config)
        digest.update(self.site.config.encode())
        for name, files in (("docs", self.site.docs), ("theme", self.site.theme)):
            for rel, content in sorted(files.items()):
                data = content.encode() if isinstance(content, str) else content
                digest.update(f"\0{name}/{rel}\0{len(data)}\0".encode())
                digest.update(data)
        return digest.hexdigest()


def generate(
    engine: Engine, graph: nx.DiGraph | None = None, *, sqlite: bytes | None, quizzes: bool = True
) -> tuple[Site, dict[str, str]]:
    """The site's pages and the quizzes/ bank from one store, read once into a
    :class:`~ssl_kb.readmodel.ReadModel` that both share, the questions generated once
    (without ``quizzes``: no quiz pages and an empty bank)."""
    from .quiz.bank import bank_files
    from .readmodel import ReadModel
    from .site import generate as generate_site
    from .site.quiz_pages import collect

    model = ReadModel.read(engine, graph)
    if not quizzes:
        return generate_site(model, sqlite=sqlite), {}
    site = generate_site(model, questions=collect(model), sqlite=sqlite)
    return site, bank_files(model)


def plan(project: Project, progress: Progress = _quiet, *, quizzes: bool = True) -> Plan:
    """Check kb/ (raises :class:`~ssl_kb.project.InvalidKB`) and generate every output in memory
    (``quizzes=False`` leaves the questions out, for benchmarks of the rest)."""
    from .graph import build as build_graph
    from .store import memory_engine, store_bytes

    base = project.root / "mkdocs.yml"
    if not base.is_file():
        raise NoSiteConfig(f"no MkDocs configuration at {base}; the site's settings live there")
    loaded = project.load()
    warnings = [d for d in loaded.diagnostics if d.severity is Severity.WARNING]
    progress(0, f": {len(loaded.records)} records")
    paths = project.paths(loaded)
    data = store_bytes(loaded.records.values(), paths)
    progress(1, f": {len(data):,} bytes")
    engine = memory_engine(loaded.records.values(), paths)
    try:
        graph = build_graph(engine)
        progress(2, f": {graph.number_of_nodes()} works, {graph.number_of_edges()} edges")
        site, bank = generate(engine, graph, sqlite=data, quizzes=quizzes)
    finally:
        engine.dispose()
    progress(3, f": {site.page_count} pages, {site.questions} questions")
    return Plan(
        records=len(loaded.records),
        warnings=warnings,
        store=data,
        site=site,
        quizzes=bank,
        works=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        base_config=base.read_bytes(),
    )


def site_stamp(site_dir: Path) -> str | None:
    """The digest recorded in a built site's marker, if it has one."""
    try:
        text = (Path(site_dir) / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [line[len(STAMP) :].strip() for line in text.splitlines() if line.startswith(STAMP)]
    return lines[-1] if lines else None


def stale(plan: Plan, outputs: Outputs) -> list[Change]:
    """What a build would change, output by output; empty when everything is up to date."""
    show = outputs.show
    if pending(outputs.journal):
        return [Change("interrupted", show(outputs.journal))]
    found: list[Change] = []
    for path, data in ((outputs.store, plan.store), (outputs.config, plan.site.config.encode())):
        if not path.is_file():
            found.append(Change("added", show(path)))
        elif path.read_bytes() != data:
            found.append(Change("changed", show(path)))
    for folder, files in (
        (outputs.docs, plan.site.docs),
        (outputs.theme, plan.site.theme),
        (outputs.quizzes, plan.quizzes),
    ):
        found += stale_files(with_marker(files), folder, prefix=show(folder) + "/")
    stamp = site_stamp(outputs.site)
    if stamp != plan.stamp:
        found.append(Change("added" if stamp is None else "changed", show(outputs.site) + "/"))
    return found


def _render_config(config: str, docs: Path, theme: Path) -> str:
    """The site's configuration with docs_dir and custom_dir pointing at the staged folders."""
    lines = config.splitlines(keepends=True)
    swaps = {"docs_dir: docs": f"docs_dir: {docs.name}", "custom_dir: theme": f"custom_dir: {theme.name}"}
    out, done = [], set()
    for line in lines:
        for old, new in swaps.items():
            if line.strip().split("  #")[0].strip() == old and old not in done:
                line = line.replace(old, new, 1)
                done.add(old)
        out.append(line)
    if done != set(swaps):
        raise ValueError(f"the site's configuration lacks {sorted(set(swaps) - done)}")
    return "".join(out)


def write(plan: Plan, outputs: Outputs, project: Project, progress: Progress = _quiet) -> list[str]:
    """Write every output of ``plan`` as one transaction; returns MkDocs' warnings.

    Raises :class:`~ssl_kb.output.OutputError` for an output that may not be replaced or cannot be
    written, :class:`~ssl_kb.site.renderer.RenderError` when MkDocs fails: in both cases every
    output is as it was.
    """
    from .output import write_text
    from .site.renderer import render

    site = guard_folder(outputs.site, kb_dir=project.kb_dir, root=project.root)
    for folder in (outputs.docs, outputs.theme, outputs.quizzes):
        guard_folder(folder, kb_dir=project.kb_dir, root=project.root, option="output")
    with transaction(outputs.journal) as txn:
        txn.file(outputs.store, plan.store)
        docs = txn.folder(outputs.docs, plan.site.docs)
        theme = txn.folder(outputs.theme, plan.site.theme)
        txn.file(outputs.config, plan.site.config)
        txn.folder(outputs.quizzes, plan.quizzes)
        rendered = txn.folder(site)
        progress(4, "")
        render_config = outputs.config.parent / f".{outputs.config.name}.render-{txn.txn}.tmp"
        write_text(render_config, _render_config(plan.site.config, docs, theme))
        try:
            warnings = render(render_config, rendered)
        finally:
            render_config.unlink(missing_ok=True)
        txn.mark(rendered, f"{STAMP}{plan.stamp}\n")
        progress(5, f": {outputs.show(outputs.site)}")
        txn.commit()
    progress(6, "")
    return warnings


def lock(outputs: Outputs, *, wait: bool = False) -> Any:
    """The build lock (build/.ssl-kb.lock); :class:`~ssl_kb.errors.Busy` if held and not ``wait``."""
    return build_lock(outputs.store.parent, wait=wait)


def recover_outputs(outputs: Outputs) -> None:
    """Finish an interrupted build and clean what killed runs left (call under :func:`lock`)."""
    recover(outputs.journal, outputs.all)
