"""The real kb/'s read model, for the tests of the kinds that need design facets, ablations and
misreadings (the fixture KB keeps only a few)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ssl_kb.kb import load
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

REAL = Path(__file__).resolve().parents[3] / "kb"


def model_of(kb_dir: Path) -> ReadModel:
    kb = load(kb_dir)
    assert kb.ok(), [d.to_text() for d in kb.diagnostics][:3]
    return ReadModel.read(memory_engine(kb.records.values()))


@lru_cache(maxsize=1)
def real_model() -> ReadModel:
    return model_of(REAL)
