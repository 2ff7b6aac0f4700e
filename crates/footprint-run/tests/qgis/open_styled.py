"""Opens a run's layers in QGIS as a user would and renders them: run by crates/footprint-run/tests/qgis.rs.

Usage: python3 open_styled.py RUN_DIR PNG_DIR

For footprint.gpkg's msoa_overlap and pcn_footprints: QGIS loads the layer with its default style from the
GeoPackage's layer_styles (a rule-based renderer, one rule per class); the same for the FlatGeobuf layer,
styled by the .qml beside it, and the .sld loads. Each is rendered headless to a PNG. Prints one JSON
object with what was found, for the Rust test to check against the run's own figures.
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def render(layer, path, size=800):
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path)
    colours = {}
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QColor(image.pixel(x, y)).name()
            colours[c] = colours.get(c, 0) + 1
    return colours


def describe(layer, png):
    renderer = layer.renderer()
    rules = []
    if renderer.type() == "RuleRenderer":
        for rule in renderer.rootRule().children():
            rules.append({"label": rule.label(), "filter": rule.filterExpression(),
                          "colour": rule.symbol().color().name()})
    colours = render(layer, png)
    return {"valid": layer.isValid(), "features": layer.featureCount(), "crs": layer.crs().authid(),
            "renderer": renderer.type(), "rules": rules, "colours": colours}


def main():
    run, out = sys.argv[1], sys.argv[2]
    app = QgsApplication([], False)
    app.initQgis()
    found = {}
    for name in ("msoa_overlap", "pcn_footprints"):
        gpkg = QgsVectorLayer(f"{run}/footprint.gpkg|layername={name}", name, "ogr")
        found[f"gpkg:{name}"] = describe(gpkg, f"{out}/qgis-gpkg-{name}.png")
        fgb = QgsVectorLayer(f"{run}/{name}.fgb", name, "ogr")
        found[f"fgb:{name}"] = describe(fgb, f"{out}/qgis-fgb-{name}.png")
        sld = QgsVectorLayer(f"{run}/{name}.fgb", name, "ogr")
        message, ok = sld.loadSldStyle(f"{run}/{name}.sld")
        found[f"sld:{name}"] = {"loaded": ok, "message": message, "renderer": sld.renderer().type(),
                                "rules": len(sld.renderer().rootRule().children())
                                if sld.renderer().type() == "RuleRenderer" else 0}
    print(json.dumps(found), flush=True)
    # QGIS 3.22 tears down its layers after Python's and crashes at exit: leave at once, the result out.
    os._exit(0)


main()
