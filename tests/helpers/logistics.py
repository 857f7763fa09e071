"""A pickup point's fields, as the services take them."""

from typing import Any

# Around Wanglongtan village (Luxi County, Jiangxi): the village, its township,
# the county hub and a station in another county.
POINT: dict[str, Any] = {
    "name": "王龙潭村电商服务站",
    "kind": "village_station",
    "address": "万龙山乡王龙潭村村委会旁",
    "division_code": "360323203201",
    "latitude": "27.541200",
    "longitude": "114.194300",
    "parcel_capacity": 60,
    "opening_hours": {"0": [["08:00", "12:00"], ["14:00", "18:00"]], "5": [["09:00", "12:00"]]},
    "phone": "0799-7123456",
}
