"""China's 34 provincial-level divisions, the coarse place a scan may carry.

A region is named by its GB/T 2260 two-digit code ("11" Beijing, "36" Jiangxi,
"81" Hong Kong, ...): the first two digits of every administrative code, so a
six-digit code ("360100", Nanchang) is cleaned to its province ("36"). Each
region keeps the rough position of its capital, which is as precise as a
"share my city" button needs to tell goods that turned up far from home.
Names are shown in the active language (Chinese for zh*, English otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import get_language

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Region:
    code: str  # GB/T 2260, two digits
    name_zh: str
    name_en: str
    latitude: float  # of the capital, degrees north
    longitude: float  # of the capital, degrees east

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    def __str__(self) -> str:
        return self.name


REGIONS: tuple[Region, ...] = (
    Region("11", "北京市", "Beijing", 39.90, 116.41),
    Region("12", "天津市", "Tianjin", 39.13, 117.20),
    Region("13", "河北省", "Hebei", 38.04, 114.51),
    Region("14", "山西省", "Shanxi", 37.87, 112.55),
    Region("15", "内蒙古自治区", "Inner Mongolia", 40.84, 111.75),
    Region("21", "辽宁省", "Liaoning", 41.81, 123.43),
    Region("22", "吉林省", "Jilin", 43.82, 125.32),
    Region("23", "黑龙江省", "Heilongjiang", 45.80, 126.53),
    Region("31", "上海市", "Shanghai", 31.23, 121.47),
    Region("32", "江苏省", "Jiangsu", 32.06, 118.80),
    Region("33", "浙江省", "Zhejiang", 30.27, 120.16),
    Region("34", "安徽省", "Anhui", 31.82, 117.23),
    Region("35", "福建省", "Fujian", 26.07, 119.30),
    Region("36", "江西省", "Jiangxi", 28.68, 115.86),
    Region("37", "山东省", "Shandong", 36.65, 117.12),
    Region("41", "河南省", "Henan", 34.75, 113.63),
    Region("42", "湖北省", "Hubei", 30.59, 114.31),
    Region("43", "湖南省", "Hunan", 28.23, 112.94),
    Region("44", "广东省", "Guangdong", 23.13, 113.26),
    Region("45", "广西壮族自治区", "Guangxi", 22.82, 108.37),
    Region("46", "海南省", "Hainan", 20.04, 110.20),
    Region("50", "重庆市", "Chongqing", 29.56, 106.55),
    Region("51", "四川省", "Sichuan", 30.57, 104.07),
    Region("52", "贵州省", "Guizhou", 26.65, 106.63),
    Region("53", "云南省", "Yunnan", 25.04, 102.71),
    Region("54", "西藏自治区", "Tibet", 29.65, 91.13),
    Region("61", "陕西省", "Shaanxi", 34.34, 108.94),
    Region("62", "甘肃省", "Gansu", 36.06, 103.83),
    Region("63", "青海省", "Qinghai", 36.62, 101.78),
    Region("64", "宁夏回族自治区", "Ningxia", 38.49, 106.23),
    Region("65", "新疆维吾尔自治区", "Xinjiang", 43.83, 87.62),
    Region("71", "台湾省", "Taiwan", 25.03, 121.57),
    Region("81", "香港特别行政区", "Hong Kong", 22.32, 114.17),
    Region("82", "澳门特别行政区", "Macao", 22.20, 113.54),
)

BY_CODE: dict[str, Region] = {region.code: region for region in REGIONS}


def region_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a model field or a select, in the active language.

    A callable, so migrations name it instead of freezing one language's names.
    """
    return [(region.code, region.name) for region in REGIONS]


def clean_geo(value: str | None) -> str | None:
    """The region code a `?geo=` names, or None when it is missing or unknown.

    Takes a two-digit code or any six-digit GB/T 2260 code (its province);
    never raises, because the place is optional.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) not in (2, 6) or not value.isascii() or not value.isdigit():
        return None
    code = value[:2]
    return code if code in BY_CODE else None


def region_name(code: str | None) -> str | None:
    region = BY_CODE.get(code or "")
    return region.name if region else None


def distance_km(a: str | Region, b: str | Region) -> float:
    """Great-circle distance between two regions' capitals (haversine), by code or region."""
    first = a if isinstance(a, Region) else BY_CODE[a]
    second = b if isinstance(b, Region) else BY_CODE[b]
    lat1, lon1 = math.radians(first.latitude), math.radians(first.longitude)
    lat2, lon2 = math.radians(second.latitude), math.radians(second.longitude)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
