//! Prepared area layers: a GeoJSON layer read, checked, measured and written once, kept in a cache folder
//! under the sha256 of its file, and loaded again without parsing.
//!
//! A prepared layer holds the [`AreaLayer`] exactly as the reader gave it (repairs included), each area's
//! size in km², and each area's geometry as the GeoJSON writer writes it. Its key is the sha256 of the
//! layer file as stored, the fields asked for, and the code that reads, measures and writes it (a hash of
//! those sources made when footprint is built): a changed file, other fields or other code find no
//! prepared form and build a new one. What a prepared layer gives is what reading the file gives, to the
//! byte (tested).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use footprint_ingest::{
    AreaFields, AreaLayer, AreaMeter, FileInfo, IngestError, InputFile, read_area_layer, read_areas,
};
use footprint_overlap::write::GeometryTexts;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where prepared layers are kept, if anywhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PreparedCache {
    /// Every layer is read from its file.
    #[default]
    Off,
    /// Prepared layers are kept in (and loaded from) this folder.
    In(PathBuf),
}

/// What was measured and written of a layer once, beside the layer itself.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedLayer {
    /// Each area's size in km² (British National Grid), in layer order.
    pub area_km2: Vec<f64>,
    /// Each area's GeoJSON geometry, in layer order.
    pub geometry: GeometryTexts,
}

impl PreparedLayer {
    /// Measures and writes the areas of `layer`.
    #[must_use]
    pub fn of(layer: &AreaLayer) -> Self {
        let (area_km2, geometry) = rayon::join(|| measure_areas(layer), || GeometryTexts::of(layer));
        Self { area_km2, geometry }
    }
}

/// How a layer was had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preparation {
    /// Read from its file; nothing kept (no cache, or a shapefile).
    Read,
    /// Loaded from its prepared form.
    Loaded(PathBuf),
    /// Read from its file, and its prepared form kept here.
    Built(PathBuf),
    /// Read from its file; its prepared form could not be kept (why).
    NotKept(String),
}

/// An area layer with what was prepared of it.
pub struct LayerRead {
    /// The layer.
    pub layer: AreaLayer,
    /// Its file.
    pub info: FileInfo,
    /// Its sizes and geometry text, when prepared.
    pub prepared: Option<PreparedLayer>,
    /// How it was had.
    pub how: Preparation,
}

/// Every area's size in km² (British National Grid), in parallel.
pub(crate) fn measure_areas(layer: &AreaLayer) -> Vec<f64> {
    let meter = AreaMeter::over(layer.crs, layer.areas.iter().map(|a| &a.geometry));
    layer.areas.par_iter().map(|a| meter.area_km2(&a.geometry)).collect()
}

/// Reads the area layer at `path`: from its prepared form in `cache` when there is one, else from the file
/// (keeping its prepared form in `cache`). Shapefiles and `-` are always read from the file.
///
/// # Errors
/// As [`read_area_layer`]. A prepared form that cannot be read or kept is not an error: the file is read.
pub fn read_layer(path: &Path, fields: &AreaFields, cache: &PreparedCache) -> Result<LayerRead, IngestError> {
    let dir = match cache {
        PreparedCache::In(dir) if identifies_layer(path) => dir,
        _ => {
            let (layer, info) = read_area_layer(path, fields)?;
            return Ok(LayerRead { layer, info, prepared: None, how: Preparation::Read });
        }
    };
    let name = |sha256: &str| dir.join(format!("{}.layer", key(sha256, &format!("{fields:?}"))));
    let loaded = |file: PathBuf, info: FileInfo| {
        load(&file).map(|(layer, prepared)| LayerRead {
            layer,
            info,
            prepared: Some(prepared),
            how: Preparation::Loaded(file),
        })
    };
    // The file is hashed in pieces first (or its stamp read): when its prepared form is there, it is
    // never held whole.
    if let Some(found) = crate::stamp::file_info(path, dir)?.and_then(|info| loaded(name(&info.sha256), info)) {
        return Ok(found);
    }
    let stored = crate::stamp::read_compressed(path, dir)?;
    let file = name(&stored.sha256);
    if let Some(found) = loaded(file.clone(), stored.info()) {
        return Ok(found);
    }
    let layer = read_areas(&stored, fields)?;
    let prepared = PreparedLayer::of(&layer);
    let how = match keep(dir, &file, &encode(&layer, &prepared)) {
        Ok(()) => Preparation::Built(file),
        Err(e) => {
            let causes = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source());
            Preparation::NotKept(causes.map(ToString::to_string).collect::<Vec<_>>().join(": "))
        }
    };
    Ok(LayerRead { layer, info: stored.info(), prepared: Some(prepared), how })
}

/// Whether the sha256 of the file at `path` identifies the layer read from it: not a shapefile (its
/// attributes and projection are in other files) nor standard input.
pub(crate) fn identifies_layer(path: &Path) -> bool {
    !footprint_ingest::is_shapefile_input(path) && path != Path::new("-")
}

/// The first bytes of a prepared layer file.
const MAGIC: &[u8; 8] = b"FPLAYER1";

/// The first bytes of a prepared table file.
const TABLE_MAGIC: &[u8; 8] = b"FPTABLE1";

/// Reads the table at `path` with `parse` (`how` names what it reads: its columns or kind): from its
/// prepared form in `cache` when there is one, else from the file, keeping its prepared form in `cache`.
/// Standard input is always read from the stream. Tables are small beside their parsing: the prepared
/// form is the parsed table, encoded with postcard.
///
/// # Errors
/// As `parse`. A prepared form that cannot be read or kept is not an error: the file is read.
pub(crate) fn read_table<T: Serialize + serde::de::DeserializeOwned>(
    path: &Path,
    how: &str,
    cache: &PreparedCache,
    parse: impl FnOnce(&InputFile) -> Result<T, IngestError>,
) -> Result<(T, FileInfo), IngestError> {
    let dir = match cache {
        PreparedCache::In(dir) if path != Path::new("-") => dir,
        _ => return crate::overlap::read_with(path, parse),
    };
    let name = |sha256: &str| encoded_file::<T>(dir, sha256, how, "table");
    if let Some(info) = crate::stamp::file_info(path, dir)?
        && let Some(table) = load_encoded(&name(&info.sha256), TABLE_MAGIC)
    {
        return Ok((table, info));
    }
    let stored = crate::stamp::read_compressed(path, dir)?;
    let file = name(&stored.sha256);
    if let Some(table) = load_encoded(&file, TABLE_MAGIC) {
        return Ok((table, stored.info()));
    }
    let table = parse(&stored)?;
    keep_encoded(dir, &file, TABLE_MAGIC, &table);
    Ok((table, stored.info()))
}

/// The first bytes of a prepared form derived from a layer.
const DERIVED_MAGIC: &[u8; 8] = b"FPDERIV1";

impl PreparedCache {
    /// What `make` makes of an area layer alone (`what` names it, with the fields the layer was read
    /// with), kept in this cache under the sha256 of the layer's file (`info`) and loaded from there
    /// after, when `fits` holds of what was kept; made each time with no cache. Give it only a layer whose
    /// file identifies it (one read through its prepared form, [`LayerRead::prepared`], or any GeoJSON
    /// file): a shapefile's identity is not all of it.
    pub fn derived<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        info: &FileInfo,
        what: &str,
        fits: impl FnOnce(&T) -> bool,
        make: impl FnOnce() -> T,
    ) -> T {
        let PreparedCache::In(dir) = self else { return make() };
        let file = encoded_file::<T>(dir, &info.sha256, what, "derived");
        if let Some(kept) = load_encoded(&file, DERIVED_MAGIC).filter(|kept| fits(kept)) {
            return kept;
        }
        let made = make();
        keep_encoded(dir, &file, DERIVED_MAGIC, &made);
        made
    }
}

/// Where a `T` made of the file with this sha256 (as `how` says) is kept encoded in `dir`, as `<key>.<extension>`.
fn encoded_file<T>(dir: &Path, sha256: &str, how: &str, extension: &str) -> PathBuf {
    dir.join(format!("{}.{extension}", key(sha256, &format!("{} {how}", std::any::type_name::<T>()))))
}

/// The value encoded with postcard after `magic` in `file`; `None` when there is none or it is not one.
fn load_encoded<T: serde::de::DeserializeOwned>(file: &Path, magic: &[u8; 8]) -> Option<T> {
    fs::read(file).ok().and_then(|b| postcard::from_bytes(b.strip_prefix(magic)?).ok())
}

/// Keeps `value` encoded with postcard after `magic` as `file` in `dir`. Not kept is not an error: the
/// next run makes it again.
fn keep_encoded<T: Serialize>(dir: &Path, file: &Path, magic: &[u8; 8], value: &T) {
    // Encoded after the magic into one buffer of the size measured first: a large table (a tenth of a
    // gigabyte for ten times the national registrations) is never held twice beside itself.
    let Ok(size) = postcard::experimental::serialized_size(value) else { return };
    let mut buffer = Vec::with_capacity(magic.len() + size);
    buffer.extend_from_slice(magic);
    if let Ok(encoded) = postcard::to_extend(value, buffer) {
        keep_quietly(dir, file, &encoded);
    }
}

/// The hash of the sources that read, measure and write a layer and derive the pictures' topology and
/// the footprints' coverage from it, and of `Cargo.lock`, made when footprint was built.
const CODE: &str = env!("FOOTPRINT_PREPARED_CODE");

/// The name of the prepared form of a file with this sha256, read as `how` says (the fields or
/// columns asked for, and what is read).
fn key(sha256: &str, how: &str) -> String {
    let mut h = Sha256::new();
    for part in [sha256, how, env!("CARGO_PKG_VERSION"), CODE] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The part of a prepared layer encoded with postcard; the geometry text follows it raw.
#[derive(Serialize, Deserialize)]
struct Stored {
    layer: AreaLayer,
    area_km2: Vec<f64>,
    geometry_ends: Vec<usize>,
}

/// `MAGIC`, the length of the encoded part (8 bytes, little-endian), the encoded part, the geometry text.
fn encode(layer: &AreaLayer, prepared: &PreparedLayer) -> Vec<u8> {
    let (ends, text) = prepared.geometry.clone().into_parts();
    let stored = Stored { layer: layer.clone(), area_km2: prepared.area_km2.clone(), geometry_ends: ends };
    let head = postcard::to_allocvec(&stored).unwrap_or_default();
    let mut out = Vec::with_capacity(16 + head.len() + text.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&text);
    out
}

/// The prepared layer in `file`, read in two parts so that the geometry text is never copied; `None`
/// when there is none or it is not what [`encode`] writes.
fn load(file: &Path) -> Option<(AreaLayer, PreparedLayer)> {
    let mut f = fs::File::open(file).ok()?;
    let mut start = [0u8; 16];
    f.read_exact(&mut start).ok()?;
    let len = usize::try_from(u64::from_le_bytes(start[8..].try_into().ok()?)).ok()?;
    let total = usize::try_from(f.metadata().ok()?.len()).ok()?;
    let mut head = vec![0; len.min(total)];
    f.read_exact(&mut head).ok()?;
    let mut text = Vec::with_capacity(total.saturating_sub(16 + len));
    f.read_to_end(&mut text).ok()?;
    decode(&start, &head, text)
}

/// A prepared layer from its parts: the first 16 bytes, the encoded part and the geometry text; `None`
/// for anything but what [`encode`] writes.
fn decode(start: &[u8], head: &[u8], text: Vec<u8>) -> Option<(AreaLayer, PreparedLayer)> {
    let len = start.strip_prefix(MAGIC)?.first_chunk::<8>().map(|l| u64::from_le_bytes(*l))?;
    if start.len() != 16 || len != head.len() as u64 {
        return None;
    }
    let stored: Stored = postcard::from_bytes(head).ok()?;
    let geometry = GeometryTexts::from_parts(stored.geometry_ends, text)?;
    let consistent = geometry.len() == stored.layer.areas.len() && stored.area_km2.len() == geometry.len();
    consistent.then_some((stored.layer, PreparedLayer { area_km2: stored.area_km2, geometry }))
}

/// As [`keep`], where not kept is not an error (the next run makes it again).
pub(crate) fn keep_quietly(dir: &Path, file: &Path, bytes: &[u8]) {
    let _ = keep(dir, file, bytes);
}

/// Writes `bytes` as `file` in `dir`, as every output is written: to a temporary file renamed into place.
fn keep(dir: &Path, file: &Path, bytes: &[u8]) -> Result<(), footprint_overlap::WriteError> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out = footprint_overlap::OutputSet::new(dir)?;
    out.stage(&name, bytes)?;
    out.commit().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_but_an_encoded_layer_is_not_one() {
        let layer = AreaLayer::default();
        let prepared = PreparedLayer::of(&layer);
        let bytes = encode(&layer, &prepared);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("l.layer");
        let read = |bytes: &[u8]| {
            fs::write(&file, bytes).unwrap();
            load(&file)
        };
        let (back, again) = read(&bytes).expect("decodes");
        assert_eq!((back.areas.len(), &again), (0, &prepared));
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut other = bytes.clone();
        other[0] = b'X';
        assert!(read(&other).is_none());
    }
}
