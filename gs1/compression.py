"""Compressed GS1 Digital Link URIs: the whole path info in one URL-safe segment.

GS1 Digital Link 1.2 lets a printer shorten a link (so the QR code is
smaller): the AI data becomes a bit string written six bits to a character of
``A-Z a-z 0-9 - _``, after any custom path (``https://e.com/DBHKVAdpQgowOQ``
is ``https://e.com/01/09780345418913/21/12345``). Each element is

- its AI, one hex digit (4 bits) per AI digit, or an optimisation code
  (two hex digits, not both decimal) standing for a fixed sequence of AIs
  (``OPTIMISATIONS``: 0C is (01)(21));
- its value, by the AI's format: a fixed-length number as one binary number
  of ceil(n·log2 10) bits, a variable-length one after its length; an
  alphanumeric value after a 3-bit encoding (0 digits, 1 lower hex, 2 upper
  hex, 3 URL-safe base64, 4 7-bit ASCII) and, if variable, its length;
- or, after the hex digit F, a non-GS1 key=value pair (7-bit key length, key
  in base64, 3-bit encoding, 7-bit value length, value).

Lengths take ceil(log2 max + 0.01) bits. The zero bits that fill the last
character are ignored. Only the AIs of `gs1.digital_link.AIS` are read (the
bits of another AI cannot be measured without its format).

A link may also be partly compressed, as GS1's toolkit writes it with its
primary key left uncompressed: the key (and here any of its qualifiers) stay
path segments and the rest follows as one compressed segment
(``https://e.com/01/09780345418913/<compressed>``). `split_any` reads a link
in any of these forms.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gs1.digital_link import AIS, DigitalLink, DigitalLinkError, Reason

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX = "0123456789abcdef"
# GS1's optimisation codes whose AIs are all modelled here (the standard's table).
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"),
    "0B": ("01", "10"),
    "0C": ("01", "21"),
    "0D": ("01", "17"),
    "0E": ("01", "7003"),
    "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"),
    "1C": ("01", "11"),
    "1D": ("01", "16"),
    "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    **{f"2{'ABCDEF'[n]}": ("01", f"310{n}") for n in range(6)},
    **{f"A{n}": ("01", f"392{n}") for n in range(10)},
}
NON_GS1 = "F"
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_-]+")
_COMPONENT_RE = re.compile(r"(\[?)([NX])(\.\.)?(\d+)")
_ENCODINGS = (
    re.compile(r"[0-9]*"),
    re.compile(r"[0-9a-f]*"),
    re.compile(r"[0-9A-F]*"),
    re.compile(r"[A-Za-z0-9_-]*"),
    re.compile(r"[\x00-\x7f]*"),
)


class NotCompressed(ValueError):
    """The segment is no compressed Digital Link (bad bits, an AI not modelled)."""


@dataclass(frozen=True)
class _Format:
    numeric: bool
    size: int  # the length, or the most for a variable one
    variable: bool


def _formats(ai: str) -> tuple[_Format, ...]:
    """The AI's components for compression: consecutive numeric ones count as one
    number (7003's N6 N4 is N10; 7007's N6 [N6] is N..12), as in GS1's table."""
    found = []
    for text in AIS[ai].split():
        optional, kind, dots, size = _COMPONENT_RE.match(text).groups()  # type: ignore[union-attr]
        found.append((kind == "N", int(size), bool(dots or optional)))
    if len(found) > 1 and all(numeric for numeric, _, _ in found):
        return (_Format(True, sum(s for _, s, _ in found), any(v for _, _, v in found)),)
    return tuple(_Format(*item) for item in found)


def _value_bits(digits: int) -> int:
    return math.ceil(digits * math.log2(10) + 0.01) if digits else 0


def _length_bits(most: int) -> int:
    return math.ceil(math.log2(most) + 0.01)


class _Reader:
    """The bit string, read from the front."""

    def __init__(self, bits: str) -> None:
        self.bits, self.at = bits, 0

    def left(self) -> int:
        return len(self.bits) - self.at

    def take(self, count: int) -> str:
        if count > self.left():
            raise NotCompressed("The compressed data ends early.")
        part = self.bits[self.at : self.at + count]
        self.at += count
        return part

    def number(self, count: int) -> int:
        return int(self.take(count), 2) if count else 0

    def digits(self, count: int) -> str:
        return str(self.number(_value_bits(count))).zfill(count) if count else ""

    def text(self, encoding: int, count: int) -> str:
        if encoding == 0:
            return self.digits(count)
        if encoding in (1, 2):
            chars = "".join(HEX[self.number(4)] for _ in range(count))
            return chars if encoding == 1 else chars.upper()
        if encoding == 3:
            return "".join(BASE64[self.number(6)] for _ in range(count))
        if encoding == 4:
            return "".join(chr(self.number(7)) for _ in range(count))
        raise NotCompressed(f"No encoding {encoding}.")

    def value(self, ai: str) -> str:
        out = ""
        for part in _formats(ai):
            if part.numeric:
                count = self.number(_length_bits(part.size)) if part.variable else part.size
                out += self.digits(count)
            else:
                encoding = self.number(3)
                count = self.number(_length_bits(part.size)) if part.variable else part.size
                out += self.text(encoding, count)
        return out


def _read_ai(reader: _Reader, first: str) -> str:
    """The AI whose first two digits are `first`: 2, 3 or 4 digits, the shortest modelled."""
    ai = first
    while ai not in AIS:
        if len(ai) == 4:
            raise NotCompressed(f"AI {ai}… is not one read here.")
        digit = reader.number(4)
        if digit > 9:
            raise NotCompressed("An AI has a digit above 9.")
        ai += str(digit)
    return ai


def decode(segment: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A compressed segment's (AI elements, other key=value pairs), in their order."""
    if not _SEGMENT_RE.fullmatch(segment):
        raise NotCompressed("Not a URL-safe base64 segment.")
    reader = _Reader("".join(f"{BASE64.index(char):06b}" for char in segment))
    elements: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    while reader.left() >= 8 and "1" in reader.bits[reader.at :]:
        high, low = reader.number(4), reader.number(4)
        code = f"{high:X}{low:X}"
        if high == 0xF:
            reader.at -= 4  # the key's length starts in the second hex digit
            key = reader.text(3, reader.number(7))
            encoding = reader.number(3)
            others.append((key, reader.text(encoding, reader.number(7))))
        elif high <= 9 and low <= 9:
            ai = _read_ai(reader, code)
            elements.append((ai, reader.value(ai)))
        elif code in OPTIMISATIONS:
            elements.extend((ai, reader.value(ai)) for ai in OPTIMISATIONS[code])
        else:
            raise NotCompressed(f"No optimisation code {code}.")
    if "1" in reader.bits[reader.at :]:
        raise NotCompressed("The compressed data has bits left over.")
    if not elements:
        raise NotCompressed("The compressed data holds no AI.")
    return elements, others


def _uncompressed_head(before: str) -> tuple[str, list[tuple[str, str]]]:
    """(the stem, the key and qualifiers left uncompressed) of the URI before
    the compressed segment; none when its path names no key (all compressed)."""
    try:
        stem, head = DigitalLink.split(before)
    except DigitalLinkError as error:
        if error.reason in (Reason.NO_PRIMARY_KEY, Reason.TRAILING_SLASH):
            return before, []
        raise
    return stem, [(head.key, head.value), *head.qualifiers]


def decompress(uri: str) -> str:
    """The uncompressed Digital Link of a compressed or partly compressed one
    (stem, custom path and query kept). Raises `NotCompressed` if the last path
    segment is not compressed data, `DigitalLinkError` if the whole is no valid
    link (an uncompressed key with a wrong check digit, an AI given twice with
    two values)."""
    rest, hash_, fragment = uri.partition("#")
    rest, question, query = rest.partition("?")
    before, _, segment = rest.rpartition("/")
    if "://" not in before:
        raise NotCompressed("No path segment to decompress.")
    elements, others = decode(segment)
    stem, head = _uncompressed_head(before)
    link = DigitalLink.from_elements([*head, *elements])
    link = DigitalLink(link.key, link.value, link.qualifiers, link.attributes, tuple(others))
    expanded = link.uri(stem)
    if query:
        expanded += ("&" if "?" in expanded else "?") + query
    return expanded + hash_ + fragment


def split_any(uri: str) -> tuple[str, DigitalLink]:
    """(the stem, the link) of a Digital Link URI uncompressed, compressed or
    partly compressed. Only a URI whose path names no key is tried as
    compressed, so a refused uncompressed link keeps its reason, and one that
    does not decompress either keeps the uncompressed reading's
    (`no_primary_key`)."""
    try:
        return DigitalLink.split(uri)
    except DigitalLinkError as refused:
        if refused.reason != Reason.NO_PRIMARY_KEY:
            raise
        try:
            return DigitalLink.split(decompress(uri))
        except NotCompressed:
            raise refused from None


def _encode_text(text: str) -> tuple[str, str]:
    """(the 3-bit encoding, the bits) of an alphanumeric value: the first encoding that fits."""
    encoding = next(i for i, pattern in enumerate(_ENCODINGS) if pattern.fullmatch(text))
    if encoding == 0:
        body = f"{int(text):0{_value_bits(len(text))}b}" if text else ""
    elif encoding in (1, 2):
        body = "".join(f"{HEX.index(c.lower()):04b}" for c in text)
    elif encoding == 3:
        body = "".join(f"{BASE64.index(c):06b}" for c in text)
    else:
        body = "".join(f"{ord(c):07b}" for c in text)
    return f"{encoding:03b}", body


def _encode_value(ai: str, value: str) -> str:
    bits, rest = "", value
    for part in _formats(ai):
        count = len(rest) if part.variable else part.size
        text, rest = rest[:count], rest[count:]
        length = f"{len(text):0{_length_bits(part.size)}b}" if part.variable else ""
        if part.numeric:
            bits += length + (f"{int(text):0{_value_bits(len(text))}b}" if text else "")
        else:
            encoding, body = _encode_text(text)
            bits += encoding + length + body
    return bits


def _ai_bits(code: str) -> str:
    return "".join(f"{int(c, 16):04b}" for c in code)


def compress(
    link: DigitalLink, stem: str, *, optimise: bool = True, uncompressed_key: bool = False
) -> str:
    """The compressed URI of `link` under `stem` (scheme, host, any custom path):
    optimisation codes first (the longest that fits, again and again), then the
    other AIs in AI order, then the link's other parameters. With
    `uncompressed_key` the primary key stays a path segment (partly compressed).
    An AI outside `AIS` cannot be compressed (`bad_attribute`)."""
    values = dict([(link.key, link.value), *link.qualifiers, *link.attributes])
    if uncompressed_key:
        stem = DigitalLink(link.key, link.value).uri(stem)
        del values[link.key]
        if not values and not link.extras:
            return stem  # nothing left to compress
    unknown = sorted(set(values) - set(AIS))
    if unknown:
        raise DigitalLinkError(Reason.BAD_ATTRIBUTE, f"({unknown[0]}) cannot be compressed here.")
    left = sorted(values)
    bits = ""
    while optimise:
        fits = [code for code, ais in OPTIMISATIONS.items() if set(ais) <= set(left)]
        if not fits:
            break
        code = max(fits, key=lambda c: len("".join(OPTIMISATIONS[c])))
        bits += _ai_bits(code) + "".join(
            _encode_value(ai, values[ai]) for ai in OPTIMISATIONS[code]
        )
        left = [ai for ai in left if ai not in OPTIMISATIONS[code]]
    bits += "".join(_ai_bits(ai) + _encode_value(ai, values[ai]) for ai in left)
    for key, value in link.extras:
        if not (_SEGMENT_RE.fullmatch(key) and len(key) < 128 and len(value) < 128):
            raise DigitalLinkError(Reason.BAD_VALUE, f"{key}={value} cannot be compressed.")
        encoding, body = _encode_text(value)
        key_bits = "".join(f"{BASE64.index(c):06b}" for c in key)
        bits += f"1111{len(key):07b}{key_bits}{encoding}{len(value):07b}{body}"
    bits += "0" * (-len(bits) % 6)
    segment = "".join(BASE64[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    return stem.rstrip("/") + "/" + segment
