//! GeoPackage 1.3: one SQLite file holding every layer (a features table with an R-tree spatial index)
//! and every table (attributes), built in memory and serialised, so that it is staged and renamed
//! like every other output, with each layer's default style in `layer_styles` (QGIS's table). Its bytes
//! depend only on the data: `last_change` is fixed.

use footprint_ingest::Crs;
use footprint_overlap::write::{Kind, Layer, Value};
use geozero::{CoordDimensions, ToWkb};
use rusqlite::{Connection, params_from_iter};

use crate::GisError;
use crate::crs::{epsg, wkt};

/// The file name of the GeoPackage.
pub const FILE: &str = "footprint.gpkg";

/// The `last_change` of every table: fixed, so that a run's GeoPackage is the same bytes every time.
pub const LAST_CHANGE: &str = "2000-01-01T00:00:00.000Z";

/// The GeoPackage holding `layers` (with geometry) and `tables`.
///
/// # Errors
/// [`GisError::Sqlite`] if SQLite fails (out of memory).
pub fn geopackage(layers: &[Layer], tables: &[Layer]) -> Result<Vec<u8>, GisError> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(CORE_TABLES)?;
    let mut systems: Vec<Crs> = layers.iter().map(|l| l.crs).collect();
    systems.sort_by_key(|&c| epsg(c));
    systems.dedup();
    for crs in systems {
        db.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?3, ?4, ?5)",
            (crs_name(crs), epsg(crs), epsg(crs), wkt(crs), crs_name(crs)),
        )?;
    }
    for layer in layers {
        write_layer(&db, layer)?;
    }
    for table in tables {
        write_table(&db, table)?;
    }
    write_styles(&db, layers)?;
    db.execute_batch("ANALYZE; VACUUM;")?;
    Ok(db.serialize(rusqlite::MAIN_DB)?.to_vec())
}

fn crs_name(crs: Crs) -> &'static str {
    match crs {
        Crs::Wgs84 => "WGS 84 geodetic",
        Crs::BritishNationalGrid => "OSGB36 / British National Grid",
    }
}

/// `application_id` 'GPKG', version 1.3, and the tables every GeoPackage has; EPSG:4326 and the two
/// undefined systems are required rows.
const CORE_TABLES: &str = r"
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
";

fn sql_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "INTEGER",
        Kind::Float => "REAL",
        Kind::Text => "TEXT",
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates the table of `layer`'s records (after `geom` for a layer) and fills it.
fn create_and_fill(db: &Connection, layer: &Layer, geometry: bool) -> Result<(), GisError> {
    let mut columns = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_owned()];
    if geometry {
        columns.push("geom MULTIPOLYGON".to_owned());
    }
    columns.extend(layer.records.columns.iter().map(|c| format!("{} {}", quoted(&c.name), sql_type(c.kind))));
    db.execute_batch(&format!("CREATE TABLE {} ({});", quoted(layer.name), columns.join(", ")))?;
    let n = layer.records.columns.len() + usize::from(geometry);
    let marks = (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let names: Vec<String> = geometry
        .then(|| "geom".to_owned())
        .into_iter()
        .chain(layer.records.columns.iter().map(|c| quoted(&c.name)))
        .collect();
    let tx = db.unchecked_transaction()?;
    {
        let mut insert =
            tx.prepare(&format!("INSERT INTO {} ({}) VALUES ({marks})", quoted(layer.name), names.join(", ")))?;
        for (i, row) in layer.records.rows.iter().enumerate() {
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(n);
            if let Some(g) = layer.geometry.filter(|_| geometry) {
                values.push(rusqlite::types::Value::Blob(blob(&g[i], epsg(layer.crs))?));
            }
            values.extend(row.iter().map(sql_value));
            insert.execute(params_from_iter(values))?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn sql_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(n) => rusqlite::types::Value::Integer(*n),
        Value::Float(x) => rusqlite::types::Value::Real(*x),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

/// A GeoPackage geometry blob: the `GP` header with the envelope, then the WKB (little-endian).
fn blob(w: &footprint_overlap::write::Written, srs_id: i32) -> Result<Vec<u8>, GisError> {
    let geometry = geo::Geometry::MultiPolygon(w.to_geo());
    let [min_x, min_y, max_x, max_y] = w.bbox().unwrap_or([f64::NAN; 4]);
    Ok(geometry.to_gpkg_wkb(CoordDimensions::xy(), Some(srs_id), vec![min_x, max_x, min_y, max_y])?)
}

/// A features table with its R-tree (`rtree_<table>_geom`, with the triggers that keep it in step with
/// edits) and its rows in the GeoPackage's registers.
fn write_layer(db: &Connection, layer: &Layer) -> Result<(), GisError> {
    create_and_fill(db, layer, true)?;
    let [min_x, min_y, max_x, max_y] = layer.bbox().unwrap_or([f64::NAN; 4]);
    let srs = epsg(layer.crs);
    db.execute(
        "INSERT INTO gpkg_contents VALUES (?1, 'features', ?1, '', ?2, ?3, ?4, ?5, ?6, ?7)",
        (layer.name, LAST_CHANGE, min_x, min_y, max_x, max_y, srs),
    )?;
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'MULTIPOLYGON', ?2, 0, 0)", (layer.name, srs))?;
    let t = layer.name;
    db.execute_batch(&format!("CREATE VIRTUAL TABLE \"rtree_{t}_geom\" USING rtree(id, minx, maxx, miny, maxy);"))?;
    {
        let mut insert = db.prepare(&format!("INSERT INTO \"rtree_{t}_geom\" VALUES (?1, ?2, ?3, ?4, ?5)"))?;
        for (i, w) in layer.geometry.unwrap_or(&[]).iter().enumerate() {
            if let Some([x0, y0, x1, y1]) = w.bbox() {
                insert.execute((i as i64 + 1, x0, x1, y0, y1))?;
            }
        }
    }
    db.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        [t],
    )?;
    db.execute_batch(&rtree_triggers(t))?;
    Ok(())
}

/// The `layer_styles` table as QGIS makes it, with each styled layer's style as its default, so that
/// QGIS opens the layer drawn. Its `update_time` is fixed, as `last_change` is.
fn write_styles(db: &Connection, layers: &[Layer]) -> Result<(), GisError> {
    db.execute_batch(
        "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), \
         f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), \
         styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), \
         update_time DATETIME DEFAULT CURRENT_TIMESTAMP);",
    )?;
    // QGIS reads the table through GDAL, which sees only the tables registered in gpkg_contents.
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?1)",
        [LAST_CHANGE],
    )?;
    for style in layers.iter().filter_map(crate::style::style) {
        db.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, \
             styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) \
             VALUES ('', '', ?1, 'geom', ?1, ?2, ?3, 1, ?4, '', NULL, ?5)",
            (&style.layer, style.qml(), style.sld(), &style.description, LAST_CHANGE),
        )?;
    }
    Ok(())
}

/// An attributes table (no geometry) registered in `gpkg_contents`.
fn write_table(db: &Connection, table: &Layer) -> Result<(), GisError> {
    create_and_fill(db, table, false)?;
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) VALUES (?1, 'attributes', ?1, '', ?2)",
        (table.name, LAST_CHANGE),
    )?;
    Ok(())
}

/// The triggers of the GeoPackage R-tree extension (spec 1.3, F.3) for `<t>.geom`.
fn rtree_triggers(t: &str) -> String {
    let r = format!("\"rtree_{t}_geom\"");
    let q = quoted(t);
    format!(
        r#"
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON {q} WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF geom ON {q} WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF geom ON {q} WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON {q} WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {r} WHERE id = OLD.fid; INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON {q} WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON {q} WHEN old.geom NOT NULL
BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
"#
    )
}
