"""The demo's records: real counties, plausible villages, made-up people and barcodes.

Division codes use the real county codes (Luxi 360323, Cangxi 510824, Tongshan
421224); the township and village digits below them are illustrative. GTINs
sit under made-up company prefixes in the GS1 China range (69).
"""

from decimal import Decimal
from typing import Any, TypedDict

from catalog.validators import gs1_check_digit

# Demo-only passwords, printed by load_demo; never reuse them on a real server.
OPERATOR_PASSWORD = "demo-operator-2026"  # noqa: S105
SELLER_PASSWORD = "demo-seller-2026"  # noqa: S105

OPERATOR = {"email": "operator@demo.cn", "name": "演示运营 Demo Operator"}

# (name, English name, parent's English name); parents come before children.
CATEGORIES = [
    ("粮油", "Grain & oil", None),
    ("大米", "Rice", "Grain & oil"),
    ("茶叶", "Tea", None),
    ("绿茶", "Green tea", "Tea"),
    ("红茶", "Black tea", "Tea"),
    ("禽蛋", "Poultry & eggs", None),
    ("禽类", "Poultry", "Poultry & eggs"),
    ("鲜蛋", "Eggs", "Poultry & eggs"),
    ("肉类", "Meat", None),
    ("牛肉", "Beef", "Meat"),
    ("羊肉", "Mutton", "Meat"),
    ("水果", "Fruit", None),
    ("猕猴桃", "Kiwifruit", "Fruit"),
    ("梨", "Pears", "Fruit"),
]


class VariantRecord(TypedDict):
    sku: str
    name: str
    net_weight_grams: int
    price: Decimal
    stock_quantity: int
    cold_chain: bool
    gtin: str | None


class ProductRecord(TypedDict):
    name: str
    name_en: str
    category: str
    farm: str
    motif: str
    description: str
    storage: str
    shelf_life_days: int
    variants: list[VariantRecord]


class FarmRecord(TypedDict):
    name: str
    name_en: str
    village: str
    latitude: Decimal
    longitude: Decimal
    area_mu: Decimal
    produce: str


class MemberRecord(TypedDict):
    phone: str
    name: str


class SellerRecord(TypedDict):
    """A demo seller: its first member, its details (create_seller's arguments),
    its farms and products."""

    member: MemberRecord
    seller: dict[str, Any]
    farms: list[FarmRecord]
    products: list[ProductRecord]


DRY = "阴凉干燥处密封保存 / Keep sealed, cool and dry"
FROZEN = "-18℃冷冻保存 / Keep frozen at -18 °C"
CHILLED = "0–4℃冷藏 / Keep chilled at 0–4 °C"


def gtin14(company_prefix: str, item: int) -> str:
    """A GTIN-14 (indicator 0) of a 9-digit company prefix and a 3-digit item number."""
    body = f"0{company_prefix}{item:03d}"
    return body + str(gs1_check_digit(body))


def variant(
    sku: str,
    name: str,
    grams: int,
    price: str,
    stock: int,
    *,
    cold: bool = False,
    gtin: str | None = None,
) -> VariantRecord:
    return {
        "sku": sku,
        "name": name,
        "net_weight_grams": grams,
        "price": Decimal(price),
        "stock_quantity": stock,
        "cold_chain": cold,
        "gtin": gtin,
    }


def product(
    name: str,
    name_en: str,
    category: str,
    farm: str,
    motif: str,
    description: str,
    storage: str,
    shelf_life: int,
    variants: list[VariantRecord],
) -> ProductRecord:
    """`category` is a category's English name, `farm` a farm's name, `motif` a picture motif."""
    return {
        "name": name,
        "name_en": name_en,
        "category": category,
        "farm": farm,
        "motif": motif,
        "description": description,
        "storage": storage,
        "shelf_life_days": shelf_life,
        "variants": variants,
    }


def farm(
    name: str,
    name_en: str,
    village: str,
    latitude: str,
    longitude: str,
    area_mu: str,
    produce: str,
) -> FarmRecord:
    return {
        "name": name,
        "name_en": name_en,
        "village": village,
        "latitude": Decimal(latitude),
        "longitude": Decimal(longitude),
        "area_mu": Decimal(area_mu),
        "produce": produce,
    }


WANGLONGTAN = {
    "province": "江西省",
    "city": "萍乡市",
    "county": "芦溪县",
    "township": "万龙山乡",
    "village": "王龙潭村",
    "division_code": "360323203201",
}
CANGXI = {
    "province": "四川省",
    "city": "广元市",
    "county": "苍溪县",
    "township": "白驿镇",
    "village": "岫云村",
    "division_code": "510824113205",
}
TONGSHAN = {
    "province": "湖北省",
    "city": "咸宁市",
    "county": "通山县",
    "township": "九宫山镇",
    "village": "中港村",
    "division_code": "421224104203",
}

COOPERATIVE_GS1 = "693602714"
CANGXI_GS1 = "694108326"
TONGSHAN_GS1 = "695230417"

LIU_HOUSEHOLD: SellerRecord = {
    "member": {"phone": "13979911001", "name": "刘冬生"},
    "seller": {
        **WANGLONGTAN,
        "name": "王龙潭刘冬生土鸡土蛋",
        "name_en": "Liu Dongsheng's Free-range Chickens, Wanglongtan",
        "kind": "farmer_household",
        "is_poverty_household": True,
        "story": "建档立卡贫困户。刘冬生一家在武功山脚下的林地里散养土鸡，鸡吃虫草和自家种的玉米；"
        "网上的订单让他不用再外出打工。",
    },
    "farms": [
        farm(
            "刘家后山林下鸡场",
            "Liu family woodland chicken run",
            "王龙潭村",
            "27.531800",
            "114.153600",
            "6.5",
            "散养土鸡、土鸡蛋、紫米 / free-range chickens, eggs, purple rice",
        ),
    ],
    "products": [
        product(
            "王龙潭散养土鸡",
            "Wanglongtan free-range chicken",
            "Poultry",
            "刘家后山林下鸡场",
            "chicken",
            "林下散养一年以上的土鸡，整只宰杀后急冻，肉紧汤鲜。",
            FROZEN,
            90,
            [
                variant(
                    "LDS-JI-1", "整只约1.5公斤 / whole, about 1.5 kg", 1500, "168.00", 40, cold=True
                )
            ],
        ),
        product(
            "王龙潭土鸡蛋",
            "Wanglongtan free-range eggs",
            "Eggs",
            "刘家后山林下鸡场",
            "eggs",
            "林下散养土鸡下的蛋，蛋黄橙红，每天手工捡拾。",
            CHILLED,
            30,
            [
                variant("LDS-DAN-30", "30枚装 / 30 eggs", 1500, "58.00", 60, cold=True),
                variant("LDS-DAN-60", "60枚装 / 60 eggs", 3000, "108.00", 30, cold=True),
            ],
        ),
        product(
            "刘家自种紫米",
            "Liu family purple rice",
            "Rice",
            "刘家后山林下鸡场",
            "rice",
            "自家两亩山田种的紫米，一年一季，不打除草剂。",
            DRY,
            365,
            [variant("LDS-ZM-2.5", "2.5公斤袋 / 2.5 kg bag", 2500, "75.00", 25)],
        ),
    ],
}

WANGLONGTAN_COOPERATIVE: SellerRecord = {
    "member": {"phone": "13979911002", "name": "彭建华"},
    "seller": {
        **WANGLONGTAN,
        "name": "芦溪县王龙潭紫米种植专业合作社",
        "name_en": "Wanglongtan Purple Rice Cooperative, Luxi",
        "kind": "cooperative",
        "linked_poverty_households": 37,
        "story": "武功山北麓的梯田里种紫米，高山草甸上放养黄牛和山羊。合作社吸纳37户建档立卡户务工和入股，"
        "按保护价收购社员的紫米和茶叶。",
    },
    "farms": [
        farm(
            "王龙潭紫米梯田",
            "Wanglongtan purple rice terraces",
            "王龙潭村",
            "27.529000",
            "114.158000",
            "260",
            "紫米 / purple rice",
        ),
        farm(
            "武功山高山茶园",
            "Wugong Mountain highland tea garden",
            "王龙潭村",
            "27.501200",
            "114.169500",
            "85",
            "绿茶、红茶 / green and black tea",
        ),
        farm(
            "武功山高山草甸牧场",
            "Wugong Mountain meadow pasture",
            "王龙潭村",
            "27.470500",
            "114.180200",
            "1200",
            "黄牛、山羊 / yellow cattle, goats",
        ),
    ],
    "products": [
        product(
            "武功山紫米",
            "Wugong Mountain purple rice",
            "Rice",
            "王龙潭紫米梯田",
            "rice",
            "武功山山泉水灌溉的梯田紫米，米粒乌紫，煮粥软糯，有淡淡的米香。",
            DRY,
            365,
            [
                variant(
                    "ZM-2.5KG",
                    "2.5公斤袋 / 2.5 kg bag",
                    2500,
                    "69.00",
                    120,
                    gtin=gtin14(COOPERATIVE_GS1, 1),
                ),
                variant(
                    "ZM-5KG",
                    "5公斤袋 / 5 kg bag",
                    5000,
                    "128.00",
                    80,
                    gtin=gtin14(COOPERATIVE_GS1, 2),
                ),
            ],
        ),
        product(
            "王龙潭紫米礼盒",
            "Wanglongtan purple rice gift box",
            "Rice",
            "王龙潭紫米梯田",
            "rice",
            "四袋一公斤真空包装的紫米，适合送礼。",
            DRY,
            365,
            [
                variant(
                    "ZM-GIFT-4",
                    "4×1公斤礼盒 / gift box, 4 × 1 kg",
                    4000,
                    "158.00",
                    50,
                    gtin=gtin14(COOPERATIVE_GS1, 3),
                )
            ],
        ),
        product(
            "武功山云雾绿茶",
            "Wugong Mountain cloud-mist green tea",
            "Green tea",
            "武功山高山茶园",
            "tea",
            "海拔800米以上茶园的春茶，一芽一叶手工炒制，汤色清亮。",
            DRY,
            540,
            [
                variant(
                    "CHA-LV-125",
                    "125克罐 / 125 g tin",
                    125,
                    "88.00",
                    100,
                    gtin=gtin14(COOPERATIVE_GS1, 4),
                ),
                variant(
                    "CHA-LV-250",
                    "250克罐 / 250 g tin",
                    250,
                    "168.00",
                    60,
                    gtin=gtin14(COOPERATIVE_GS1, 5),
                ),
            ],
        ),
        product(
            "武功山高山红茶",
            "Wugong Mountain highland black tea",
            "Black tea",
            "武功山高山茶园",
            "tea",
            "夏秋茶全发酵制成，蜜香浓郁，耐冲泡。",
            DRY,
            720,
            [
                variant(
                    "CHA-HONG-200",
                    "200克袋 / 200 g bag",
                    200,
                    "98.00",
                    80,
                    gtin=gtin14(COOPERATIVE_GS1, 6),
                )
            ],
        ),
        product(
            "武功山黄牛肉",
            "Wugong Mountain yellow-cattle beef",
            "Beef",
            "武功山高山草甸牧场",
            "beef",
            "高山草甸放养两年以上的本地黄牛，分割后急冻，冷链发货。",
            FROZEN,
            180,
            [
                variant("NIU-1KG", "1公斤装 / 1 kg pack", 1000, "138.00", 40, cold=True),
                variant("NIU-2.5KG", "2.5公斤装 / 2.5 kg pack", 2500, "325.00", 20, cold=True),
            ],
        ),
        product(
            "武功山山羊肉",
            "Wugong Mountain goat meat",
            "Mutton",
            "武功山高山草甸牧场",
            "mutton",
            "草甸放养的山羊，带皮带骨切块，适合炖煮。",
            FROZEN,
            180,
            [
                variant("YANG-1KG", "1公斤装 / 1 kg pack", 1000, "128.00", 30, cold=True),
                variant("YANG-2KG", "2公斤装 / 2 kg pack", 2000, "245.00", 15, cold=True),
            ],
        ),
    ],
}

CANGXI_COOPERATIVE: SellerRecord = {
    "member": {"phone": "13908391003", "name": "王秀英"},
    "seller": {
        **CANGXI,
        "name": "苍溪县白驿红心猕猴桃专业合作社",
        "name_en": "Baiyi Red-heart Kiwifruit Cooperative, Cangxi",
        "kind": "cooperative",
        "linked_poverty_households": 52,
        "story": "苍溪是红心猕猴桃的故乡。合作社统一技术、统一品牌、统一销售，带动52户建档立卡户种果增收。",
    },
    "farms": [
        farm(
            "岫云村红心猕猴桃园",
            "Xiuyun red-heart kiwifruit orchard",
            "岫云村",
            "31.695200",
            "105.987100",
            "180",
            "红心猕猴桃 / red-heart kiwifruit",
        ),
        farm(
            "岫云村雪梨园",
            "Xiuyun snow pear orchard",
            "岫云村",
            "31.710500",
            "105.976000",
            "95",
            "苍溪雪梨 / snow pears",
        ),
    ],
    "products": [
        product(
            "苍溪红心猕猴桃",
            "Cangxi red-heart kiwifruit",
            "Kiwifruit",
            "岫云村红心猕猴桃园",
            "kiwi",
            "果心一圈放射状红色，糖度高、酸度低。九月成熟采摘，常温放软即食。",
            CHILLED,
            30,
            [
                variant(
                    "MHT-12",
                    "12个装（约1.2公斤）/ 12 fruits, about 1.2 kg",
                    1200,
                    "59.00",
                    200,
                    gtin=gtin14(CANGXI_GS1, 1),
                ),
                variant(
                    "MHT-24",
                    "24个装（约2.4公斤）/ 24 fruits, about 2.4 kg",
                    2400,
                    "109.00",
                    120,
                    gtin=gtin14(CANGXI_GS1, 2),
                ),
                variant("MHT-5KG", "5公斤箱 / 5 kg box", 5000, "138.00", 60),
            ],
        ),
        product(
            "苍溪红心猕猴桃礼盒（大果）",
            "Cangxi red-heart kiwifruit gift box, large fruit",
            "Kiwifruit",
            "岫云村红心猕猴桃园",
            "kiwi",
            "单果100克以上的大果，16个一盒。",
            CHILLED,
            30,
            [
                variant(
                    "MHT-GIFT-16",
                    "16个大果礼盒 / gift box, 16 large fruits",
                    2000,
                    "129.00",
                    80,
                    gtin=gtin14(CANGXI_GS1, 3),
                )
            ],
        ),
        product(
            "苍溪雪梨",
            "Cangxi snow pears",
            "Pears",
            "岫云村雪梨园",
            "pear",
            "个大皮薄、汁多化渣的苍溪雪梨，可生吃，也可炖冰糖雪梨。",
            CHILLED,
            60,
            [
                variant(
                    "XL-5KG", "5公斤箱 / 5 kg box", 5000, "69.00", 150, gtin=gtin14(CANGXI_GS1, 4)
                ),
                variant("XL-10KG", "10公斤箱 / 10 kg box", 10000, "128.00", 60),
            ],
        ),
    ],
}

TONGSHAN_ENTERPRISE: SellerRecord = {
    "member": {"phone": "13971511004", "name": "陈志刚"},
    "seller": {
        **TONGSHAN,
        "name": "通山县九宫山云雾茶业有限公司",
        "name_en": "Jiugongshan Cloud-Mist Tea Co., Tongshan",
        "kind": "enterprise",
        "linked_poverty_households": 18,
        "story": "九宫山下的小茶厂，按保护价收购18户建档立卡户的鲜叶，自有茶园采用绿色防控。",
    },
    "farms": [
        farm(
            "九宫山高山茶园",
            "Jiugong Mountain highland tea garden",
            "中港村",
            "29.402100",
            "114.641800",
            "320",
            "绿茶、红茶 / green and black tea",
        ),
    ],
    "products": [
        product(
            "九宫山云雾茶",
            "Jiugong Mountain cloud-mist tea",
            "Green tea",
            "九宫山高山茶园",
            "tea",
            "云雾缭绕的高山茶园所产，条索紧细，栗香持久。",
            DRY,
            540,
            [
                variant(
                    "JGS-YW-250",
                    "250克罐 / 250 g tin",
                    250,
                    "198.00",
                    90,
                    gtin=gtin14(TONGSHAN_GS1, 1),
                ),
                variant(
                    "JGS-YW-500",
                    "500克礼盒 / 500 g gift box",
                    500,
                    "368.00",
                    30,
                    gtin=gtin14(TONGSHAN_GS1, 2),
                ),
            ],
        ),
        product(
            "九宫山明前毛尖",
            "Jiugong Mountain pre-Qingming maojian",
            "Green tea",
            "九宫山高山茶园",
            "tea",
            "清明前采摘的嫩芽，每斤约六万个芽头。",
            DRY,
            540,
            [
                variant(
                    "JGS-MJ-100",
                    "100克罐 / 100 g tin",
                    100,
                    "158.00",
                    50,
                    gtin=gtin14(TONGSHAN_GS1, 3),
                )
            ],
        ),
        product(
            "通山红茶",
            "Tongshan black tea",
            "Black tea",
            "九宫山高山茶园",
            "tea",
            "当地传统工艺制作的工夫红茶，汤色红亮，甜醇。",
            DRY,
            720,
            [
                variant(
                    "JGS-HC-200",
                    "200克袋 / 200 g bag",
                    200,
                    "118.00",
                    70,
                    gtin=gtin14(TONGSHAN_GS1, 4),
                )
            ],
        ),
    ],
}

SELLERS = [LIU_HOUSEHOLD, WANGLONGTAN_COOPERATIVE, CANGXI_COOPERATIVE, TONGSHAN_ENTERPRISE]
