"""Ranged fault values: ``{between: [LOW, HIGH]}`` and ``{one_of: [...]}``, drawn once per run.

A Monte Carlo of one fixed fault (same node, same minute, same rate) measures traffic noise,
not the plan; a range lets every run meet a different but plausible fault, and the report
card says which (``drawn``). Each value is drawn from the run's own ``draws`` random stream
(sim/world.py spawns it beside traffic, latency, errors, faults and measure), so ranges
never shift the other streams, and the same seed always draws the same fault.

``ranged(T)`` is the scenario type of such a value: the plain ``T``, or one of the two forms,
told apart by their key (a callable discriminator, so an error names one form, not three).
Each bound and each choice is a ``T``, so it is held to the parameter's own bounds.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, Union

import numpy as np
from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from rollout.i18n import N_
from rollout.plan_values import STRICT

T = TypeVar("T")
FORMS = ("between", "one_of")


class Between(BaseModel, Generic[T]):
    """Uniform between two values (numbers or durations), both included."""

    model_config = STRICT
    between: list[T] = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> "Between":
        low, high = self.between
        if low > high:
            raise ValueError(N_("the low bound ({low:g}) is above the high bound ({high:g})").format(low=low, high=high))
        return self


class OneOf(BaseModel, Generic[T]):
    """One of the listed values, each as likely."""

    model_config = STRICT
    one_of: list[T] = Field(min_length=1, max_length=1000)


def _former(numeric: bool):
    """Which form a value is in; a mapping with neither key is read as the range it most
    likely meant, so a misspelt ``betwen`` is an unknown key, not "not a number"."""
    def form(value: Any) -> str:
        for name, model in zip(FORMS, (Between, OneOf)):
            if isinstance(value, model) or (isinstance(value, dict) and name in value):
                return f"range-{name}"
        if isinstance(value, dict):
            return "range-between" if numeric else "range-one_of"
        return "range-value"  # tags have a hyphen: rollout.located leaves them out of error paths
    return form


def ranged(kind: Any, numeric: bool = True) -> Any:
    """The scenario type of a fault value that may be drawn per run (names: only ``one_of``)."""
    forms = [Annotated[kind, Tag("range-value")], Annotated[OneOf[kind], Tag("range-one_of")]]
    if numeric:
        forms.append(Annotated[Between[kind], Tag("range-between")])
    return Annotated[Union[tuple(forms)], Discriminator(_former(numeric))]


def pick(value: Any, rng: np.random.Generator) -> tuple[bool, Any]:
    """(drawn?, the value for this run)."""
    if isinstance(value, Between):
        low, high = value.between
        return True, float(rng.uniform(low, high))
    if isinstance(value, OneOf):
        return True, value.one_of[int(rng.integers(len(value.one_of)))]
    return False, value


def draw(scenario, rng: np.random.Generator):
    """(the scenario with every range drawn, what was drawn: [{fault, kind, KEY: value}]).

    Fields are drawn in declaration order, faults in file order, so a given seed always draws
    the same values; keys are the scenario's own (``from``, not ``from_``).
    """
    faults, drawn = [], []
    for i, fault in enumerate(scenario.faults):
        update, values = {}, {}
        for name, field in type(fault).model_fields.items():
            was_drawn, value = pick(getattr(fault, name), rng)
            if was_drawn:
                update[name] = value
                values[field.alias or name] = round(value, 6) if isinstance(value, float) else value
        faults.append(fault.model_copy(update=update) if update else fault)
        if values:
            drawn.append({"fault": i, "kind": fault.kind, **values})
    return scenario.model_copy(update={"faults": faults}), tuple(drawn)
