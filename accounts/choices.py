from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "地级"
    COUNTY = "county", "县级"


class UnitKind(models.TextChoices):
    DETACHMENT = "detachment", "市级执法支队"
    BRIGADE = "brigade", "县级执法大队"
    OFFICE = "office", "机关科室"
