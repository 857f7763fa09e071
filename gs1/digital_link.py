"""GS1 Digital Link URIs: parse what a QR code carries, generate what we print.

A unit of a batch carries ``{PUBLIC_BASE_URL}/01/{GTIN-14}/10/{lot}/21/{serial}``
(a batch without serials stops after the lot). The rules are those of the GS1
Digital Link 1.2 grammar (``tests/traceability/gs1/GS1_Digital_Link_Grammar_1_2.abnf``)
as the GS1 Syntax Engine reads it:

- the primary key is the rightmost ``/{key}/{value}`` pair that names one, so
  any path before it (``https://example.com/some/prefix/01/...``) is the
  custom stem; its key qualifiers follow in the grammar's fixed order
  (``22`` CPV, ``10`` lot, ``21`` serial), each at most once;
- GTIN-8/12/13 are padded to GTIN-14 and every GTIN's check digit must be
  right; values use the GS1 82-character set (AI 10, 21 and 22: 1-20 of them);
- GS1 data attributes go in the query string (``?17=261231``), each at most
  once and never one of the key's qualifiers; other parameters
  (``linkType=...``) are kept aside for the resolver;
- no trailing slash; a fragment is ignored.

Only the GTIN (AI 01) is modelled as a primary key: other keys (SSCC, GLN,
GIAI, ...) are recognised so that their URIs fail with
``unsupported_primary_key`` rather than being misread. The AIs modelled are in
``AIS``, written exactly as the GS1 Barcode Syntax Dictionary writes them (a
test compares them with the dictionary), and their values are checked against
it. Any other AI the dictionary permits as a data attribute
(``GS1_DATA_ATTRIBUTES``: (3133) height, (4321) dangerous goods, ...) is kept
as it comes, as a resolver passes on what it does not read rather than refuse
the whole link; its value is only checked as 1-90 characters of the GS1
character sets. A number that is no such AI (89, 999, or (8200), which the
dictionary keeps out of the query) is refused (``bad_attribute``).

Reading is lenient where the GS1 Syntax Engine is (a ``+`` or ``%2d`` in the
path is accepted and decoded); writing follows the grammar, percent-encoding
every value character outside ``A-Z a-z 0-9 - . _`` (``"`` too: RFC 3986 has
no raw ``"``, although the grammar lists it unencoded).
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote

GS1_RESOLVER = "https://id.gs1.org"


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for a key given without its check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


class Reason(StrEnum):
    """The machine codes of `DigitalLinkError` (the resolver answers 400 with them)."""

    BAD_URI = "bad_uri"  # not http(s)://host/..., a bad character or %-escape
    NO_PRIMARY_KEY = "no_primary_key"
    UNSUPPORTED_PRIMARY_KEY = "unsupported_primary_key"
    WRONG_PREFIX = "wrong_prefix"
    TRAILING_SLASH = "trailing_slash"
    BAD_GTIN = "bad_gtin"  # not 8, 12, 13 or 14 digits
    BAD_CHECK_DIGIT = "bad_check_digit"
    BAD_QUALIFIER = "bad_qualifier"  # not a qualifier of the key, out of order or repeated
    BAD_ATTRIBUTE = "bad_attribute"  # an AI not allowed (or not modelled) in the query
    DUPLICATE_AI = "duplicate_ai"
    BAD_VALUE = "bad_value"  # wrong characters, length or date


class DigitalLinkError(ValueError):
    """A URI or value that is not a valid GS1 Digital Link, with a short machine `reason`."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# The AIs modelled: specification as in the GS1 Barcode Syntax Dictionary
# ("N14,csum": 14 digits with a check digit; "X..20": 1-20 characters of the
# 82-character set; "[...]": optional; linters after the comma).
AIS: dict[str, str] = {
    "01": "N14,csum,gcppos2",  # GTIN
    "22": "X..20",  # consumer product variant
    "10": "X..20",  # batch or lot
    "21": "X..20",  # serial number
    **dict.fromkeys(("11", "13", "15", "16", "17"), "N6,yymmd0"),  # production, packing,
    # best before, sell by, expiry date
    "240": "X..30",  # additional product identification
    **{f"310{n}": "N6" for n in range(6)},  # net weight, kg with n decimals
    **{f"392{n}": "N..15" for n in range(10)},  # price, n decimals
    "235": "X..28",  # third-party controlled, serialised extension of the GTIN (TPX)
    "400": "X..30",  # customer's purchase order number
    "7003": "N6,yymmdd N4,hhmi",  # expiry date and time
    "7006": "N6,yymmdd",  # first freeze date
    "7007": "N6,yymmdd [N6],yymmdd",  # harvest date (or from-to)
    "90": "X..30",  # internal
    **{str(n): "X..90" for n in range(91, 100)},  # internal
}


def _ai_ranges(text: str) -> frozenset[str]:
    """The AIs of "3100-3105 37 ..." (a range keeps the width of its first AI)."""
    found: set[str] = set()
    for part in text.split():
        first, _, last = part.partition("-")
        found.update(str(n).zfill(len(first)) for n in range(int(first), int(last or first) + 1))
    return frozenset(found)


# Every AI the dictionary permits as a data attribute ("?" flag), modelled or not.
GS1_DATA_ATTRIBUTES = _ai_ranges(
    "00-02 10-13 15-17 20 240-243 250-251 253 255 30 3100-3105 3110-3115 3120-3125 3130-3135 "
    "3140-3145 3150-3155 3160-3165 3200-3205 3210-3215 3220-3225 3230-3235 3240-3245 "
    "3250-3255 3260-3265 3270-3275 3280-3285 3290-3295 3300-3305 3310-3315 3320-3325 "
    "3330-3335 3340-3345 3350-3355 3360-3365 3370-3375 3400-3405 3410-3415 3420-3425 "
    "3430-3435 3440-3445 3450-3455 3460-3465 3470-3475 3480-3485 3490-3495 3500-3505 "
    "3510-3515 3520-3525 3530-3535 3540-3545 3550-3555 3560-3565 3570-3575 3600-3605 "
    "3610-3615 3620-3625 3630-3635 3640-3645 3650-3655 3660-3665 3670-3675 3680-3685 "
    "3690-3695 37 3900-3943 3950-3955 400-403 410-417 420-427 4300-4326 4330-4333 7001-7011 "
    "7020-7023 7030-7039 710-717 7230-7242 7250-7259 8001-8010 8012-8013 8017-8018 8026 8030 "
    "8110-8112 90-99"
)
# The longest value of any of them (7256, 8030, 99: 90 characters).
_UNMODELLED_MAX_LENGTH = 90
# Modelled primary keys and their qualifiers, in the grammar's order (gtin-path).
QUALIFIERS: dict[str, tuple[str, ...]] = {"01": ("22", "10", "21")}
# Every qualifier sequence of a key (the dictionary's dlpkey=22,10,21|235): a
# GTIN is qualified along gtin-path or by a TPX alone (upui-path).
QUALIFIER_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {"01": (QUALIFIERS["01"], ("235",))}
# Every primary key of the grammar with its convenience alpha (/gtin/ = /01/).
PRIMARY_KEYS: dict[str, str] = {
    "01": "gtin",
    "00": "sscc",
    "253": "gdti",
    "255": "gcn",
    "401": "ginc",
    "402": "gsin",
    "414": "gln",
    "417": "party",
    "8003": "grai",
    "8004": "giai",
    "8006": "itip",
    "8010": "cpid",
    "8013": "gmn",
    "8017": "gsrnp",
    "8018": "gsrn",
}
_PATH_ALPHAS = {alpha: code for code, alpha in PRIMARY_KEYS.items()} | {
    "cpv": "22",
    "lot": "10",
    "ser": "21",
}
_QUERY_ALPHAS = {"lot": "10", "exp": "17", "expdt": "7003"}

# GS1 AI encodable character set 82 (the grammar's XCHAR, decoded).
CSET82 = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&'()*+,-./:;<=>?_"
)
# What a value of an AI outside `AIS` may hold: CSET 82 and the "#" of CSET 39
# (CSET 64 is within CSET 82).
_ANY_CSET = CSET82 | {"#"}
# Value characters written as they are; quote() encodes every other one.
_UNENCODED = "-._"

# RFC 3986 as the grammar quotes it: path characters (pchar), query, host.
_PCT = r"%[0-9A-Fa-f]{2}"
_SUB_DELIMS = r"!$&'()*+,;="
_PATH_RE = re.compile(rf"(?:/(?:[A-Za-z0-9\-._~{re.escape(_SUB_DELIMS)}:@]|{_PCT})*)*")
_QUERY_RE = re.compile(rf"(?:[A-Za-z0-9\-._~{re.escape(_SUB_DELIMS)}:@/?]|{_PCT})*")
_REG_NAME_RE = re.compile(rf"(?:[A-Za-z0-9\-._~{re.escape(_SUB_DELIMS)}]|{_PCT})+")
_IP_FUTURE_RE = re.compile(rf"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{re.escape(_SUB_DELIMS)}:]+")
# One component of a specification: "N6,yymmdd", "X..20", "[N..12]", "[N6],yymmdd".
_COMPONENT_RE = re.compile(r"(\[?)([NX])(\.\.)?(\d+)\]?((?:,[a-z0-9]+)*)")


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of a key given without it (GTIN, SSCC, GLN, ...)."""
    if not (digits.isascii() and digits.isdigit()):
        raise DigitalLinkError(Reason.BAD_VALUE, f"{digits!r} is not all digits.")
    return str(gs1_check_digit(digits))


def gtin14(code: str) -> str:
    """A GTIN-8/12/13/14 as the GTIN-14 Digital Link requires, after checking its check digit."""
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13, 14):
        raise DigitalLinkError(Reason.BAD_GTIN, f"A GTIN has 8, 12, 13 or 14 digits, not {code!r}.")
    if check_digit(code[:-1]) != code[-1]:
        raise DigitalLinkError(Reason.BAD_CHECK_DIGIT, f"The check digit of GTIN {code} is wrong.")
    return code.zfill(14)


def _is_date(part: str, zero_day: bool) -> bool:
    """YYMMDD (the dictionary's yymmdd; yymmd0 also allows day 00 for "the whole month")."""
    month, day = int(part[2:4]), int(part[4:6])
    if not 1 <= month <= 12:
        return False
    last = calendar.monthrange(2000 + int(part[:2]), month)[1]
    return (zero_day and day == 0) or 1 <= day <= last


@dataclass(frozen=True)
class _Component:
    """One component of a dictionary specification: "N6,yymmdd", "X..20", "[N6]"."""

    numeric: bool
    size: int  # the length, or the most for a variable one
    variable: bool
    optional: bool
    linters: tuple[str, ...]


def _components(spec: str) -> tuple[_Component, ...]:
    components = []
    for text in spec.split():
        match = _COMPONENT_RE.fullmatch(text)
        if match is None:
            raise ValueError(f"Unreadable specification {spec!r}")
        optional, kind, variable, size, linters = match.groups()
        component = _Component(
            kind == "N", int(size), bool(variable), bool(optional), tuple(linters.split(",")[1:])
        )
        if not set(component.linters) <= _LINTERS:
            raise ValueError(f"No linter for {spec!r}")
        components.append(component)
    return tuple(components)


# The linters checked here; the company-prefix ones (gcppos1/2) need GS1's
# prefix table, which the syntax engine also passes without one.
_LINTERS = {"csum", "yymmdd", "yymmd0", "hhmi", "gcppos1", "gcppos2"}
_SPECS = {ai: _components(spec) for ai, spec in AIS.items()}


def check_value(ai: str, value: str) -> None:
    """Check a value against its AI's specification in `AIS`, component by component."""
    rest = value
    for component in _SPECS[ai]:
        if component.optional and not rest:
            break
        size = component.size
        part, rest = (rest, "") if component.variable else (rest[:size], rest[size:])
        chars_ok = (part.isascii() and part.isdigit()) if component.numeric else set(part) <= CSET82
        if (
            not chars_ok
            or not 0 < len(part) <= size
            or (not component.variable and len(part) < size)
        ):
            raise DigitalLinkError(Reason.BAD_VALUE, f"({ai}) {value!r} does not match {AIS[ai]}.")
        if "csum" in component.linters and check_digit(part[:-1]) != part[-1]:
            raise DigitalLinkError(Reason.BAD_CHECK_DIGIT, f"({ai}) {value}: wrong check digit.")
        for linter in {"yymmdd", "yymmd0"} & set(component.linters):
            if not _is_date(part, zero_day=linter == "yymmd0"):
                raise DigitalLinkError(Reason.BAD_VALUE, f"({ai}) {value!r} is not a date.")
        if "hhmi" in component.linters and not (int(part[:2]) < 24 and int(part[2:]) < 60):
            raise DigitalLinkError(Reason.BAD_VALUE, f"({ai}) {value!r} is not a time.")
    if rest:
        raise DigitalLinkError(Reason.BAD_VALUE, f"({ai}) {value!r} is too long for {AIS[ai]}.")


def _check_unmodelled(ai: str, value: str) -> None:
    """A value of a GS1 data attribute outside `AIS`: its shape is not known here."""
    if not (0 < len(value) <= _UNMODELLED_MAX_LENGTH and set(value) <= _ANY_CSET):
        raise DigitalLinkError(
            Reason.BAD_VALUE, f"({ai}) {value!r} is not 1-90 characters of the GS1 sets."
        )


def _decode(text: str, *, plus_is_space: bool) -> str:
    """Percent-decode; a "+" is a space only in the query (RFC 3986 / HTML forms)."""
    if plus_is_space:
        text = text.replace("+", " ")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError as error:
        raise DigitalLinkError(Reason.BAD_URI, f"{text!r} is not UTF-8 once decoded.") from error


def _encode(text: str) -> str:
    return quote(text, safe=_UNENCODED)


def _split_stem(uri: str) -> tuple[str, str, str]:
    """Split scheme://host[:port] from the path and the query; drop the fragment."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):  # ABNF strings ignore case
        raise DigitalLinkError(Reason.BAD_URI, "A Digital Link starts with http:// or https://.")
    rest = rest.partition("#")[0]
    rest, _, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    _check_authority(authority)
    return f"{scheme}://{authority}", slash + path, query


def _check_authority(authority: str) -> None:
    """hostname = host [":" port], the host a reg-name, an IPv4 or an IP-literal (no zone)."""
    if authority.startswith("["):
        literal, _, port = authority[1:].partition("]")
        ok = bool(_IP_FUTURE_RE.fullmatch(literal)) or _is_ipv6(literal)
        ok = ok and (not port or port.startswith(":"))
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
        ok = bool(_REG_NAME_RE.fullmatch(host))
    if not ok or not (port == "" or port.isascii() and port.isdigit()):
        raise DigitalLinkError(Reason.BAD_URI, f"{authority!r} is not a host name.")


def _is_ipv6(text: str) -> bool:
    if "%" in text:  # zone identifiers mean nothing off the local link
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _qualifier_path(key: str, ais: list[str]) -> tuple[str, ...]:
    """The qualifier sequence `ais` follow: the first whose qualifier comes first
    among them (gtin-path when one of 22, 10, 21 is given, as the Syntax Engine
    reads element data: a TPX beside them is then no qualifier)."""
    if any(ai in QUALIFIERS[key] for ai in ais):
        return QUALIFIERS[key]
    paths = QUALIFIER_PATHS[key]
    return next((path for path in paths if any(ai in path for ai in ais)), paths[0])


@dataclass(frozen=True)
class DigitalLink:
    """What a Digital Link identifies, without its stem (the host and any path prefix).

    `qualifiers` are (AI, value) in the grammar's order; `attributes` the GS1
    data attributes of the query, in their order; `extras` any other query
    parameters (``linkType``, ``format``), which GS1 leaves to the resolver.
    A GTIN-8/12/13 given as `value` is stored as its GTIN-14.
    """

    key: str
    value: str
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    extras: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.key not in QUALIFIERS:
            raise DigitalLinkError(
                Reason.UNSUPPORTED_PRIMARY_KEY,
                f"Only GTIN (01) links are supported, not ({self.key}).",
            )
        object.__setattr__(self, "value", gtin14(self.value))
        allowed = _qualifier_path(self.key, [ai for ai, _ in self.qualifiers])
        position = -1
        for ai, value in self.qualifiers:
            if ai not in allowed or allowed.index(ai) <= position:
                raise DigitalLinkError(
                    Reason.BAD_QUALIFIER,
                    f"({ai}) is not a qualifier of ({self.key}) here: "
                    f"they are {', '.join(allowed)}, in that order, each once.",
                )
            position = allowed.index(ai)
            check_value(ai, value)
        seen = {self.key} | {ai for ai, _ in self.qualifiers}
        for ai, value in self.attributes:
            if ai in allowed:
                raise DigitalLinkError(
                    Reason.BAD_ATTRIBUTE, f"({ai}) qualifies ({self.key}): it goes in the path."
                )
            if ai in seen:
                raise DigitalLinkError(Reason.DUPLICATE_AI, f"({ai}) is given twice.")
            if ai not in GS1_DATA_ATTRIBUTES:
                raise DigitalLinkError(Reason.BAD_ATTRIBUTE, f"({ai}) is not a GS1 data attribute.")
            seen.add(ai)
            (check_value if ai in AIS else _check_unmodelled)(ai, value)
        for name, _ in self.extras:
            if name.isdigit() or name in _QUERY_ALPHAS:
                raise DigitalLinkError(
                    Reason.BAD_ATTRIBUTE, f"{name!r} names an AI: give it as an attribute."
                )

    @property
    def gtin(self) -> str:
        return self.value

    def qualifier(self, ai: str) -> str | None:
        return dict(self.qualifiers).get(ai)

    @property
    def cpv(self) -> str | None:
        return self.qualifier("22")

    @property
    def lot(self) -> str | None:
        return self.qualifier("10")

    @property
    def serial(self) -> str | None:
        return self.qualifier("21")

    @property
    def tpx(self) -> str | None:
        return self.qualifier("235")

    @classmethod
    def for_gtin(
        cls,
        gtin: str,
        *,
        cpv: str | None = None,
        lot: str | None = None,
        serial: str | None = None,
        attributes: Iterable[tuple[str, str]] = (),
    ) -> DigitalLink:
        """The link of a product (``gtin``), a batch (``lot``) or a unit (``lot`` + ``serial``)."""
        given = {"22": cpv, "10": lot, "21": serial}
        qualifiers = tuple((ai, value) for ai, value in given.items() if value is not None)
        return cls("01", gtin, qualifiers, tuple(attributes))

    @classmethod
    def from_elements(cls, elements: Iterable[tuple[str, str]]) -> DigitalLink:
        """From AI element data (a scanned GS1-128 or DataMatrix, a batch's AIs).

        The first primary key is the key; its qualifiers are put in the
        grammar's order; the other AIs become data attributes in their
        order. An AI repeated with the same value counts once (as in the
        GS1 Syntax Engine); with another value it is an error.
        """
        values: dict[str, str] = {}
        for ai, value in elements:
            if values.setdefault(ai, value) != value:
                raise DigitalLinkError(
                    Reason.DUPLICATE_AI, f"({ai}) is given twice with different values."
                )
        key = next((ai for ai in values if ai in PRIMARY_KEYS), None)
        if key is None:
            raise DigitalLinkError(
                Reason.NO_PRIMARY_KEY, "The data has no primary key such as (01)."
            )
        allowed = _qualifier_path(key, list(values)) if key in QUALIFIERS else ()
        qualifiers = tuple((ai, values[ai]) for ai in allowed if ai in values)
        rest = tuple((ai, v) for ai, v in values.items() if ai != key and ai not in allowed)
        return cls(key, values[key], qualifiers, rest)

    @classmethod
    def parse(cls, uri: str, *, prefix: str | None = None) -> DigitalLink:
        """Read a Digital Link URI; `prefix`, if given, is the path its stem must have.

        ``prefix=""`` wants the key right after the host, ``"/t/gs1"`` after
        that path; ``None`` takes any stem. Raises `DigitalLinkError`.
        """
        return cls.split(uri, prefix=prefix)[1]

    @classmethod
    def split(cls, uri: str, *, prefix: str | None = None) -> tuple[str, DigitalLink]:
        """`parse`, with the stem: the scheme, host and any custom path before the key."""
        host, path, query = _split_stem(uri)
        if not _PATH_RE.fullmatch(path) or not _QUERY_RE.fullmatch(query):
            raise DigitalLinkError(Reason.BAD_URI, "The URI has characters it must percent-encode.")
        if path in ("", "/"):
            raise DigitalLinkError(Reason.NO_PRIMARY_KEY, "The URI has no path such as /01/{GTIN}.")
        if path.endswith("/"):
            raise DigitalLinkError(
                Reason.TRAILING_SLASH, "A Digital Link does not end with a slash."
            )
        segments = path[1:].split("/")
        codes = [_PATH_ALPHAS.get(segment, segment) for segment in segments]  # /gtin/ = /01/
        # The rightmost /key/value pair naming a primary key starts the path info.
        start = next(
            (i for i in range(len(segments) - 2, -1, -2) if codes[i] in PRIMARY_KEYS), None
        )
        if start is None:
            raise DigitalLinkError(
                Reason.NO_PRIMARY_KEY, "The path names no primary key such as /01/."
            )
        stem_path = "/".join(["", *segments[:start]]) if start else ""
        if prefix is not None and stem_path != prefix.rstrip("/"):
            raise DigitalLinkError(
                Reason.WRONG_PREFIX, f"The path before the key is not {prefix!r}."
            )
        pairs = [
            (codes[i], _decode(segments[i + 1], plus_is_space=False))
            for i in range(start, len(segments), 2)
        ]
        attributes: list[tuple[str, str]] = []
        extras: list[tuple[str, str]] = []
        for parameter in re.split("[&;]", query):
            if parameter:
                name, _, value = parameter.partition("=")
                name = _decode(name, plus_is_space=True)
                value = _decode(value, plus_is_space=True)
                name = _QUERY_ALPHAS.get(name, name)
                if name.isascii() and name.isdigit():
                    attributes.append((name, value))
                else:
                    extras.append((name, value))
        (key, value), *qualifiers = pairs
        link = cls(key, value, tuple(qualifiers), tuple(attributes), tuple(extras))
        return host + stem_path, link

    def uri(self, base_url: str = GS1_RESOLVER) -> str:
        """The URI under `base_url` (scheme, host and any path prefix; a final "/" is dropped)."""
        stem, path, query = _split_stem(base_url)
        if query or "#" in base_url or not _PATH_RE.fullmatch(path):
            raise DigitalLinkError(
                Reason.BAD_URI, f"{base_url!r} is not a base URL for Digital Links."
            )
        elements = [(self.key, self.value), *self.qualifiers]
        path_info = "".join(f"/{ai}/{_encode(value)}" for ai, value in elements)
        parameters = "&".join(
            f"{_encode(name)}={_encode(value)}" for name, value in self.attributes + self.extras
        )
        return stem + path.rstrip("/") + path_info + (f"?{parameters}" if parameters else "")


def generate(
    base_url: str,
    gtin: str,
    *,
    cpv: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    attributes: Iterable[tuple[str, str]] = (),
) -> str:
    """``{base_url}/01/{GTIN-14}[/22/{cpv}][/10/{lot}][/21/{serial}][?{AI}={value}...]``."""
    link = DigitalLink.for_gtin(gtin, cpv=cpv, lot=lot, serial=serial, attributes=attributes)
    return link.uri(base_url)


def parse(uri: str, *, prefix: str | None = None) -> DigitalLink:
    """`DigitalLink.parse`."""
    return DigitalLink.parse(uri, prefix=prefix)
