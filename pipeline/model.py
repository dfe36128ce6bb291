"""Data passed between the pipeline stages.

The stages, in order (see ``pipeline.build.process_document``):

1. ``ingest.read_inputs(paths)``          -> ``RawDoc`` per input file or record
2. ``normalise.normalise(text)``          -> ``NormText`` (clean simplified text + offset map)
3. ``meta.detect_meta(raw, norm)``        -> ``Meta`` (title, published, outlet, script)
4. ``sentences.split_sentences(norm)``    -> list of ``Sentence`` spans
5. ``extract.extract_facts(norm, sents)`` -> list of ``Fact``
6. ``entities.tag_entities(norm, meta)``  -> ``Entities`` (region, agency, campaigns) and
   ``entities.resolve_period(fact, ...)`` per fact
   ``entities.fact_region(norm, sentence, ents)`` narrows the region of one fact
7. ``dedup.dedup_facts(facts, norm.text)`` -> facts with in-article repeats merged;
   ``reprints.mark_reprints(articles, facts)`` -> cross-article reprints flagged (after all inputs)

Offsets: every span in ``Fact``/``Sentence`` is in *normalised* text coordinates;
``NormText.to_orig`` maps them back to the original decoded text, so evidence can be shown
in the article's own script.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawDoc:
    """One input: a file, or one record of a .jsonl/.csv file."""

    source: str                     # path as given/found; "path#N" for record N (1-based) of jsonl/csv
    status: str                     # "ok" or "skipped"
    reason: str | None = None       # "<kind>: <detail>", kinds: empty, not text, unreadable, duplicate, ...
    text: str = ""                  # decoded original text (HTML already turned into text)
    encoding: str | None = None     # detected encoding of the file
    fmt: str = ""                   # txt | html | jsonl | csv
    size_bytes: int = 0
    content_hash: str = ""          # sha256 hex of the raw bytes (of the record's text for records)
    url: str | None = None          # from the record, or found in the page
    title: str | None = None        # from the record, or <title>
    published: str | None = None    # ISO date from the record, if given
    site_name: str | None = None    # publishing site named by the page (og:site_name), if any


@dataclass
class NormText:
    """Normalised text plus a map back to the original.

    ``offsets[i]`` is the index in the original text of normalised character ``i``;
    ``offsets[len(text)]`` is the end of the last kept character (an exclusive bound).
    """

    text: str
    offsets: list[int]
    original: str

    def to_orig(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to the original text span."""
        if end <= start:
            o = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1

    def orig_slice(self, start: int, end: int) -> str:
        a, b = self.to_orig(start, end)
        return self.original[a:b]


@dataclass
class Sentence:
    start: int
    end: int
    text: str


@dataclass
class Meta:
    title: str | None = None
    published: str | None = None    # ISO date YYYY-MM-DD
    outlet: str | None = None
    script: str = "simplified"      # simplified | traditional


@dataclass
class Fact:
    metric: str
    value: float
    unit: str                       # display unit of the base value: 元, 起, 人, 张, 部, 个, 次, %, ...
    qualifier: str = "exact"        # exact | more_than | about
    scope: str = "operation"        # cumulative | operation
    currency: str | None = None     # None for counts; "CNY", "HKD", "MOP", "TWD", "USD" ... for money
    start: int = 0                  # span of the figure's clause in normalised text
    end: int = 0
    sent_start: int = 0             # evidence sentence in normalised text
    sent_end: int = 0
    period_start: str | None = None  # ISO dates of the period the figure covers, when known
    period_end: str | None = None
    mentions: int = 1               # how many times the article states this figure
    flags: list[str] = field(default_factory=list)  # e.g. "implausible_value"
    figure: str = ""                # normalised text of the figure clause (used to merge repeats)


@dataclass
class Entities:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    region_code: str | None = None  # administrative division code of the most specific level
    agency: str | None = None
    agency_level: str | None = None  # national | provincial | city | district | station | other
    campaigns: list[str] = field(default_factory=list)
