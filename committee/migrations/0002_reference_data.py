"""Reference data every registry needs: Japan and the 15 JCM sectoral scopes."""

from django.db import migrations

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


def forward(apps, schema_editor):
    Country = apps.get_model("committee", "Country")
    SectoralScope = apps.get_model("committee", "SectoralScope")
    Country.objects.update_or_create(code="JP", defaults={"name": "Japan", "name_ja": "日本", "name_local": "日本",
                                                          "is_japan": True})
    for number, name, name_ja in SCOPES:
        SectoralScope.objects.update_or_create(number=number, defaults={"name": name, "name_ja": name_ja})


def backward(apps, schema_editor):
    apps.get_model("committee", "SectoralScope").objects.filter(number__in=[s[0] for s in SCOPES]).delete()
    apps.get_model("committee", "Country").objects.filter(code="JP", joint_committee__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("committee", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
