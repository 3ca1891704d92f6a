"""Reference data every registry needs: Japan and the 15 JCM sectoral scopes (jcm.go.jp list)."""

SCOPES = [
    (1, "Energy industries (renewable/non-renewable sources)", "エネルギー産業（再生可能部門/非再生可能部門）"),
    (2, "Energy distribution", "エネルギー供給"),
    (3, "Energy demand", "エネルギー需要"),
    (4, "Manufacturing industries", "製造業"),
    (5, "Chemical industry", "化学工業"),
    (6, "Construction", "建設"),
    (7, "Transport", "運輸"),
    (8, "Mining/mineral production", "鉱業/鉱物生産"),
    (9, "Metal production", "金属生産"),
    (10, "Fugitive emissions from fuels (solid, oil and gas)", "燃料からの漏出（固体、石油及びガス）"),
    (11, "Fugitive emissions from production and consumption of halocarbons and sulphur hexafluoride",
     "ハロゲン化炭素及び六ふっ化硫黄の製造及び消費からの漏出"),
    (12, "Solvent use", "溶剤の使用"),
    (13, "Waste handling and disposal", "廃棄物処理及び処分"),
    (14, "Afforestation and reforestation", "植林・再植林"),
    (15, "Agriculture", "農業"),
]

# The scopes in Mongolian (Cyrillic), shown when the page is in Mongolian (docs/translation.md).
SCOPE_NAMES_MN = {
    1: "Эрчим хүчний үйлдвэрлэл (сэргээгдэх/сэргээгдэхгүй эх үүсвэр)",
    2: "Эрчим хүчний түгээлт",
    3: "Эрчим хүчний хэрэглээ",
    4: "Боловсруулах үйлдвэрлэл",
    5: "Химийн үйлдвэрлэл",
    6: "Барилга",
    7: "Тээвэр",
    8: "Уул уурхай/ашигт малтмалын олборлолт",
    9: "Металлын үйлдвэрлэл",
    10: "Түлшнээс алдагдах ялгарал (хатуу түлш, газрын тос, байгалийн хий)",
    11: "Галоген нүүрстөрөгч болон хүхрийн гексафторидын үйлдвэрлэл, хэрэглээнээс алдагдах ялгарал",
    12: "Уусгагчийн хэрэглээ",
    13: "Хог хаягдлын боловсруулалт, устгал",
    14: "Ойжуулалт ба ойн нөхөн сэргээлт",
    15: "Хөдөө аж ахуй",
}

JAPAN = {"code": "JP", "name": "Japan", "name_ja": "日本", "name_local": "日本", "is_japan": True}


def ensure_reference_data(Country, SectoralScope) -> None:  # noqa: N803 - model classes (historical in migrations)
    """Create or refresh Japan and the scopes. Takes the model classes so migrations can pass historical ones."""
    Country.objects.update_or_create(code=JAPAN["code"], defaults={k: v for k, v in JAPAN.items() if k != "code"})
    has_mongolian = any(f.name == "name_mn" for f in SectoralScope._meta.get_fields())  # not before 0005
    for number, name, name_ja in SCOPES:
        defaults = {"name": name, "name_ja": name_ja}
        if has_mongolian:
            defaults["name_mn"] = SCOPE_NAMES_MN[number]
        SectoralScope.objects.update_or_create(number=number, defaults=defaults)
