"""Hypothesis strategies for fuzzing the GraphQL API.

hypothesis-graphql writes the documents from the live schema, with a
placeholder wherever a scalar value goes (Booleans and enums apart). Two
passes then rewrite each document:

1. each placeholder gets a value for its scalar and for what its argument or
   input field names: `productUpdate(id:)` a Product's global ID, `filter:
   {category:}` a Category's, `region:` a division code, `after:` a cursor,
   `first:` a page size. A share of them, drawn per case, are hostile instead:
   another type's ID, a malformed one (`Product:²`, base64 junk, NUL), NUL
   bytes, Unicode digits, "NaN", "1e999999", 20 000 字, 32-bit edge integers.
   Mostly plausible values get a case past the first check, so that the one
   hostile value in it reaches code that trusts its input;
2. some arguments are lifted into variables, so values also go through
   variable coercion and can be what only JSON can say (NaN, 2**63, a list);
   an `Upload` argument always becomes a variable filled with an uploaded file.
"""

import base64
import io
import json
import struct
import zlib
from dataclasses import dataclass, field

import graphql
from graphql_relay import to_global_id
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries
from PIL import Image

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
BUILT_IN_SCALARS = {"ID", "String", "Int", "Float", "Boolean"}
# Written as a string literal, then the scalar's name, where the first pass puts a value.
PLACEHOLDER = "\x00fuzz\x00"
# Percentages of hostile values in a case, one drawn per case; ONE: exactly one
# value is hostile, the rest plausible, so that it reaches the deepest checks.
ONE = -1
HOSTILITY = (0, ONE, ONE, 10, 25, 50, 100)

UNICODE_DIGITS = ("²", "¹", "١", "١٢", "٣", "５", "１２", "𝟗", "৩", "߁", "Ⅻ", "½")
NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00\x00\x00",
    "\t\r\n",
    "\u200f\u202eRTL",
    "\ufeffBOM",
    "e\u0301",
    "\ud800",
    "🍚🥚",
    "👩‍👩‍👧",
    *UNICODE_DIGITS,
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "-1e999999",
    "-0",
    "0x10",
    "1_000",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "' OR '1'='1",
    '"; DROP TABLE catalog_product; --',
    "%",
    "%_%",
    "\\",
    "<script>alert(1)</script>",
    "null",
    "a" * 201,
    "9" * 5000,
    "紫" * 20000,
)
PLAUSIBLE_DECIMALS = ("0.01", "1", "19.9", "88.00", "128.50", "1000")
NON_FINITE_DECIMALS = ("NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "-1e999999")
HOSTILE_DECIMALS = (
    "0",
    "0.001",
    "-1",
    "-0",
    "-0.00",
    "1E+2",
    "1e-7",
    "99999999.99",
    "99999999999999999999999.99",
    "1e-999999",
    " 1 ",
    "1,5",
    *UNICODE_DIGITS,
    "\x00",
    "",
)
DATE_TIMES = (
    "2026-03-01T08:00:00+08:00",
    "2026-03-01",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00",
    "9999-12-31T23:59:59.999999+14:00",
    "２０２６-03-01T00:00:00",
    "NaN",
    "\x00",
)
PLAUSIBLE_INTS = (1, 2, 3, 5, 10, 20, 50, 100)
# Plausible integers by argument or input field name; PLAUSIBLE_INTS for the others.
PLAUSIBLE_INTS_BY_NAME = {"size": (64, 128, 256, 512, 768, 1024), "delta": (-5, -1, 1, 5)}
EDGE_INTS = (0, -1, -2, -100, 101, 1000, 5000, 2**16, INT_MIN, INT_MIN + 1, INT_MAX - 1, INT_MAX)
OUT_OF_RANGE_INTS = (INT_MAX + 1, INT_MIN - 1, 2**63, 10**30)  # refused by validation
# Variable values that no GraphQL literal can spell (Python's json writes NaN and Infinity).
JSON_ONLY_VALUES: tuple[object, ...] = (
    float("nan"),
    float("inf"),
    -0.0,
    1e308,
    2**63,
    1.5,
    True,
    "7",
    [],
    {},
)
# Short names of Node types, as arguments and input fields name what they point at.
NODE_ALIASES = {"variant": "ProductVariant", "image": "ProductImage", "line": "OrderLine"}


@dataclass(repr=False)
class World:
    """What the fuzzed server holds, to be fed back in requests."""

    node_ids: dict[str, list[str]]  # Node type name -> global IDs of real rows
    # Plausible strings by the argument or input field they go in ("region": division
    # codes, "after": cursors...); under "" those for any other.
    texts: dict[str, list[str]]
    users: dict = field(default_factory=dict)  # role -> the user it signs in as (None: anonymous)

    def __repr__(self):
        ids = sum(map(len, self.node_ids.values()))
        return f"<World: {ids} IDs of {len(self.node_ids)} types, {len(self.texts)} kinds of text>"


@dataclass(frozen=True)
class Case:
    """One HTTP request: a document, its variables and files for multipart uploads."""

    query: str
    variables: dict
    files: dict = field(default_factory=dict)  # variable path -> (name, bytes, content type)


def weighted(*choices):
    """One of the strategies, each drawn in proportion to its weight."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def placeholders(schema):
    """`custom_scalars` for hypothesis-graphql: a placeholder for every scalar but Boolean."""
    scalars = [t.name for t in schema.type_map.values() if isinstance(t, graphql.GraphQLScalarType)]
    return {
        name: st.just(nodes.String(PLACEHOLDER + name)) for name in scalars if name != "Boolean"
    }


def documents(schema, kind, mode=Mode.POSITIVE, fields=None):
    """Document ASTs of `kind` ("query" or "mutation") with placeholders.

    One or two root fields each, chosen evenly (among `fields` when given): left
    to itself hypothesis-graphql mostly picks the cheapest ones (`node`) and
    seldom reaches `products`.
    """
    make = queries if kind == "query" else mutations
    root = schema.query_type if kind == "query" else schema.mutation_type
    scalars = placeholders(schema)
    if mode == Mode.NEGATIVE:
        # Its violations are made of built-in scalars, so leave those to it.
        custom = {name: s for name, s in scalars.items() if name not in BUILT_IN_SCALARS}
        return make(schema, custom_scalars=custom, print_ast=lambda document: document, mode=mode)
    root_fields = st.lists(
        st.sampled_from(sorted(fields or root.fields)), min_size=1, max_size=2, unique=True
    )
    # Without nulls every optional argument and input field is given a value, so
    # values nested deep in inputs (a price range in a filter) are reached more often.
    return st.tuples(root_fields, st.booleans()).flatmap(
        lambda choice: make(
            schema,
            fields=tuple(choice[0]),
            custom_scalars=scalars,
            print_ast=lambda document: document,
            allow_null=choice[1],
            mode=mode,
        )
    )


def cases(schema, world, kind, mode=Mode.POSITIVE, fields=None):
    """Whole requests (`Case`s) of `kind` for the server holding `world` (of the
    root `fields` only, when given)."""
    values = _Values(world)

    @st.composite
    def requests(draw):
        document = draw(documents(schema, kind, mode, fields))
        hostility = draw(st.sampled_from(HOSTILITY))
        count = graphql.print_ast(document).count(PLACEHOLDER)
        document = graphql.visit(document, _FillPlaceholders(draw, values, hostility, count))
        lifter = _LiftArguments(draw, graphql.TypeInfo(schema))
        document = graphql.visit(document, graphql.TypeInfoVisitor(lifter.type_info, lifter))
        document = _with_variable_definitions(document, lifter.definitions)
        return Case(graphql.print_ast(document), lifter.variables, lifter.files)

    return requests()


# --- IDs and strings, by what they name ---------------------------------------------


def expected_node_type(names, node_types):
    """The Node type an ID argument points at, from its name (`category`,
    `variant`) or, for `id`, from its field's (`productVariantUpdate`,
    `sellerVerify`); None when nothing says (`node(id:)`)."""
    _kind, name = names[-1] if names else ("", "")
    if name == "id":
        name = next((n for kind, n in reversed(names) if kind == "field"), "")
    for alias, type_name in NODE_ALIASES.items():
        if name.lower().startswith(alias):
            return type_name
    candidates = [t for t in node_types if name.lower().startswith(t.lower())]
    return max(candidates, key=len, default=None)


def malformed_ids(type_name, real_ids):
    """IDs that look like `type_name`'s but must be refused with a coded error."""
    pk = base64.b64decode(real_ids[0]).decode().split(":", 1)[1] if real_ids else "1"
    bad_pks = (
        *UNICODE_DIGITS,
        "-1",
        "0",
        "+1",
        " 1",
        "1.0",
        "1e3",
        "0x1",
        "\x00",
        f"{pk}\x00",
        "",
        "NaN",
        "2147483648",
        "9223372036854775808",
        "99999999999999999999999999",
    )
    ids = [to_global_id(type_name, bad) for bad in bad_pks]
    ids += [to_global_id(other, pk) for other in ("Node", "Query", "PageInfo", "", "²")]
    ids += [to_global_id(type_name.lower(), pk), to_global_id(f"{type_name}\x00", pk)]
    return [
        *ids,
        f"{type_name}:{pk}",  # not base64
        base64.b64encode(f"{type_name}:{pk}".encode())[:-2].decode(),  # cut short
        base64.b64encode(b"\xff\xfe:\x80").decode(),  # not UTF-8
        base64.b64encode(type_name.encode()).decode(),  # no colon
        "!!!!",
        "\x00",
    ]


def junk_cursors():
    """Cursors that decode, but to values that fit no sort key, and some that do not decode."""
    values = (*UNICODE_DIGITS, "NaN", "1e999999", "\x00", None, {}, [], 10**30, -(2**63), 1.5)
    lists = [[value, 1] for value in values] + [[1, value] for value in values] + [[], [1, 2, 3]]
    cursors = [base64.urlsafe_b64encode(json.dumps(v).encode()).decode() for v in lists]
    return [*cursors, "!!!!", "e30=", base64.b64encode(b"\xff\xfe").decode(), "\x00", "²"]


class _Values:
    """Plausible and hostile value-node strategies, by scalar and by the names
    around the value; made once per world."""

    def __init__(self, world):
        self.world = world
        self.every_id = [i for ids in world.node_ids.values() for i in ids]
        self.every_malformed_id = [
            i for type_name, ids in world.node_ids.items() for i in malformed_ids(type_name, ids)
        ]
        self.hostile_texts_by_name = {"after": junk_cursors()}
        self.made = {}

    def strategy(self, scalar, names, hostile):
        """Value nodes for `scalar` inside `names` ((kind, name) pairs, innermost last)."""
        name = names[-1][1] if names else ""
        node_type = expected_node_type(names, self.world.node_ids) if scalar == "ID" else None
        key = (scalar, name, node_type, hostile)
        if key not in self.made:
            make = self._hostile if hostile else self._plausible
            self.made[key] = make(scalar, name, node_type)
        return self.made[key]

    def _texts(self, name):
        return self.world.texts.get(name) or self.world.texts[""]

    def _plausible(self, scalar, name, node_type):
        if scalar == "ID":
            return st.sampled_from(self.world.node_ids.get(node_type) or self.every_id).map(
                nodes.String
            )
        if scalar == "Int":
            return st.sampled_from(PLAUSIBLE_INTS_BY_NAME.get(name, PLAUSIBLE_INTS)).map(nodes.Int)
        if scalar == "Float":
            return st.sampled_from((0.0, 1.5, 27.6)).map(nodes.Float)
        if scalar == "Decimal":
            return st.sampled_from(PLAUSIBLE_DECIMALS).map(nodes.String)
        if scalar == "DateTime":
            return st.sampled_from(DATE_TIMES[:1]).map(nodes.String)
        return st.sampled_from(self._texts(name)).map(nodes.String)

    def _hostile(self, scalar, name, node_type):
        plausible = st.sampled_from(self._texts(name))
        strings = weighted(
            (4, st.sampled_from(NASTY_STRINGS)),
            (2, plausible.map(lambda text: f"{text[:1]}\x00{text[1:]}")),  # PostgreSQL refuses NUL
            (2, st.tuples(plausible, st.sampled_from(NASTY_STRINGS)).map("".join)),
            (1, st.text(st.characters(codec="utf-8"), max_size=30)),
        )
        if scalar == "ID":
            ids = self.world.node_ids.get(node_type)
            malformed = malformed_ids(node_type, ids) if ids else self.every_malformed_id
            strings = weighted(
                (3, st.sampled_from(malformed)), (2, st.sampled_from(self.every_id)), (1, strings)
            )
        elif scalar == "Int":
            return weighted(
                (4, st.sampled_from(EDGE_INTS)),
                (3, st.integers(INT_MIN, INT_MAX)),
                (1, st.sampled_from(OUT_OF_RANGE_INTS)),
            ).map(nodes.Int)
        elif scalar == "Float":
            floats = (-0.0, 1e20, 1e22, -1e30, 1e300, -1e300, 5e-324, 2.0**53 + 1)
            return st.sampled_from(floats).map(nodes.Float)
        elif scalar == "Decimal":
            return weighted(
                (3, st.sampled_from(NON_FINITE_DECIMALS).map(nodes.String)),
                (4, st.sampled_from(HOSTILE_DECIMALS).map(nodes.String)),
                (1, st.decimals(allow_nan=True, allow_infinity=True).map(nodes.String)),
                (1, st.sampled_from((0, -1, INT_MAX, 10**30)).map(nodes.Int)),
                (1, st.sampled_from((1.5, 1e300)).map(nodes.Float)),
            )
        elif scalar == "DateTime":
            strings = st.sampled_from(DATE_TIMES[1:]) | strings
        elif name in self.hostile_texts_by_name:
            strings = st.sampled_from(self.hostile_texts_by_name[name]) | strings
        return strings.map(nodes.String)


class _FillPlaceholders(graphql.Visitor):
    """Replaces each placeholder by a value for its scalar and the argument it is in."""

    def __init__(self, draw, values, hostility, placeholders):
        super().__init__()
        self.draw = draw
        self.values = values
        self.hostility = hostility  # percentage of hostile values, or ONE
        self.the_one = draw(st.integers(0, max(placeholders - 1, 0)))
        self.seen = 0
        self.names = []  # (kind, name) of the enclosing fields, arguments and input fields

    def enter_field(self, node, *_):
        self.names.append(("field", node.name.value))

    def enter_argument(self, node, *_):
        self.names.append(("argument", node.name.value))

    def enter_object_field(self, node, *_):
        self.names.append(("input", node.name.value))

    def leave_field(self, *_):
        self.names.pop()

    leave_argument = leave_object_field = leave_field

    def enter_string_value(self, node, *_):
        if not node.value.startswith(PLACEHOLDER):
            return None
        if self.hostility == ONE:
            hostile = self.seen == self.the_one
        else:
            hostile = self.draw(st.integers(0, 99)) < self.hostility
        self.seen += 1
        scalar = node.value.removeprefix(PLACEHOLDER)
        return self.draw(self.values.strategy(scalar, self.names, hostile))


# --- variables and uploads -------------------------------------------------------


def _png_claiming(width, height):
    """A tiny PNG whose header claims a huge picture (a decompression bomb's header)."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _picture(fmt, size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (120, 40, 160)).save(out, fmt)
    return out.getvalue()


def _uploads():
    jpeg = _picture("JPEG")
    return st.sampled_from(
        [
            ("紫米.jpg", jpeg, "image/jpeg"),
            ("rice.png", _picture("PNG"), "image/png"),
            ("rice.webp", _picture("WEBP"), "image/webp"),
            ("rice.gif", _picture("GIF"), "image/gif"),
            ("tiny.png", _picture("PNG", (1, 1)), "image/png"),
            ("cut.jpg", jpeg[: len(jpeg) // 2], "image/jpeg"),
            ("bomb.png", _png_claiming(100_000, 100_000), "image/png"),
            ("wide.png", _png_claiming(INT_MAX, 1), "image/png"),
            ("empty.jpg", b"", "image/jpeg"),
            ("nul.jpg", b"\x00" * 64, "image/jpeg"),
            ("text.jpg", "不是图片".encode(), "image/jpeg"),
            ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
            ("a" * 300 + ".jpg", jpeg, "image/jpeg"),
            ("../../../etc/passwd.jpg", jpeg, "image/jpeg"),
        ]
    )


UPLOADS = _uploads()


def _type_node(type_):
    if isinstance(type_, graphql.GraphQLNonNull):
        return graphql.NonNullTypeNode(type=_type_node(type_.of_type))
    if isinstance(type_, graphql.GraphQLList):
        return graphql.ListTypeNode(type=_type_node(type_.of_type))
    return graphql.NamedTypeNode(name=graphql.NameNode(value=type_.name))


class _LiftArguments(graphql.Visitor):
    """Turns some argument literals into variables (always the `Upload` ones)."""

    def __init__(self, draw, type_info):
        super().__init__()
        self.draw = draw
        self.type_info = type_info
        self.definitions = []
        self.variables = {}
        self.files = {}

    def enter_argument(self, node, *_):
        argument = self.type_info.get_argument()
        if argument is None or isinstance(node.value, graphql.VariableNode):
            return None  # not in the schema (an invalid document) or already a variable
        upload = graphql.get_named_type(argument.type).name == "Upload"
        if not upload and not self.draw(st.booleans()):
            return None
        name = f"v{len(self.definitions)}"
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        self.definitions.append(
            graphql.VariableDefinitionNode(variable=variable, type=_type_node(argument.type))
        )
        if upload:
            self.variables[name] = None
            self.files[f"variables.{name}"] = self.draw(UPLOADS)
        elif self.draw(weighted((9, st.just(False)), (1, st.just(True)))):
            self.variables[name] = self.draw(st.sampled_from(JSON_ONLY_VALUES))
        else:
            self.variables[name] = graphql.value_from_ast_untyped(node.value)
        return graphql.ArgumentNode(name=node.name, value=variable)


def _with_variable_definitions(document, definitions):
    operations = [
        graphql.OperationDefinitionNode(
            operation=d.operation,
            name=d.name,
            directives=d.directives,
            selection_set=d.selection_set,
            variable_definitions=(*(d.variable_definitions or ()), *definitions),
        )
        if isinstance(d, graphql.OperationDefinitionNode)
        else d
        for d in document.definitions
    ]
    return graphql.DocumentNode(definitions=tuple(operations))


def request_body(case):
    """The JSON body of the request, as sent (NUL and other controls escaped)."""
    return json.dumps({"query": case.query, "variables": case.variables})
