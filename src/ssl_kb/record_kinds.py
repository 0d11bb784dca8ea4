"""Record kinds: the one list of the kinds of record in kb/, in the order their folders are listed.

Kept apart from :mod:`ssl_kb.schema` (which re-exports it) so that the CLI can offer the kinds as
choices without importing pydantic at startup.
"""

from __future__ import annotations

from enum import StrEnum


class RecordKind(StrEnum):
    METHOD = "method"
    CONCEPT = "concept"
    TOPIC = "topic"
    DATASET = "dataset"
    METRIC = "metric"
    VOCABULARY = "vocabulary"
