"""Validators shared by forms and models: dates within a sensible reach, names without hidden characters."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

BOOKING_YEARS = 2  # bookings, course starts and reschedules: within 2 years of today either way


@deconstructible
class WithinYears:
    """A date (or the day of a datetime) at most ``ahead`` years after and ``back`` years before today.

    Far dates (``9999-12-31``) overflowed the date arithmetic further on and gave a 500; now they are a
    message beside the field.
    """

    def __init__(self, *, ahead: int, back: int):
        self.ahead, self.back = ahead, back

    def __call__(self, value) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        today = timezone.localdate()
        if day > _years_from(today, self.ahead):
            raise ValidationError(f"Choose a day within the next {_words(self.ahead)} years.", code="too_far_ahead")
        if day < _years_from(today, -self.back):
            raise ValidationError(f"Choose a day within the last {_words(self.back)} years.", code="too_far_back")

    def __eq__(self, other) -> bool:
        return isinstance(other, WithinYears) and (self.ahead, self.back) == (other.ahead, other.back)


def _words(n: int) -> str:
    return {2: "two", 5: "five", 10: "ten"}.get(n, str(n))


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


within_booking_reach = WithinYears(ahead=BOOKING_YEARS, back=BOOKING_YEARS)


@deconstructible(path="clinic.models.NoHiddenCharacters")  # migrations may import clinic.models only
class NoHiddenCharacters:
    """Refuse control characters and bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069, …).

    They let a name display differently from what it is (``Ada\\u202eecnalab`` shows reversed) or break
    exports and logs. Ordinary accents, apostrophes, hyphens and spaces pass. One validator for every
    name field (patients, contacts, drivers, payers, staff).
    """

    def __call__(self, value: str) -> None:
        for char in value or "":
            category = unicodedata.category(char)
            hidden = category == "Cc" or char in INVISIBLE
            hidden = hidden or (category == "Cf" and unicodedata.bidirectional(char) in BIDI_CONTROLS)
            if hidden:
                raise ValidationError(
                    "Remove the hidden control or text-direction character (copied from another program?).",
                    code="hidden_character",
                )

    def __eq__(self, other) -> bool:
        return isinstance(other, NoHiddenCharacters)


no_hidden_characters = NoHiddenCharacters()


BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
INVISIBLE = {"\u200e", "\u200f", "\u061c"}  # LRM, RLM, ALM: direction marks without a bidi-control class
