"""Catalogue data the tests register."""

SELLER_DATA = {
    "name": "武功山紫米合作社",
    "name_en": "Wugong Mountain Purple Rice Cooperative",
    "kind": "cooperative",
    "province": "江西省",
    "city": "萍乡市",
    "county": "芦溪县",
    "township": "万龙山乡",
    "village": "王龙潭村",
    "division_code": "360323203201",
    "linked_poverty_households": 12,
}
