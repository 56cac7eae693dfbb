"""Dates written for people at the precision their source gave: "2017", "April 2017", "30 August 2023",
"12 October 2020, 16:03 (UTC+08:00)".

The data keeps each date at its precision (``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:date``, ``xsd:dateTime``
with or without a zone) and never invents a day; pages must not either, so a year is shown as a year. The
lexical form goes to ``<time datetime>`` (already ISO 8601 at its precision) and to the tooltip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rdflib import XSD, Literal
from rdflib.term import Node

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DATE_TYPES: Final = frozenset({XSD.gYear, XSD.gYearMonth, XSD.date, XSD.dateTime, XSD.gMonthDay})
PATTERN: Final = re.compile(
    r"(?P<year>-?\d{4,})?(?:-(?P<month>\d\d))?(?:-(?P<day>\d\d))?"
    r"(?:T(?P<hour>\d\d):(?P<minute>\d\d)(?::\d\d(?:\.\d+)?)?)?(?P<zone>Z|[+-]\d\d:\d\d)?"
)


@dataclass(frozen=True)
class HumanDate:
    text: str  # for people
    machine: str  # for <time datetime>: the lexical form


def human_date(value: Literal) -> HumanDate | None:
    """How a date literal reads, or None when it is not a date (or its lexical form is malformed)."""
    if value.datatype not in DATE_TYPES:
        return None
    lexical = str(value)
    if value.datatype == XSD.gMonthDay:
        match = re.fullmatch(r"--(\d\d)-(\d\d)", lexical)
        return HumanDate(f"{int(match[2])} {MONTHS[int(match[1]) - 1]}", lexical) if match else None
    match = PATTERN.fullmatch(lexical)
    if match is None or match["year"] is None or not _in_range(match["month"], 12):
        return None
    return HumanDate(_written(match), lexical)


def _in_range(part: str | None, highest: int) -> bool:
    return part is None or 1 <= int(part) <= highest


def _written(match: re.Match[str]) -> str:
    year, month, day = match["year"], match["month"], match["day"]
    text = year if month is None else f"{MONTHS[int(month) - 1]} {year}"
    if day is not None:
        text = f"{int(day)} {text}"
    if match["hour"] is not None:
        text += f", {match['hour']}:{match['minute']}"
    zone = match["zone"]
    if zone:
        text += " (UTC)" if zone == "Z" else f" (UTC{zone})"
    return text


def typed(lexical: str) -> Literal | None:
    """A date given as text (an aggregate's ``MIN(STR(?date))``) back as a literal of its precision, told by
    its shape: "2017" a year, "2017-04" a month, "2017-04-05" a day, with a time a dateTime."""
    match = PATTERN.fullmatch(lexical)
    if not lexical or match is None or match["year"] is None:
        return None
    if match["hour"] is not None:
        return Literal(lexical, datatype=XSD.dateTime)
    return Literal(
        lexical, datatype=XSD.date if match["day"] else XSD.gYearMonth if match["month"] else XSD.gYear
    )


def sort_key(value: Node | None) -> str:
    """What dates sort by: the lexical form, so "2017" < "2017-04" < "2017-04-05" (no day is invented)."""
    return str(value) if value is not None else ""
