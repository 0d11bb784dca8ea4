"""How each design facet reads in a question: the stem that asks for it and the phrase that states it.

Kept apart from the generators so that the wording of a facet lives in one place: the mechanism,
contrast and scenario kinds all say "predicts normalised pixels" the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...readmodel import ReadModel


@dataclass(frozen=True)
class Wording:
    ask: str  # a question about one method: "{m}" is its name
    state: str  # a phrase after a method's name: "{v}" is the value's name
    #: values for which ``ask`` presupposes something false (no negatives to come from anywhere)
    skip_ask: frozenset[str] = frozenset()
    #: how ``state`` reads for particular values, where the template would read badly
    special: tuple[tuple[str, str], ...] = ()


WORDING: dict[str, Wording] = {
    "objective": Wording("What kind of objective does {m} train with?", "trains with {v}"),
    "target": Wording(
        "What does {m}'s training loss compare the model's output with?",
        "predicts {v}",
        special=(("match-label", "predicts a matched / mismatched label"),),
    ),
    "negatives": Wording(
        "Where do the negative examples in {m}'s loss come from?",
        "takes its negatives from {v}",
        skip_ask=frozenset({"none"}),
        special=(("none", "uses no negative examples"),),
    ),
    "collapse_prevention": Wording(
        "What keeps {m} from collapsing to the same output for every input?",
        "avoids collapse by {v}",
        special=(("fixed-target", "needs nothing against collapse: its target is fixed"),),
    ),
    "corruption": Wording(
        "How does {m} alter or split its input to create the training task?",
        "uses {v}",
        skip_ask=frozenset({"none"}),
        special=(("none", "does not corrupt its input"),),
    ),
    "encoder": Wording("Which network encodes {m}'s input?", "encodes its input with {v}"),
    "fusion": Wording(
        "How does {m} combine its modalities?",
        "combines its modalities through {v}",
        skip_ask=frozenset({"single-modality"}),
        special=(("single-modality", "works on a single modality"),),
    ),
    "frozen": Wording(
        "Which part stays frozen while {m} is trained?",
        "keeps {v} frozen",
        skip_ask=frozenset({"nothing"}),
        special=(("nothing", "trains every part"),),
    ),
    "supervision": Wording(
        "What supervision does {m} learn from?",
        "learns from {v}",
        special=(("none", "learns without any human labels"),),
    ),
    "transfer": Wording("How is {m} used on downstream tasks?", "is used by {v}"),
}


def phrase(model: ReadModel, facet: str, value: str) -> str:
    """A facet value as a predicate: "predicts normalised pixels", "uses no negative examples"."""
    wording = WORDING[facet]
    special = dict(wording.special)
    if value in special:
        return special[value]
    return wording.state.format(v=model.value_name(facet, value))


def value_of_name(model: ReadModel, facet: str, name: str) -> str | None:
    """The id of the facet value whose name is ``name`` (an option's text), if any."""
    return next((v.id for v in model.vocabulary(facet).values() if v.name == name), None)


def holders(model: ReadModel, facet: str, value: str) -> list[str]:
    """Methods whose design lists ``value`` for ``facet``, sorted by id."""
    key = ("facet-holders", facet)
    if key not in model.cache:
        index: dict[str, list[str]] = {}
        for rid in model.ids("method"):
            for v in model.facet_values(rid, facet) or ():
                index.setdefault(v, []).append(rid)
        model.cache[key] = index
    found: dict[str, list[str]] = model.cache[key]
    return list(found.get(value, []))


def designed(model: ReadModel) -> list[str]:
    """Methods that have a design block and a unique display name (usable as options), by id."""
    return [rid for rid in model.work_ids() if model.design(rid) is not None]
