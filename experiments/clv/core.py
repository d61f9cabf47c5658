"""What the CLV models share: time units, fit statuses, numeric bounds, the fit error."""

from __future__ import annotations

from typing import ClassVar, Generic, Literal, TypeVar

import numpy as np

from experiments.i18n.text import Text

FitStatus = Literal["ok", "not_converged", "insufficient_data"]
TimeUnit = Literal["days", "weeks"]
DAYS_PER_MONTH = 365.25 / 12
_DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0}
_LOG_BOUND = 18.0  # |log parameter| <= 18: e^18 ~ 6.6e7, far beyond any sensible value
_MIN_CUSTOMERS = 5  # below this a four-parameter mixture fit is meaningless
_GRADIENT_TOLERANCE = 1e-4  # max |d(mean LL)/d(log parameter)| accepted as converged
_MAX_LOG_SD = 5.0  # a log-parameter known only to within a factor e^5 is not identified

Array = np.ndarray


class ClvFitError(Exception):
    """A CLV model could not be fitted; the message (a catalogue `Text`) says why and what
    to do."""


ParamsT = TypeVar("ParamsT")


class FitOutcome(Generic[ParamsT]):
    """What every model's fit result answers: converged or not, and its parameters or why not.

    The fit results (`BgNbdFit`, `GammaGammaFit`) are frozen dataclasses that declare these
    fields with their own documentation; `model` names the model in the error.
    """

    model: ClassVar[str]
    status: FitStatus
    message: str
    params: ParamsT | None

    @property
    def converged(self) -> bool:
        return self.status == "ok"

    def require(self) -> ParamsT:
        """The parameters, or ClvFitError with the message when the fit is not usable."""
        if self.status != "ok" or self.params is None:
            raise ClvFitError(Text("clv.error.unusable", model=self.model, message=self.message))
        return self.params


def _dot(a: Array, b: Array) -> float:
    """Sum of a*b. Not np.dot: on a busy machine OpenBLAS's threads make a 100k-element dot
    product a hundred times slower than this plain sum, and the fits take thousands."""
    return float(np.sum(a * b))


def _as_arrays(*values: object) -> list[Array]:
    return [np.asarray(v, dtype=float) for v in values]
