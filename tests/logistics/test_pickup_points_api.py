"""`pickupPoints`: public, active points only, nearest first from `near` (the
order checked against distances computed here), by region, paged by cursor,
and coded errors for bad input."""

import math

import pytest

from logistics import services

QUERY = """query($near: LatLngInput, $region: String, $first: Int, $after: String) {
  pickupPoints(near: $near, region: $region, first: $first, after: $after) {
    edges { node { id name kind divisionCode latitude longitude phone parcelCapacity
      coldStorage isActive distanceKm openingHours { weekday opens closes } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""
# Wanglongtan village's station, its township, the Luxi county hub, a station
# in another Luxi township, and Cangxi (Sichuan), hundreds of km away.
PLACES = [
    ("王龙潭村电商服务站", "village_station", "360323203201", "27.541200", "114.194300"),
    ("万龙山乡电商服务站", "township_station", "360323203000", "27.562000", "114.221000"),
    ("芦溪县物流中心", "county_hub", "360323100000", "27.631000", "114.029000"),
    ("宣风镇电商服务站", "township_station", "360323102000", "27.615000", "113.980000"),
    ("苍溪县物流中心", "county_hub", "510824100000", "31.732000", "105.934000"),
]
NEAR = {"lat": 27.55, "lng": 114.2}


@pytest.fixture
def points(make_point):
    made = {}
    for name, kind, code, lat, lng in PLACES:
        made[name] = make_point(
            name=name, kind=kind, division_code=code, latitude=lat, longitude=lng
        )
    return made


def names(data):
    return [edge["node"]["name"] for edge in data["pickupPoints"]["edges"]]


def haversine_km(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_anyone_lists_points_nearest_first(gql, points):
    data = gql().execute(QUERY, {"near": NEAR, "first": 10})
    nodes = [edge["node"] for edge in data["pickupPoints"]["edges"]]
    true_order = sorted(
        PLACES, key=lambda p: haversine_km(NEAR["lat"], NEAR["lng"], float(p[3]), float(p[4]))
    )
    assert names(data) == [p[0] for p in true_order]
    assert names(data) != sorted(names(data))  # not merely by name
    for node in nodes:  # equirectangular: close nearby, within 2% across provinces
        exact = haversine_km(NEAR["lat"], NEAR["lng"], node["latitude"], node["longitude"])
        assert node["distanceKm"] == pytest.approx(exact, rel=0.005 if exact < 50 else 0.02)
    assert [n["distanceKm"] for n in nodes] == sorted(n["distanceKm"] for n in nodes)
    first = nodes[0]
    assert first["kind"] == "VILLAGE_STATION"
    assert first["phone"] == "+867997123456"
    assert first["openingHours"] == [
        {"weekday": 0, "opens": "08:00", "closes": "12:00"},
        {"weekday": 0, "opens": "14:00", "closes": "18:00"},
        {"weekday": 5, "opens": "09:00", "closes": "12:00"},
    ]
    assert (first["parcelCapacity"], first["coldStorage"], first["isActive"]) == (60, False, True)


def test_without_near_the_list_is_by_name_without_distances(gql, points):
    data = gql().execute(QUERY, {"first": 10})
    assert names(data) == sorted(p[0] for p in PLACES)
    assert {edge["node"]["distanceKm"] for edge in data["pickupPoints"]["edges"]} == {None}


def test_the_region_is_a_division_code_prefix(gql, points):
    county = gql().execute(QUERY, {"region": "360323000000", "first": 10, "near": NEAR})
    assert len(names(county)) == 4 and "苍溪县物流中心" not in names(county)
    township = gql().execute(QUERY, {"region": "360323203", "first": 10})
    assert names(township) == ["万龙山乡电商服务站", "王龙潭村电商服务站"]
    assert names(gql().execute(QUERY, {"region": "51", "first": 10})) == ["苍溪县物流中心"]


def test_pages_follow_the_distance_order(gql, points):
    seen, after = [], None
    while True:
        data = gql().execute(QUERY, {"near": NEAR, "first": 2, "after": after})
        seen += names(data)
        assert data["pickupPoints"]["totalCount"] == 5
        if not data["pickupPoints"]["pageInfo"]["hasNextPage"]:
            break
        after = data["pickupPoints"]["pageInfo"]["endCursor"]
    assert seen == names(gql().execute(QUERY, {"near": NEAR, "first": 10}))


def test_inactive_points_are_hidden_from_lists_and_node(gql, operator, points):
    hidden = points["芦溪县物流中心"]
    shown = gql().execute(QUERY, {"first": 10})
    node_id = next(
        e["node"]["id"] for e in shown["pickupPoints"]["edges"] if e["node"]["name"] == hidden.name
    )
    services.update_point(actor=operator, point=hidden, is_active=False)
    for client in (gql(), gql(operator)):
        assert hidden.name not in names(client.execute(QUERY, {"first": 10, "near": NEAR}))
    found = gql().execute("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    assert found["node"] is None


def test_a_change_shows_at_once_despite_the_public_cache(
    gql, operator, points, django_capture_on_commit_callbacks
):
    before = gql().execute(QUERY, {"first": 10})
    with django_capture_on_commit_callbacks(execute=True):
        services.update_point(actor=operator, point=points["宣风镇电商服务站"], name="宣风镇服务站")
    after = gql().execute(QUERY, {"first": 10})
    assert "宣风镇服务站" in names(after) and "宣风镇服务站" not in names(before)


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"near": {"lat": 91, "lng": 114}}, "INVALID_ARGUMENT"),
        ({"near": {"lat": 27, "lng": -180.5}}, "INVALID_ARGUMENT"),
        ({"near": {"lat": "north", "lng": 114}}, "GRAPHQL_VALIDATION_FAILED"),
        ({"near": {"lat": 27}}, "GRAPHQL_VALIDATION_FAILED"),
        ({"region": "36-03"}, "INVALID_ARGUMENT"),
        ({"region": "3"}, "INVALID_ARGUMENT"),
        ({"region": "3603232032011"}, "INVALID_ARGUMENT"),
        ({"region": "３６"}, "INVALID_ARGUMENT"),
        ({"first": -1}, "INVALID_ARGUMENT"),
        ({"first": 10_000}, "INVALID_ARGUMENT"),
        ({"after": "bm90IGEgY3Vyc29y"}, "INVALID_CURSOR"),
        ({"after": "WyIxLjUiLCAiMSJd", "near": {"lat": 27, "lng": 114}}, "INVALID_CURSOR"),
    ],
)
def test_bad_input_gets_a_coded_error(gql, points, variables, code):
    status, body = gql().post(QUERY, {"first": 5, **variables})
    assert status in (200, 400)
    assert body["errors"][0]["extensions"]["code"] == code, body


def test_a_name_cursor_does_not_page_a_distance_list(gql, points):
    """A cursor from the list by name holds text where the distance list wants a number."""
    data = gql().execute(QUERY, {"first": 1})
    cursor = data["pickupPoints"]["pageInfo"]["endCursor"]
    assert gql().error_code(QUERY, {"first": 1, "after": cursor, "near": NEAR}) == "INVALID_CURSOR"
