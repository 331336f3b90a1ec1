"""Country (ISO 3166-1 alpha-2) → world region, after the UN M49 geoscheme.

A fact table: regions are M49's intermediate regions, with Latin America and
the Caribbean as one region and Northern America as another.
Source: United Nations Statistics Division, Standard country or area codes
for statistical use (M49).
"""

from __future__ import annotations

__all__ = ["REGIONS", "region_of"]

_TABLE = {
    "Northern Africa": "DZ EG EH LY MA SD TN",
    "Sub-Saharan Africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW IO KE KM LR LS MG ML MR MU "
        "MW MZ NA NE NG RE RW SC SH SL SN SO SS ST SZ TD TF TG TZ UG YT ZA ZM ZW"
    ),
    "Latin America and the Caribbean": (
        "AG AI AR AW BB BL BO BQ BR BS BV BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    "Northern America": "BM CA GL PM US",
    "Central Asia": "KG KZ TJ TM UZ",
    "Eastern Asia": "CN HK JP KP KR MN MO TW",
    "South-eastern Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "Southern Asia": "AF BD BT IN IR LK MV NP PK",
    "Western Asia": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",
    "Eastern Europe": "BG BY CZ HU MD PL RO RU SK UA",
    "Northern Europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "Southern Europe": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA XK",
    "Western Europe": "AT BE CH DE FR LI LU MC NL",
    "Oceania": (
        "AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
}
REGIONS: dict[str, str] = {
    code: region for region, codes in _TABLE.items() for code in codes.split()
}


def region_of(country: str | None) -> str:
    """The region of a country code; "Unknown" for a missing or unlisted code."""
    if not country:
        return "Unknown"
    return REGIONS.get(country.upper(), "Unknown")
