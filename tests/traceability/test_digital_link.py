"""GS1 Digital Link URIs against the GS1 grammar, its tables and its test vectors.

The files are in ``tests/traceability/gs1/`` (SOURCES.txt names their origin):
the Digital Link 1.2 grammar, digital-link.js's identifier list, the GS1
Barcode Syntax Dictionary, and the test cases of the GS1 Syntax Engine
(``parse_dl_uri``: 118, ``generate_dl_uri``: 22) and of digital-link.js
(``is_valid``: 34, ``compression``: 7, ``check_digit``: 6).

Every vector case is run or counted; none is skipped. A case inside what the
module models is run against the vector's verdict. A case outside it is either
run against the reason the module refuses it with (`outside`):

- another primary key than the GTIN (01): SSCC, GDTI, GLN, GIAI, GSRN, ...:
  ``unsupported_primary_key``, whatever the vector's verdict (the module
  refuses the key before reading its value, rather than misread it);
- (235) TPX in element data beside one of (22), (10), (21): those qualify the
  GTIN, so the TPX is an attribute, which it may not be: ``bad_attribute``;

or left out of the parametrisation in a category whose test counts its cases
(so a changed vector file fails it) and checks what the module does instead:

- a case whose outcome hangs on a Syntax Engine option set otherwise than
  the module behaves: it pads GTIN-8/12/13 (the brief; the grammar's
  gtin-value) and reads /gtin/, /lot/, ... (the 1.2 grammar), so the cases
  refused only with permitZeroSuppressedGTINinDLuris or
  permitConvenienceAlphas off are left out, while those run with the option
  on pass; and it always refuses unknown AIs, so the cases accepting them
  under permitUnknownAIs are left out;
- digital-link.js's compressed URIs (which `parse` refuses and
  `gs1.compression` reads and writes: every compression vector is run), its
  sortKeyQualifiers option, and its acceptance of a trailing slash (the
  grammar and the Syntax Engine refuse it, as the brief asks).
"""

import json
import re
import string
from collections import Counter
from dataclasses import astuple
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gs1 import compression
from gs1.digital_link import (
    AIS,
    CSET82,
    GS1_DATA_ATTRIBUTES,
    GS1_RESOLVER,
    PRIMARY_KEYS,
    QUALIFIER_PATHS,
    QUALIFIERS,
    DigitalLink,
    DigitalLinkError,
    Reason,
    check_digit,
    generate,
    gtin14,
    parse,
)

GS1 = Path(__file__).parent / "gs1"


def load(name):
    return json.loads((GS1 / name).read_text(encoding="utf-8"))


@cache
def grammar():
    """The ABNF rules of the Digital Link grammar, name -> definition (comments dropped)."""
    text = (GS1 / "GS1_Digital_Link_Grammar_1_2.abnf").read_text(encoding="utf-8")
    rules: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        line = re.match(r"""((?:[^"';]|"[^"]*"|'[^']*')*)""", line)[1]  # drop "; comment"
        match = re.match(r"^([A-Za-z][\w-]*)\s*=\s*(.*)", line)
        if match:
            name, body = match.groups()
            rules[name] = body.strip()
        elif name and line.strip():
            rules[name] += " " + line.strip()
    return rules


@cache
def dictionary():
    """The GS1 Barcode Syntax Dictionary: AI -> (flags, specification, attributes)."""
    entries = {}
    for line in (GS1 / "gs1-syntax-dictionary.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        ais, *tokens = line.split("#", 1)[0].split()
        flags = tokens.pop(0) if tokens and re.fullmatch(r"[*?]+", tokens[0]) else ""
        spec = []
        while tokens and re.match(r"\[?[NXYZ]", tokens[0]):
            spec.append(tokens.pop(0))
        first, _, last = ais.partition("-")
        for number in range(int(first), int(last or first) + 1):
            entries[str(number).zfill(len(first))] = (flags, " ".join(spec), tokens)
    return entries


def primary_keys_of_grammar():
    """{code: convenience alpha} of the grammar's primary keys (those in identifier-list.json)."""
    codes = {entry["code"] for entry in load("identifier-list.json")}
    found = {}
    for rule, body in grammar().items():
        match = re.fullmatch(r'"(\d+)"\s*/\s*%s"(\w+)"', body)
        if rule.endswith("-code") and match and match[1] in codes:
            found[match[1]] = match[2]
    return found


def element_string(link):
    """The link as the Syntax Engine writes AI data: "^" starts it and ends each
    variable-length element that another follows (the dictionary's "*" flag
    marks the pre-defined lengths)."""
    elements = [(link.key, link.value), *link.qualifiers, *link.attributes]
    out = "^"
    for index, (ai, value) in enumerate(elements):
        out += ai + value
        if index < len(elements) - 1 and "*" not in dictionary()[ai][0]:
            out += "^"
    return out


# -- Which vector cases apply ------------------------------------------------------

ALPHAS = {alpha: code for code, alpha in primary_keys_of_grammar().items()}


def path_key(uri):
    """The vector URI's primary key, found as the Syntax Engine does: the rightmost
    /{key}/{value} pair naming one: (code, value, was an alpha, the codes after it)."""
    match = re.match(r"^[A-Za-z]+://[^/?#]*(/[^?#]*)?", uri)
    segments = (match[1] or "/")[1:].split("/") if match else []
    for i in range(len(segments) - 2, -1, -2):
        code = ALPHAS.get(segments[i], segments[i])
        if code in PRIMARY_KEYS:
            return code, segments[i + 1], code != segments[i], segments[i + 2 :: 2]
    return None, "", False, []


def query_ais(uri):
    query = uri.partition("#")[0].partition("?")[2]
    return [p.partition("=")[0] for p in query.split("&") if p.partition("=")[0].isdigit()]


# The categories of vector cases left out of the parametrisation. Each has a test
# that counts its cases (and checks what the module does with them instead).
ALPHAS_OFF = "refused only as permitConvenienceAlphas is off"
ZERO_SUPPRESSED_OFF = "refused only as permitZeroSuppressedGTINinDLuris is off"
UNKNOWN_AIS_ON = "accepted only with options admitting unknown AIs"
COMPRESSED = "a digital-link.js compressed URI"
TRAILING_SLASH = "digital-link.js accepts a trailing slash"
SORTED_QUALIFIERS = "digital-link.js sortKeyQualifiers"


def outside(*, key, qualifiers, attributes, succeeds, options, short_gtin=False, alpha=False):
    """What becomes of a vector case outside what the module models: the `Reason`
    the module refuses it with, the category (a str) it is left out as, or None
    when the vector's verdict is the module's (see the docstring)."""
    if key is not None and key != "01":
        # Refused before its value is read, whatever the vector's verdict.
        return Reason.UNSUPPORTED_PRIMARY_KEY
    if "235" in attributes:
        return Reason.BAD_ATTRIBUTE
    if succeeds and (
        options.get("permitUnknownAIs") or not options.get("vUNKNOWN_AI_NOT_DL_ATTR", True)
    ):
        return UNKNOWN_AIS_ON
    if not succeeds and short_gtin and not options.get("permitZeroSuppressedGTINinDLuris"):
        return ZERO_SUPPRESSED_OFF
    if not succeeds and alpha and not options.get("permitConvenienceAlphas"):
        return ALPHAS_OFF
    return None


LEFT_OUT: dict[str, list[tuple[str, dict]]] = {}  # category -> [(vector section, case)]


def sort_out(section, cases, field, classify):
    """The cases of a vector section: (those run against the vector's verdict,
    those run against the module's refusal reason); the rest go to `LEFT_OUT`."""
    verdict, refused = [], []
    for index, case in enumerate(cases):
        what = classify(case)
        case_id = f"{index}:{case[field][:70]}"
        if what is None:
            verdict.append(pytest.param(case, id=case_id))
        elif isinstance(what, Reason):
            refused.append(pytest.param(case, what, id=case_id))
        else:
            LEFT_OUT.setdefault(what, []).append((section, case))
    return verdict, refused


def left_out(category):
    """({vector section: how many}, [case, ...]) of a category of `LEFT_OUT`."""
    cases = LEFT_OUT.get(category, [])
    return Counter(section for section, _ in cases), [case for _, case in cases]


def bracketed(data):
    return re.findall(r"\((\d+)\)([^(]*)", data)


def parse_case_outside(case):
    uri = case["uri"]
    key, value, alpha, qualifiers = path_key(uri)
    return outside(
        key=key,
        qualifiers=qualifiers,
        attributes=query_ais(uri),
        succeeds=case["should_succeed"],
        options=case["options"],
        short_gtin=key == "01" and len(value) in (8, 12, 13),
        alpha=alpha,
    )


def generate_case_outside(case):
    ais = [ai for ai, _ in bracketed(case["ai_data_bracketed"])]
    return outside(
        key=next((ai for ai in ais if ai in PRIMARY_KEYS), None),
        qualifiers=[],  # from_elements makes every AI but the key's qualifiers an attribute
        attributes=ais,
        succeeds=case["should_succeed"],
        options=case["options"],
    )


DLJS_QUIRKS = {
    "https://dlnkd.tn.gg/ARHKVAdpQg": COMPRESSED,
    "https://example.com/01/01234565/": TRAILING_SLASH,
}


def dljs_case_outside(case):
    uri = case["uri"]
    if case["sortKeyQualifiers"]:
        return SORTED_QUALIFIERS
    if uri in DLJS_QUIRKS:
        return DLJS_QUIRKS[uri]
    key, _, _, qualifiers = path_key(uri)
    return outside(
        key=key,
        qualifiers=qualifiers,
        attributes=query_ais(uri),
        succeeds=case["expected"],
        options={},
    )


SYNTAX_ENGINE = load("gs1-syntax-engine_dl_vectors.json")
PARSE_CASES = SYNTAX_ENGINE["parse_dl_uri"]
GENERATE_CASES = SYNTAX_ENGINE["generate_dl_uri"]
DLJS = load("digital-link.js_test_vectors.json")

PARSE_VERDICT, PARSE_REFUSED = sort_out("parse_dl_uri", PARSE_CASES, "uri", parse_case_outside)
GENERATE_VERDICT, GENERATE_REFUSED = sort_out(
    "generate_dl_uri", GENERATE_CASES, "ai_data_bracketed", generate_case_outside
)
DLJS_VERDICT, DLJS_REFUSED = sort_out("is_valid", DLJS["is_valid"], "uri", dljs_case_outside)
LEFT_OUT.setdefault(COMPRESSED, []).extend(("compression", case) for case in DLJS["compression"])


def test_every_vector_case_is_run_or_counted():
    """Each vector case is run against the vector's verdict, run against the
    module's refusal reason, or left out in a category counted below."""
    sections = {
        "parse_dl_uri": (len(PARSE_CASES), len(PARSE_VERDICT), len(PARSE_REFUSED)),
        "generate_dl_uri": (len(GENERATE_CASES), len(GENERATE_VERDICT), len(GENERATE_REFUSED)),
        "is_valid": (len(DLJS["is_valid"]), len(DLJS_VERDICT), len(DLJS_REFUSED)),
        "compression": (len(DLJS["compression"]), 0, 0),
    }
    counted = Counter(section for cases in LEFT_OUT.values() for section, _ in cases)
    assert {name: (*sizes, counted[name]) for name, sizes in sections.items()} == {
        # cases, run against the verdict, run against the refusal, left out
        "parse_dl_uri": (118, 85, 28, 5),
        "generate_dl_uri": (22, 13, 8, 1),
        "is_valid": (34, 13, 17, 4),
        "compression": (7, 0, 0, 7),
    }
    for name, (cases, verdict, refused) in sections.items():
        assert cases == verdict + refused + counted[name], name
    assert len(DLJS["check_digit"]) == 6  # all run


@pytest.mark.parametrize("case", PARSE_VERDICT)
def test_syntax_engine_parse_vectors(case):
    uri = case["uri"]
    if case["should_succeed"]:
        assert element_string(parse(uri)) == case["expected_element_string"]
    else:
        with pytest.raises(DigitalLinkError):
            parse(uri)


@pytest.mark.parametrize(("case", "reason"), PARSE_REFUSED)
def test_syntax_engine_parse_vectors_outside_the_model_are_refused(case, reason):
    """Another primary key than (01), an unmodelled attribute."""
    with pytest.raises(DigitalLinkError) as error:
        parse(case["uri"])
    assert error.value.reason == reason


@pytest.mark.parametrize("case", GENERATE_VERDICT)
def test_syntax_engine_generate_vectors(case):
    elements = bracketed(case["ai_data_bracketed"])
    stem = case["uri_stem"] or GS1_RESOLVER
    if case["should_succeed"]:
        link = DigitalLink.from_elements(elements)
        assert link.uri(stem) == case["expected_uri"]
        assert parse(case["expected_uri"]) == link
    else:
        with pytest.raises(DigitalLinkError):
            DigitalLink.from_elements(elements).uri(stem)


@pytest.mark.parametrize(("case", "reason"), GENERATE_REFUSED)
def test_syntax_engine_generate_vectors_outside_the_model_are_refused(case, reason):
    """Another primary key than (01) first in the data, or (235) beside (22), (10) or (21)."""
    with pytest.raises(DigitalLinkError) as error:
        DigitalLink.from_elements(bracketed(case["ai_data_bracketed"]))
    assert error.value.reason == reason


@pytest.mark.parametrize("case", DLJS_VERDICT)
def test_digital_link_js_validity_vectors(case):
    uri = case["uri"]
    if case["expected"]:
        assert parse(uri).key == "01"
    else:
        with pytest.raises(DigitalLinkError) as error:
            parse(uri)
        if case["method"] == "isCheckDigitValid":
            assert error.value.reason == Reason.BAD_CHECK_DIGIT


@pytest.mark.parametrize(("case", "reason"), DLJS_REFUSED)
def test_digital_link_js_validity_vectors_outside_the_model_are_refused(case, reason):
    """Another primary key than (01) (GRAI, GLN, SSCC, ...), an unmodelled attribute."""
    with pytest.raises(DigitalLinkError) as error:
        parse(case["uri"])
    assert error.value.reason == reason


@pytest.mark.parametrize("case", DLJS["check_digit"], ids=lambda c: c["value"])
def test_digital_link_js_check_digit_vectors(case):
    value, position = case["value"], case["position"]
    at = len(value) - 1 if position == -1 else position - 1
    assert (check_digit(value[:at]) == value[at]) is case["expected"]


# -- The vector cases left out, by category -------------------------------------------


def test_left_out_refused_only_without_convenience_alphas():
    """Syntax Engine cases refused only because permitConvenienceAlphas is off: the
    1.2 grammar allows /gtin/ for /01/, and the module always reads it."""
    sections, cases = left_out(ALPHAS_OFF)
    assert sections == {"parse_dl_uri": 1}
    for case in cases:
        assert parse(case["uri"]).key == "01"


def test_left_out_refused_only_without_zero_suppressed_gtins():
    """Syntax Engine cases refused only because permitZeroSuppressedGTINinDLuris is
    off: the module always pads a GTIN-8/12/13 to its GTIN-14 (as the brief asks)."""
    sections, cases = left_out(ZERO_SUPPRESSED_OFF)
    assert sections == {"parse_dl_uri": 3}
    for case in cases:
        _, value, _, _ = path_key(case["uri"])
        assert parse(case["uri"]).gtin == gtin14(value) == value.zfill(14)


def test_left_out_accepted_only_with_unknown_ais():
    """Syntax Engine cases accepted only under permitUnknownAIs (or with
    vUNKNOWN_AI_NOT_DL_ATTR off): the module always refuses a number that is
    no GS1 data attribute (89)."""
    sections, cases = left_out(UNKNOWN_AIS_ON)
    assert sections == {"parse_dl_uri": 1, "generate_dl_uri": 1}
    for case in cases:
        with pytest.raises(DigitalLinkError) as error:
            if "uri" in case:
                parse(case["uri"])
            else:
                DigitalLink.from_elements(bracketed(case["ai_data_bracketed"]))
        assert error.value.reason == Reason.BAD_ATTRIBUTE


def test_left_out_compressed_uris():
    """digital-link.js's compressed URIs (the whole path info in one opaque segment):
    `parse` reads only uncompressed links, so it refuses one (no_primary_key);
    `gs1.compression` turns each into its uncompressed side, and back."""
    sections, cases = left_out(COMPRESSED)
    assert sections == {"compression": 7, "is_valid": 1}
    for case in cases:
        uris = [case["input"], case["expected"]] if "input" in case else [case["uri"]]
        (packed,) = [uri for uri in uris if path_key(uri)[0] is None]
        with pytest.raises(DigitalLinkError) as error:
            parse(packed)
        assert error.value.reason == Reason.NO_PRIMARY_KEY
        expanded = parse(compression.decompress(packed))
        for uri in set(uris) - {packed}:
            assert parse(uri) == expanded


@pytest.mark.parametrize("case", DLJS["compression"], ids=lambda c: c["test"])
def test_digital_link_js_compression_vectors(case):
    source, wanted = case["input"], case["expected"]
    if path_key(source)[0] is None:  # a decompression case
        expanded = compression.decompress(source)
        assert parse(expanded) == parse(wanted)
        if "/gtin/" not in wanted:  # the convenience alphas are the only other spelling
            assert expanded == wanted
        return
    link = parse(source)
    optimise = "not using optimisations" not in case["test"]
    if not optimise:  # nor compressing the other key=value pairs: they stay in the query
        link = DigitalLink(link.key, link.value, link.qualifiers, link.attributes)
        wanted = wanted.removesuffix("?foo=bar")
    stem = source[: re.search("/(01|gtin)/", source).start()]
    assert compression.compress(link, stem, optimise=optimise) == wanted


def test_compression_round_trips_and_refuses_what_is_no_link():
    link = DigitalLink.for_gtin(
        "09520123456788",
        cpv="2A",
        lot="ab12",
        serial="S/1",
        attributes=[("17", "261231"), ("7003", "2612312359"), ("7007", "250901"), ("99", "x%y")],
    )
    for optimise in (True, False):
        packed = compression.compress(link, "https://e.com/p", optimise=optimise)
        assert packed.startswith("https://e.com/p/") and "/01/" not in packed
        assert parse(compression.decompress(packed)) == link
    for segment in ("DBHKVAdpQgowO", "ZZZZZZZZZZZZ", "DBHKVAdpQgowOQ~", "A"):
        with pytest.raises(compression.NotCompressed):
            compression.decompress(f"https://e.com/{segment}")
    # AI 01 (8 bits), then the 14 digits as one 47-bit number: a wrong check digit.
    bits = "00000001" + f"{9520123456789:047b}"
    bits += "0" * (-len(bits) % 6)
    segment = "".join(compression.BASE64[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    assert compression.decode(segment) == ([("01", "09520123456789")], [])
    with pytest.raises(DigitalLinkError) as error:
        compression.decompress(f"https://e.com/{segment}")
    assert error.value.reason == Reason.BAD_CHECK_DIGIT


def bits_of(segment):
    return "".join(f"{compression.BASE64.index(char):06b}" for char in segment)


def segment_of(bits):
    bits += "0" * (-len(bits) % 6)
    return "".join(compression.BASE64[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def test_partly_compressed_links_follow_gs1s_bits():
    """Threat: a printer's partly compressed QR code (GS1's toolkit leaves the
    primary key uncompressed) is refused or misread. Property: the segment after
    an uncompressed key holds the rest of the data in the very bits GS1's vector
    holds it: digital-link.js's unoptimised (01)(21) URI less its first element."""
    (case,) = [c for c in DLJS["compression"] if "not using optimisations" in c["test"]]
    packed = case["expected"].partition("?")[0].rpartition("/")[2]
    # AI 01 is 8 bits, its 14 digits one 47-bit number; (21) and its value follow.
    rest = bits_of(packed)[8 + 47 :].rstrip("0")
    link = parse(case["input"])
    link = DigitalLink(link.key, link.value, link.qualifiers)
    partly = compression.compress(link, "https://dlnkd.tn.gg", uncompressed_key=True)
    assert partly == f"https://dlnkd.tn.gg/01/{link.gtin}/{segment_of(rest)}"
    assert compression.split_any(partly) == ("https://dlnkd.tn.gg", link)
    assert compression.decompress(partly) == link.uri("https://dlnkd.tn.gg")


def test_partly_compressed_links_keep_their_key_and_qualifiers():
    """Threat: the uncompressed part of a partly compressed link escapes the
    checks an uncompressed link gets, or disagrees with the compressed part
    unnoticed. Property: the key and any qualifiers before the segment are read
    as in an uncompressed link (custom path, /gtin/, check digit, order); the
    two parts together make one link, and an AI in both with two values is
    refused."""
    gtin = "09520123456788"
    link = DigitalLink.for_gtin(gtin, lot="L1", serial="S/1", attributes=[("17", "261231")])
    rest = DigitalLink.for_gtin(gtin, serial="S/1", attributes=[("17", "261231")])
    tail = compression.compress(rest, "https://h", uncompressed_key=True).rpartition("/")[2]
    for head in (f"/01/{gtin}/10/L1", "/gtin/9520123456788/lot/L1"):
        stem, read = compression.split_any(f"https://e.com/any/path{head}/{tail}?linkType=all")
        assert stem == "https://e.com/any/path"
        assert read == DigitalLink(*astuple(link)[:4], (("linkType", "all"),))
    lot = DigitalLink.for_gtin(gtin, lot="L2")
    lot_tail = compression.compress(lot, "https://h", uncompressed_key=True).rpartition("/")[2]
    _, read = compression.split_any(f"https://e.com/01/{gtin}/21/S/{lot_tail}")
    assert read.qualifiers == (("10", "L2"), ("21", "S"))  # in the grammar's order
    for uri, reason in [
        (f"https://e.com/01/09520123456789/{tail}", Reason.BAD_CHECK_DIGIT),
        (f"https://e.com/01/{gtin}/21/S/10/L/{tail}", Reason.BAD_QUALIFIER),
        (f"https://e.com/01/{gtin}/10/L1/{lot_tail}", Reason.DUPLICATE_AI),
        (f"https://e.com/01/{gtin}/10", Reason.NO_PRIMARY_KEY),  # no compressed data
        ("https://e.com/01/09520123456789", Reason.BAD_CHECK_DIGIT),  # not tried compressed
    ]:
        with pytest.raises(DigitalLinkError) as error:
            compression.split_any(uri)
        assert error.value.reason == reason, uri
    alone = DigitalLink.for_gtin(gtin)
    assert compression.compress(alone, "https://e.com", uncompressed_key=True) == alone.uri(
        "https://e.com"
    )


def test_gs1_data_attributes_not_modelled_are_passed_on():
    """Threat: a link carrying a GS1 attribute the market has no use for (a
    height, a dangerous-goods flag) is refused whole, so the scan fails.
    Property: any AI the Syntax Dictionary permits in the query is kept in its
    place and written back; only its shape is checked, while the AIs modelled
    keep their full checks and a number that is no attribute is refused."""
    uri = "https://e.com/01/09520123456788/10/L1?3133=000150&17=261231&4321=1&7240=A%2FB"
    link = parse(uri)
    assert link.attributes == (("3133", "000150"), ("17", "261231"), ("4321", "1"), ("7240", "A/B"))
    assert link.uri("https://e.com") == uri
    elements = DigitalLink.from_elements([("01", "09520123456788"), ("4321", "1"), ("10", "L1")])
    assert (elements.lot, elements.attributes) == ("L1", (("4321", "1"),))
    for query, reason in [
        ("3133=", Reason.BAD_VALUE),
        ("3133=" + "1" * 91, Reason.BAD_VALUE),
        ("4321=caf%C3%A9", Reason.BAD_VALUE),
        ("17=261301", Reason.BAD_VALUE),  # modelled: a month 13
        ("89=1", Reason.BAD_ATTRIBUTE),  # no AI
        ("999=1", Reason.BAD_ATTRIBUTE),
        ("8200=x", Reason.BAD_ATTRIBUTE),  # an AI kept out of the query
        ("3133=1&3133=1", Reason.DUPLICATE_AI),
    ]:
        with pytest.raises(DigitalLinkError) as error:
            parse(f"https://e.com/01/09520123456788?{query}")
        assert error.value.reason == reason, query
    with pytest.raises(DigitalLinkError) as error:
        compression.compress(link, "https://e.com")
    assert error.value.reason == Reason.BAD_ATTRIBUTE  # no format to measure its bits by


def test_left_out_trailing_slash():
    """digital-link.js accepts a trailing slash; the grammar and the Syntax Engine
    refuse it, and so does the module (trailing_slash; test_no_trailing_slash)."""
    sections, cases = left_out(TRAILING_SLASH)
    assert sections == {"is_valid": 1}
    for case in cases:
        assert case["expected"] is True
        with pytest.raises(DigitalLinkError) as error:
            parse(case["uri"])
        assert error.value.reason == Reason.TRAILING_SLASH


def test_left_out_sorted_key_qualifiers():
    """digital-link.js's sortKeyQualifiers option re-orders the qualifiers; the
    module keeps the grammar's order (22, 10, 21) and refuses any other."""
    sections, cases = left_out(SORTED_QUALIFIERS)
    assert sections == {"is_valid": 2}
    for case in cases:
        with pytest.raises(DigitalLinkError) as error:
            parse(case["uri"])
        assert error.value.reason == Reason.BAD_QUALIFIER


# -- The module's tables are GS1's ---------------------------------------------------


def test_primary_keys_are_the_grammars():
    assert primary_keys_of_grammar() == PRIMARY_KEYS
    assert set(PRIMARY_KEYS) == {entry["code"] for entry in load("identifier-list.json")}


def test_gtin_qualifiers_in_the_grammars_order():
    names = re.findall(r"\[(\w+)-comp\]", grammar()["gtin-path"])
    codes = tuple(re.match(r'"(\d+)"', grammar()[f"{name}-code"])[1] for name in names)
    assert QUALIFIERS["01"] == codes == ("22", "10", "21")
    (gtin,) = [entry for entry in load("identifier-list.json") if entry["code"] == "01"]
    assert tuple(gtin["keyQualifiers"]) == codes
    assert "dlpkey=22,10,21|235" in dictionary()["01"][2]
    assert QUALIFIER_PATHS["01"] == (codes, ("235",))
    assert grammar()["upui-path"] == "gtin-comp tpx-comp"
    for name in names:
        assert grammar()[f"{name}-value"] == "1*20XCHAR"


def test_a_tpx_qualifies_a_gtin_alone():
    link = parse("https://e.com/01/09520123456788/235/TPX-1?10=L1")
    assert (link.tpx, link.lot, link.attributes) == ("TPX-1", None, (("10", "L1"),))
    assert link.uri("https://e.com") == "https://e.com/01/09520123456788/235/TPX-1?10=L1"
    for uri in (
        "https://e.com/01/09520123456788/235/T/10/L1",  # upui-path has the TPX only
        "https://e.com/01/09520123456788/10/L1/235/T",
        "https://e.com/01/09520123456788/235/" + "T" * 29,
    ):
        with pytest.raises(DigitalLinkError):
            parse(uri)


def test_expiry_time_and_order_number_are_attributes():
    link = parse("https://e.com/01/09520123456788/10/L1?7003=2612312359&400=PO%2F42")
    assert link.attributes == (("7003", "2612312359"), ("400", "PO/42"))
    for bad in ("2612312460", "2612312400", "261231235", "2613312359"):
        with pytest.raises(DigitalLinkError) as error:
            parse(f"https://e.com/01/09520123456788?7003={bad}")
        assert error.value.reason == Reason.BAD_VALUE
    assert parse("https://e.com/01/09520123456788?expdt=2612310000").attributes == (
        ("7003", "2612310000"),
    )


def test_ais_are_the_syntax_dictionarys():
    for ai, spec in AIS.items():
        _, dictionary_spec, _ = dictionary()[ai]
        assert spec == dictionary_spec, ai
    permitted = {ai for ai, (flags, _, _) in dictionary().items() if "?" in flags}
    assert permitted == GS1_DATA_ATTRIBUTES
    assert not {"21", "22", "235", "8200"} & GS1_DATA_ATTRIBUTES


def grammar_xchar():
    """Each character of the grammar's XCHAR with the way the grammar writes it in a URI."""
    chars = {c: c for c in string.ascii_letters + string.digits}
    for symbol in grammar()["XSYMBOL"].split("/"):
        symbol = symbol.strip()
        if symbol.startswith('"'):
            chars[symbol.strip('"')] = symbol.strip('"')
        else:
            definition = grammar()[symbol].strip('"').strip("'")
            if definition.startswith("%"):
                chars[chr(int(definition[1:], 16))] = definition
            else:
                chars[definition] = definition  # DoubleQuote = '"'
    return chars


def test_character_set_and_encoding_are_the_grammars():
    written = grammar_xchar()
    assert set(written) == CSET82 and len(CSET82) == 82
    for char, form in written.items():
        uri = generate("https://example.com", "09520123456788", lot=char)
        encoded = uri.rpartition("/")[2]
        # RFC 3986 has no raw '"', though the grammar lists it: we write %22.
        assert encoded == ("%22" if char == '"' else form), char
        assert parse(uri).lot == char


# -- The product's links -------------------------------------------------------------


def test_unit_and_batch_links():
    base = "https://market.example"
    assert generate(base, "9520123456788", lot="2025-07A", serial="0042") == (
        "https://market.example/01/09520123456788/10/2025-07A/21/0042"
    )
    assert generate(base + "/", "9520123456788", lot="L1") == (
        "https://market.example/01/09520123456788/10/L1"
    )
    link = parse("https://market.example/01/09520123456788/10/2025-07A/21/0042")
    assert (link.gtin, link.lot, link.serial, link.cpv) == (
        "09520123456788",
        "2025-07A",
        "0042",
        None,
    )


def test_gtin14_pads_and_checks():
    assert gtin14("02345673") == "00000002345673"
    assert gtin14("416000336108") == "00416000336108"
    assert gtin14("2112345678900") == "02112345678900"
    assert gtin14("09520123456788") == "09520123456788"
    for code, reason in [
        ("09520123456789", Reason.BAD_CHECK_DIGIT),
        ("952012345678", Reason.BAD_CHECK_DIGIT),
        ("1234567890", Reason.BAD_GTIN),
        ("0952012345678８", Reason.BAD_GTIN),  # a full-width digit
        ("", Reason.BAD_GTIN),
    ]:
        with pytest.raises(DigitalLinkError) as error:
            gtin14(code)
        assert error.value.reason == reason


def test_custom_path_prefix():
    uri = generate("https://example.com/some/prefix", "9520123456788", lot="A")
    assert uri == "https://example.com/some/prefix/01/09520123456788/10/A"
    assert parse(uri, prefix="/some/prefix") == parse(uri) == parse(uri, prefix="/some/prefix/")
    with pytest.raises(DigitalLinkError) as error:
        parse(uri, prefix="")
    assert error.value.reason == Reason.WRONG_PREFIX
    assert parse("https://example.com/01/09520123456788", prefix="").gtin == "09520123456788"


def test_no_trailing_slash():
    with pytest.raises(DigitalLinkError) as error:
        parse("https://example.com/01/09520123456788/10/A/")
    assert error.value.reason == Reason.TRAILING_SLASH


def test_reserved_characters_are_percent_encoded():
    uri = generate("https://example.com", "9520123456788", lot="A/B%C&D+", serial="x?y=z")
    assert uri == "https://example.com/01/09520123456788/10/A%2FB%25C%26D%2B/21/x%3Fy%3Dz"
    assert (parse(uri).lot, parse(uri).serial) == ("A/B%C&D+", "x?y=z")
    with pytest.raises(DigitalLinkError) as error:
        generate("https://example.com", "9520123456788", serial="no#hash")  # not CSET 82
    assert error.value.reason == Reason.BAD_VALUE


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://e.com/01/09520123456788/21/S/10/L", Reason.BAD_QUALIFIER),  # order
        ("https://e.com/01/09520123456788/10/L/10/L", Reason.BAD_QUALIFIER),  # twice
        ("https://e.com/01/09520123456788/10/" + "L" * 21, Reason.BAD_VALUE),
        ("https://e.com/01/09520123456788/21/caf%C3%A9", Reason.BAD_VALUE),  # not CSET 82
        ("https://e.com/01/09520123456788/10/a%20b", Reason.BAD_VALUE),
        ("https://e.com/01/09520123456788/10/a b", Reason.BAD_URI),
        ("https://e.com/01/09520123456788/10/50%", Reason.BAD_URI),
        ("https://e.com/01/09520123456788?10=L", Reason.BAD_ATTRIBUTE),  # qualifier in query
        ("https://e.com/01/09520123456788?8200=x", Reason.BAD_ATTRIBUTE),  # not an attribute
        ("https://e.com/01/12345670/10/4512?89=2", Reason.BAD_ATTRIBUTE),  # no AI
        ("https://e.com/01/09520123456788?17=261231&17=261231", Reason.DUPLICATE_AI),
        ("https://e.com/01/09520123456788?17=261301", Reason.BAD_VALUE),  # month 13
        ("https://e.com/01/09520123456788?7006=260200", Reason.BAD_VALUE),  # day 00
        ("https://e.com/00/006141411234567890", Reason.UNSUPPORTED_PRIMARY_KEY),
        ("https://e.com/some/path", Reason.NO_PRIMARY_KEY),
        ("ftp://e.com/01/09520123456788", Reason.BAD_URI),
    ],
)
def test_refusals_carry_a_reason(uri, reason):
    with pytest.raises(DigitalLinkError) as error:
        parse(uri)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError) and error.value.message


def test_attributes_alphas_and_extras():
    link = parse(
        "https://e.com/gtin/9520123456788/lot/L1?exp=261231&7007=250901260115&linkType=gs1:pip"
    )
    assert link.qualifiers == (("10", "L1"),)
    assert link.attributes == (("17", "261231"), ("7007", "250901260115"))
    assert link.extras == (("linkType", "gs1:pip"),)
    assert link.uri("https://e.com") == (
        "https://e.com/01/09520123456788/10/L1?17=261231&7007=250901260115&linkType=gs1%3Apip"
    )
    assert parse("https://e.com/01/09520123456788?15=260200").attributes == (("15", "260200"),)


# -- Properties ----------------------------------------------------------------------


@st.composite
def gtins(draw):
    body = draw(
        st.sampled_from([7, 11, 12, 13]).flatmap(
            lambda n: st.text("0123456789", min_size=n, max_size=n)
        )
    )
    return body + check_digit(body)


xchars = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)
segments = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=8)
prefixes = st.lists(segments, max_size=3).map(lambda parts: "".join(f"/{p}" for p in parts))
dates = st.dates().map(lambda d: d.strftime("%y%m%d"))
attributes = st.lists(
    st.one_of(
        st.tuples(st.just("17"), dates),
        st.tuples(st.just("99"), st.text(alphabet=sorted(CSET82), min_size=1, max_size=90)),
        st.tuples(st.just("3103"), st.text("0123456789", min_size=6, max_size=6)),
    ),
    unique_by=lambda pair: pair[0],
    max_size=3,
)
extras = st.lists(
    st.tuples(st.sampled_from(["linkType", "format", "context"]), st.text(max_size=10)),
    max_size=2,
)


@given(
    gtins(),
    st.none() | xchars,
    st.none() | xchars,
    st.none() | xchars,
    attributes,
    extras,
    prefixes,
)
def test_parse_inverts_generate(gtin, cpv, lot, serial, attrs, other, prefix):
    link = DigitalLink.for_gtin(gtin, cpv=cpv, lot=lot, serial=serial, attributes=attrs)
    link = DigitalLink(link.key, link.value, link.qualifiers, link.attributes, tuple(other))
    uri = link.uri("https://market.example" + prefix)
    assert parse(uri, prefix=prefix) == link
    assert link.gtin == gtin.zfill(14) and (link.lot, link.serial, link.cpv) == (lot, serial, cpv)
    path_info = uri.partition("?")[0].removeprefix("https://market.example" + prefix)
    assert re.fullmatch(r"(/[0-9]+/([A-Za-z0-9._-]|%[0-9A-F]{2})+)+", path_info)


@given(gtins(), xchars, xchars)
def test_generate_round_trips(gtin, lot, serial):
    link = parse(generate("https://market.example", gtin, lot=lot, serial=serial))
    assert (link.gtin, link.lot, link.serial) == (gtin.zfill(14), lot, serial)


@given(gtins(), st.integers(1, 9))
def test_a_wrong_check_digit_is_refused(gtin, shift):
    wrong = gtin[:-1] + str((int(gtin[-1]) + shift) % 10)
    with pytest.raises(DigitalLinkError) as error:
        generate("https://market.example", wrong)
    assert error.value.reason == Reason.BAD_CHECK_DIGIT


@given(gtins(), st.none() | xchars, st.none() | xchars, attributes, st.booleans())
def test_every_form_of_a_link_reads_the_same(gtin, lot, serial, attrs, keep_key):
    """Property: a link read uncompressed, compressed or partly compressed is one
    link (compressed, its attributes come in the order of GS1's bits)."""
    link = DigitalLink.for_gtin(gtin, lot=lot, serial=serial, attributes=attrs)
    stem = "https://market.example/p"
    assert compression.split_any(link.uri(stem)) == (stem, link)
    packed = compression.compress(link, stem, uncompressed_key=keep_key)
    read_stem, read = compression.split_any(packed)
    assert (read_stem, read.key, read.value, read.qualifiers) == (stem, *astuple(link)[:3])
    assert sorted(read.attributes) == sorted(link.attributes)


@given(
    st.sampled_from(["https://e.com", "https://e.com/p", "https://e.com/01/09520123456788"]),
    st.text(alphabet=compression.BASE64, min_size=1, max_size=40) | st.text(max_size=20),
    st.sampled_from(["", "?17=261231", "?linkType=all", "?01=x"]),
)
def test_any_last_segment_is_read_or_refused_with_a_reason(stem, segment, query):
    """Threat: a scanned or typed URI crashes the resolver (a 500) instead of
    being read or refused. Property: any last segment, compressed or not, after
    a host, a custom path or an uncompressed key, is read or refused with a
    `DigitalLinkError` and its reason."""
    try:
        compression.split_any(f"{stem}/{segment}{query}")
    except DigitalLinkError as error:
        assert error.reason in set(Reason)
