"""The one converter from the API's typed answers (the `*Out` classes) to JSON.

Every response body and every room event is an `*Out` value, made from a domain entity by
the class itself (`SessionOut.of(session)`), and turned into JSON here and nowhere else
(room events into the dicts the room hub encodes and fans out).
The OpenAPI document reads its schemas off the same classes, so what is served is what is
documented.

The wire format is the spec's: field names as the classes spell them (`_id`, `id`), times
in UTC with milliseconds and a Z, `None` as null, except for the fields declared
`absent_when_none`, which are left out instead. The hooks are generated once per class
(cattrs writes a function with the fields inlined) and orjson encodes: a page of a
hundred messages costs less than the dicts written by hand and `json.dumps` did.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import orjson
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.orjson import make_converter
from starlette.responses import Response

from entrypoints.http.openapi.schemas import ABSENT_KEY

# Formatting is most of what converting a page of messages costs. A time is formatted as
# its minute's text (kept, keyed by minutes since the epoch), then the second's and the
# millisecond's (tables): three string joins, a third of what `isoformat` and its slicing
# cost per time. The minutes kept are bounded: a server runs through few of them.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_MINUTES_KEPT = 65_536
_minutes: dict[int, str] = {}
_SECONDS = [f"{second:02d}." for second in range(60)]
_MILLISECONDS = [f"{millisecond:03d}Z" for millisecond in range(1000)]
# And the last time formatted, with its text: a live message's updated_at is its
# created_at. One tuple, replaced whole: a thread that reads a stale one formats again.
_last_formatted: tuple[datetime | None, str] = (None, "")


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (truncated, as `isoformat` does) and a Z."""
    global _last_formatted
    last, text = _last_formatted
    if moment == last:
        return text
    # timedelta floor division is integer arithmetic, and floors as isoformat truncates.
    minute, rest = divmod((moment - _EPOCH) // _MILLISECOND, 60_000)
    prefix = _minutes.get(minute)
    if prefix is None:
        if len(_minutes) >= _MINUTES_KEPT:
            _minutes.clear()
        # "YYYY-MM-DDTHH:MM:" of that minute, in UTC.
        prefix = _minutes[minute] = (_EPOCH + timedelta(minutes=minute)).isoformat()[:17]
    second, millisecond = divmod(rest, 1000)
    text = prefix + _SECONDS[second] + _MILLISECONDS[millisecond]
    _last_formatted = (moment, text)
    return text


def _optional_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)


converter = make_converter()
converter.register_unstructure_hook(datetime, timestamp)
# Registered by itself: cattrs would otherwise pick a branch of the union at run time.
converter.register_unstructure_hook(datetime | None, _optional_timestamp)


def _out_hook(kind: type[Any]) -> Callable[[Any], dict[str, Any]]:
    # A field the API leaves out when it has no value is omitted at its default, None.
    absent: dict[str, Any] = {
        field.name: override(omit_if_default=True)
        for field in attrs.fields(kind)
        if field.metadata.get(ABSENT_KEY)
    }
    return make_dict_unstructure_fn(kind, converter, **absent)


converter.register_unstructure_hook_factory(attrs.has, _out_hook)


def unstructure(value: Any, as_type: Any = None) -> Any:
    """The JSON-ready form of an `*Out` value (or a list of them: name it in `as_type`)."""
    return converter.unstructure(value, unstructure_as=as_type)


def encode(value: Any, as_type: Any = None) -> bytes:
    """The JSON bytes of an `*Out` value (or a list of them: name it in `as_type`)."""
    return orjson.dumps(converter.unstructure(value, unstructure_as=as_type))


class OutResponse(Response):
    """A JSON answer made from an `*Out` value by the converter."""

    media_type = "application/json"

    def __init__(
        self,
        value: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        as_type: Any = None,
    ) -> None:
        super().__init__(encode(value, as_type), status_code, headers)
