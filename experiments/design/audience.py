"""Who is in an experiment: audience filters over per-customer features and RFM segments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from experiments import config
from experiments.i18n.text import Text

RFM_SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential loyalists",
    "new",
    "at risk",
    "can't lose",
    "hibernating",
    "lost",
)


@dataclass(frozen=True)
class AudienceFilter:
    """Who is in the experiment, as ranges over per-customer features (None = no limit).

    Every value is bound as a query parameter by `design_sql`; none of it becomes SQL text.

    Attributes:
        as_of: the day the features are computed for (None: the day after the last
            transaction in the store, so an old export still gives a sensible audience).
        lookback_days: window for frequency and monetary (orders and spend in the last N days).
        recency_min, recency_max: days since the last purchase.
        frequency_min, frequency_max: orders in the lookback window.
        monetary_min, monetary_max: spend in the lookback window.
        tenure_min, tenure_max: days since the first purchase.
        segments: named RFM segments to keep (empty = all).
        r_scores, f_scores, m_scores: RFM quintile scores 1..5 to keep (empty = all).
        channels: the channel of the customer's last purchase must be one of these.
        attributes: uploaded customer attributes, (name, allowed values) pairs; a customer must
            match every name.
    """

    as_of: date | None = None
    lookback_days: int = config.DEFAULT_LOOKBACK_DAYS
    recency_min: float | None = None
    recency_max: float | None = None
    frequency_min: float | None = None
    frequency_max: float | None = None
    monetary_min: float | None = None
    monetary_max: float | None = None
    tenure_min: float | None = None
    tenure_max: float | None = None
    segments: tuple[str, ...] = ()
    r_scores: tuple[int, ...] = ()
    f_scores: tuple[int, ...] = ()
    m_scores: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "lookback_days": self.lookback_days,
            "recency_min": self.recency_min,
            "recency_max": self.recency_max,
            "frequency_min": self.frequency_min,
            "frequency_max": self.frequency_max,
            "monetary_min": self.monetary_min,
            "monetary_max": self.monetary_max,
            "tenure_min": self.tenure_min,
            "tenure_max": self.tenure_max,
            "segments": list(self.segments),
            "r_scores": list(self.r_scores),
            "f_scores": list(self.f_scores),
            "m_scores": list(self.m_scores),
            "channels": list(self.channels),
            "attributes": [[name, list(values)] for name, values in self.attributes],
        }

    @classmethod
    def from_json(cls, data: object) -> AudienceFilter:
        """Inverse of `as_json`; anything else (None, a text description) gives no filters."""
        if not isinstance(data, Mapping) or not data:
            return cls()

        def number(key: str) -> float | None:
            value = data.get(key)
            return float(value) if isinstance(value, int | float) else None

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        def ints(key: str) -> tuple[int, ...]:
            value = data.get(key) or []
            return tuple(int(v) for v in value) if isinstance(value, list) else ()

        as_of = data.get("as_of")
        attributes = data.get("attributes")
        pairs = attributes if isinstance(attributes, list) else []
        lookback = data.get("lookback_days")
        return cls(
            as_of=date.fromisoformat(as_of) if isinstance(as_of, str) else None,
            lookback_days=int(lookback)
            if isinstance(lookback, int | float)
            else config.DEFAULT_LOOKBACK_DAYS,
            recency_min=number("recency_min"),
            recency_max=number("recency_max"),
            frequency_min=number("frequency_min"),
            frequency_max=number("frequency_max"),
            monetary_min=number("monetary_min"),
            monetary_max=number("monetary_max"),
            tenure_min=number("tenure_min"),
            tenure_max=number("tenure_max"),
            segments=strings("segments"),
            r_scores=ints("r_scores"),
            f_scores=ints("f_scores"),
            m_scores=ints("m_scores"),
            channels=strings("channels"),
            attributes=tuple(
                (str(pair[0]), tuple(str(v) for v in pair[1]))
                for pair in pairs
                if isinstance(pair, list | tuple) and len(pair) == 2
            ),
        )

    def problems(self) -> list[str]:
        """What is wrong with the filter ([] = valid): `Text`s, English as str, any language
        through the catalogue (``design.problem.*``)."""
        found: list[str] = []
        if self.lookback_days < 1:
            found.append(Text("design.problem.lookback"))
        for label, low, high in (
            ("recency", self.recency_min, self.recency_max),
            ("frequency", self.frequency_min, self.frequency_max),
            ("monetary", self.monetary_min, self.monetary_max),
            ("tenure", self.tenure_min, self.tenure_max),
        ):
            if low is not None and high is not None and low > high:
                found.append(
                    Text(
                        "design.problem.range",
                        label=Text(f"design.range_name.{label}"),
                        low=f"{low:g}",
                        high=f"{high:g}",
                    )
                )
        unknown = sorted(set(self.segments) - set(RFM_SEGMENTS))
        if unknown:
            found.append(Text("design.problem.segments", names=", ".join(unknown)))
        for label, scores in (("R", self.r_scores), ("F", self.f_scores), ("M", self.m_scores)):
            if any(s not in range(1, 6) for s in scores):
                found.append(Text("design.problem.scores", letter=label))
        return found
