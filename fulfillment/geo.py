"""Rough distances: a destination postcode's zone centre, great-circle kilometres.

Good enough to rank locations and to keep bulky goods near the customer; not a geocoder.
"""

import math

# First digit of the postcode → centre of that postal zone (latitude, longitude).
ZONE_CENTRES: dict[str, dict[str, tuple[float, float]]] = {
    "DE": {
        "0": (51.05, 12.90),  # Sachsen, Thüringen-Ost, Sachsen-Anhalt-Süd
        "1": (52.75, 13.30),  # Berlin, Brandenburg, Mecklenburg-Vorpommern
        "2": (53.55, 9.70),  # Hamburg, Schleswig-Holstein, Bremen, Niedersachsen-Nord
        "3": (52.00, 10.20),  # Hannover, Kassel, Magdeburg
        "4": (51.60, 7.20),  # Ruhr, Düsseldorf, Münster, Osnabrück
        "5": (50.60, 7.00),  # Köln, Bonn, Aachen, Trier
        "6": (49.90, 8.40),  # Frankfurt, Mannheim, Saarland
        "7": (48.60, 9.10),  # Stuttgart, Baden
        "8": (48.10, 11.60),  # München, Oberbayern, Schwaben
        "9": (49.70, 11.10),  # Nürnberg, Franken, Thüringen-Süd
    },
    "AT": {
        "1": (48.21, 16.37),  # Wien
        "2": (48.05, 16.25),  # Niederösterreich-Ost
        "3": (48.20, 15.60),  # Niederösterreich-West
        "4": (48.30, 14.30),  # Oberösterreich
        "5": (47.80, 13.05),  # Salzburg
        "6": (47.26, 11.40),  # Tirol, Vorarlberg
        "7": (47.55, 16.50),  # Burgenland
        "8": (47.07, 15.44),  # Steiermark
        "9": (46.62, 14.30),  # Kärnten
    },
}


def postcode_centre(country: str, postcode: str) -> tuple[float, float] | None:
    zones = ZONE_CENTRES.get(country)
    if not zones or not postcode:
        return None
    return zones.get(postcode.strip()[:1])


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))
