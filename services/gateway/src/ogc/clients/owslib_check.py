"""OWSLib as a GIS script would use it against the gateway's OGC API: list the collections, read
one page of areas with an indicator's values inside a bounding box, page through the offers, and
print what it saw as JSON for the test (services/gateway/src/ogc/ogc-clients.e2e.test.ts).
Usage: python owslib_check.py <base url of /ogc> <bbox minLon,minLat,maxLon,maxLat>"""
import json
import sys

from owslib.ogcapi.features import Features

base, bbox = sys.argv[1], [float(x) for x in sys.argv[2].split(",")]
api = Features(base)
collections = api.collections()["collections"]
areas = api.collection_items("stadtteil", limit=50, bbox=bbox, indicator="einwohner", period="2012")
first = api.collection_items("offers", limit=5)
offset, offers = 0, []
while True:
    page = api.collection_items("offers", limit=5, offset=offset)
    offers += [f["id"] for f in page["features"]]
    if not any(link["rel"] == "next" for link in page["links"]):
        break
    offset += page["numberReturned"]
print(
    json.dumps(
        {
            "conformsTo": api.conformance()["conformsTo"],
            "collections": [c["id"] for c in collections],
            "areas": {f["id"]: f["properties"]["value"] for f in areas["features"]},
            "areasMatched": areas["numberMatched"],
            "offersMatched": first["numberMatched"],
            "offers": offers,
        }
    )
)
