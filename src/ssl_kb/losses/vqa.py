r"""The VQA accuracy metric with the official answer normalisation, in pure Python.

Antol et al., "VQA: Visual Question Answering", arXiv 1505.00468, Sec. 2 ("an answer is deemed 100%
accurate if at least 3 workers provided that exact answer"), and Goyal et al. (VQA v2, arXiv 1612.00837),
evaluated by the official script ``vqaEval.py`` (GT-Vision-Lab/VQA, ``PythonEvaluationTools/
vqaEvaluation/vqaEval.py`` at commit a013f00, whose behaviour a maintainer confirms in GT-Vision-Lab/VQA
issue #14): :math:`\min(\#\text{matches} / 3, 1)` averaged over the 10 leave-one-annotator-out subsets of
9 human answers. This module re-implements that script's behaviour, quirks included:

1. Every answer, predicted and human, gets newlines and tabs turned into spaces and ``strip()``.
2. Only if the (stripped) human answers are **not all identical** (``len(set(gtAnswers)) > 1``) are the
   human answers **and** the prediction normalised, both in the same way: :func:`process_punctuation`,
   then :func:`process_digit_article`. When all annotators agree, nothing else is normalised on either
   side, so ``"Yes"`` or ``"yes."`` score 0 against ten ``"yes"`` (the maintainers' reason: answers that
   read text in the image, issue #14).
3. Punctuation: each of ``; / [ ] " { } ( ) = + \ _ - > < @ ` , ? !`` is deleted if it occurs next to a
   space anywhere in the (original) text, or if the text contains a digit-comma-digit sequence; otherwise
   it is replaced by a space (``"t-shirt"`` -> ``"t shirt"``, ``"yes!"`` -> ``"yes "``). ``'``, ``:``,
   ``#``, ``$``, ``%``, ``&``, ``*`` are not in the list and are kept (``"don't"`` stays ``"don't"``).
4. Periods: the official regex ``(?!<=\d)(\.)(?!\d)`` was meant as a look-behind but is a look-ahead for
   the literal ``<=``; it removes every ``.`` not followed by a digit (``"3.5"`` keeps it, ``"a.m."``
   loses both). ``re.UNICODE`` is passed as ``sub``'s ``count`` argument, so at most 32 periods go.
5. Digits and articles: after lower-casing and splitting on whitespace, the words ``none, zero, one, ...
   ten`` map to ``0 .. 10`` (``none`` -> ``0``, GT-Vision-Lab/VQA issue #7), then ``a, an, the`` are
   dropped, then the contraction map applies word by word (``dont`` -> ``don't``; its capitalised keys
   ``Im``, ``Ive``, ``Id've``, ``I'dve`` never match the lower-cased text; ``somebody'd`` -> ``somebodyd``).
6. Leave-one-out is by annotator position: each of the answers is left out once (the official code
   removes the one answer dict, which differ by ``answer_id``), not every answer equal to it.

Other stored versions of the same file (commits 07aecec and c4e6a0e) and the copies made from them (e.g.
Salesforce LAVIS ``vqa_eval.py``) always normalise the prediction and give the human answers punctuation
only; 07aecec also has another punctuation list (with ``:`` and ``'``, without ``{ } - !``) and curly
apostrophes in the contraction map. They give other numbers on some questions; this module follows
a013f00.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["process_digit_article", "process_punctuation", "vqa_accuracy"]

_CONTRACTIONS: dict[str, str] = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
    "couldn'tve": "couldn't've", "couldnt've": "couldn't've", "didnt": "didn't", "doesnt": "doesn't",
    "dont": "don't", "hadnt": "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't",
    "havent": "haven't", "hed": "he'd", "hed've": "he'd've", "he'dve": "he'd've", "hes": "he's",
    "howd": "how'd", "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've", "Im": "I'm",
    "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've", "itll": "it'll",
    "let's": "let's", "maam": "ma'am", "mightnt": "mightn't", "mightnt've": "mightn't've",
    "mightn'tve": "mightn't've", "mightve": "might've", "mustnt": "mustn't", "mustve": "must've",
    "neednt": "needn't", "notve": "not've", "oclock": "o'clock", "oughtnt": "oughtn't", "ow's'at": "'ow's'at",
    "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", "shant": "shan't", "shed've": "she'd've",
    "she'dve": "she'd've", "she's": "she's", "shouldve": "should've", "shouldnt": "shouldn't",
    "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've", "somebody'd": "somebodyd",
    "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've", "somebodyll": "somebody'll",
    "somebodys": "somebody's", "someoned": "someone'd", "someoned've": "someone'd've",
    "someone'dve": "someone'd've", "someonell": "someone'll", "someones": "someone's",
    "somethingd": "something'd", "somethingd've": "something'd've", "something'dve": "something'd've",
    "somethingll": "something'll", "thats": "that's", "thered": "there'd", "thered've": "there'd've",
    "there'dve": "there'd've", "therere": "there're", "theres": "there's", "theyd": "they'd",
    "theyd've": "they'd've", "they'dve": "they'd've", "theyll": "they'll", "theyre": "they're",
    "theyve": "they've", "twas": "'twas", "wasnt": "wasn't", "wed've": "we'd've", "we'dve": "we'd've",
    "weve": "we've", "werent": "weren't", "whatll": "what'll", "whatre": "what're", "whats": "what's",
    "whatve": "what've", "whens": "when's", "whered": "where'd", "wheres": "where's", "whereve": "where've",
    "whod": "who'd", "whod've": "who'd've", "who'dve": "who'd've", "wholl": "who'll", "whos": "who's",
    "whove": "who've", "whyll": "why'll", "whyre": "why're", "whys": "why's", "wont": "won't",
    "wouldve": "would've", "wouldnt": "wouldn't", "wouldnt've": "wouldn't've", "wouldn'tve": "wouldn't've",
    "yall": "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll", "yall'd've": "y'all'd've",
    "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", "youd": "you'd", "youd've": "you'd've",
    "you'dve": "you'd've", "youll": "you'll", "youre": "you're", "youve": "you've",
}  # fmt: skip
_NUMBERS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_ARTICLES = frozenset({"a", "an", "the"})
_PUNCTUATION = (
    ";",
    "/",
    "[",
    "]",
    '"',
    "{",
    "}",
    "(",
    ")",
    "=",
    "+",
    "\\",
    "_",
    "-",
    ">",
    "<",
    "@",
    "`",
    ",",
    "?",
    "!",
)
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")  # the official pattern, quirk and all
_COMMA_STRIP = re.compile(r"(\d)(,)(\d)")
_PERIOD_COUNT = int(re.UNICODE)  # the official code passes re.UNICODE (32) as sub()'s count


def process_punctuation(text: str) -> str:
    """The official ``processPunctuation`` (quirks 3 and 4 of the module docstring).

    >>> process_punctuation("t-shirt"), process_punctuation("yes, it is"), process_punctuation("1,000")
    ('t shirt', 'yes it is', '1000')
    >>> process_punctuation("don't"), process_punctuation("3.5 p.m.")
    ("don't", '3.5 pm')
    """
    out = text
    digit_comma_digit = _COMMA_STRIP.search(text) is not None
    for p in _PUNCTUATION:
        if (p + " " in text or " " + p in text) or digit_comma_digit:
            out = out.replace(p, "")
        else:
            out = out.replace(p, " ")
    return _PERIOD_STRIP.sub("", out, count=_PERIOD_COUNT)


def process_digit_article(text: str) -> str:
    """The official ``processDigitArticle``: lower-case, number words to digits, no articles, contractions.

    >>> process_digit_article("The Two dogs"), process_digit_article("dont know")
    ('2 dogs', "don't know")
    """
    words = [_NUMBERS.get(w, w) for w in text.lower().split()]
    words = [w for w in words if w not in _ARTICLES]
    return " ".join(_CONTRACTIONS.get(w, w) for w in words)


def _strip(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ").strip()


def _normalize(text: str) -> str:
    return process_digit_article(process_punctuation(text))


def vqa_accuracy(prediction: str, human_answers: Sequence[str], normalize: str | None = "official") -> float:
    r"""VQA accuracy of one predicted answer against the human answers of one question.

    .. math::
        \mathrm{Acc}(a) = \frac{1}{|H|} \sum_{i=1}^{|H|} \min\Big(1,
        \frac{\#\{j \neq i : h_j = a\}}{3}\Big)

    over the :math:`|H|` human answers (10 in VQA v1/v2: the average over the :math:`\binom{10}{9}` subsets).
    The official script reports ``100 * Acc`` rounded to 2 decimals; this returns the unrounded fraction.

    Args:
        prediction: the model's answer.
        human_answers: the annotators' answers (10 in VQA; any non-empty number is accepted, and a single
            answer always scores 0, as the official formula gives).
        normalize: ``"official"`` (the script's normalisation, only when the annotators disagree; module
            docstring), ``"symmetric"`` (whitespace, punctuation, digits, articles and contractions on both
            sides always, as many re-implementations do; not the official numbers), or ``None`` /
            ``"none"`` (exact string match).

    Returns:
        a float in :math:`[0, 1]`, a multiple of 1/30 for 10 answers.

    >>> vqa_accuracy("Two", ["2"] * 2 + ["3"] * 8)  # 2 of 10 agree: (8 * 2/3 + 2 * 1/3) / 10
    0.6
    >>> vqa_accuracy("yes", ["yes"] * 10), vqa_accuracy("Yes", ["yes"] * 10)  # all agree: no normalisation
    (1.0, 0.0)
    """
    if isinstance(human_answers, str) or len(human_answers) == 0:
        raise ValueError(f"human_answers: expected a non-empty sequence of strings, got {human_answers!r}")
    if not isinstance(prediction, str):
        raise TypeError(f"prediction: expected a str, got {type(prediction).__name__}")
    for i, h in enumerate(human_answers):
        if not isinstance(h, str):
            raise TypeError(f"human_answers[{i}]: expected a str, got {type(h).__name__}")
    if normalize == "official":
        answer, humans = _strip(prediction), [_strip(h) for h in human_answers]
        if len(set(humans)) > 1:
            answer, humans = _normalize(answer), [_normalize(h) for h in humans]
    elif normalize == "symmetric":
        answer, humans = _normalize(_strip(prediction)), [_normalize(_strip(h)) for h in human_answers]
    elif normalize in (None, "none"):
        answer, humans = prediction, list(human_answers)
    else:
        raise ValueError(f"normalize: expected 'official', 'symmetric' or None, got {normalize!r}")
    matches = [h == answer for h in humans]
    total = sum(matches)
    scores = [min(1.0, (total - int(own)) / 3.0) for own in matches]
    return sum(scores) / len(scores)
