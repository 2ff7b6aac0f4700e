//! The command line, declared with clap: every flag with an example.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use footprint_footprints::{FootprintLevel, FootprintSpec, Method};
use footprint_ingest::Vintage;
use footprint_ingest::{AreaFields, CentroidColumns, ContextKind, LayerKind, LookupColumns};
use footprint_overlap::Threshold;
use footprint_overlap::write::Format;
use footprint_run::{
    AlignJob, AssignmentSource, ContextSource, ConversionFiles, DesignJob, FootprintJob, Mismatch, Output, OverlapJob,
    PreparedCache, RegionSource, TeamApportionment, TeamSource, VintageRule, bundled_context, bundled_geography,
    with_overrides,
};

/// Measure how Primary Care Network (PCN) footprints overlap: for every MSOA, the PCNs whose
/// practices have patients living there.
///
/// With no arguments, runs the national analysis on the England dataset in fixtures/ (July 2022
/// registrations, MSOA 2011 boundaries) and writes ./footprint-out/, with an HTML report (report.html)
/// and a PNG map (map.png).
#[derive(Debug, Parser)]
#[command(
    name = "footprint",
    version,
    after_help = "Exit codes: 0 success, 2 usage error, 3 malformed input, 4 file not readable or output not writable, 1 other."
)]
pub(crate) struct Cli {
    /// What to do (default: the national overlap analysis on the bundled dataset).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Print nothing but errors. Example: `footprint -q`
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print the time of each stage on stderr. Example: `footprint -v`
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Worker threads (default: one per core); outputs are identical for any value. Example: `--threads 1`
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    /// Where prepared area layers, parsed tables (registrations, lookups, context and conversion files,
    /// LSOA polygons) and what is made of a layer alone (the pictures' topology, the footprints' coverage)
    /// are kept (read once, loaded without parsing after; keyed by the sha256 of the file, itself kept
    /// for a file unchanged since, as git's index keeps it), or `off`. Default: $FOOTPRINT_CACHE, else $XDG_CACHE_HOME/footprint, else
    /// ~/.cache/footprint. Outputs are identical either way. Example: `--cache off`
    #[arg(long, global = true, value_name = "DIR|off")]
    pub cache: Option<String>,

    /// The formats and CRS of the default run's layers (with no command).
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Count the PCNs serving each MSOA's residents and write the overlap layers.
    ///
    /// Example: footprint overlap --registrations gp-reg-pat-prac-lsoa-all.csv.gz
    /// --practices gp-reg-pat-prac-map.csv --areas msoa11.geojson --lookup lsoa11_msoa11_lookup.csv --out out/
    Overlap(OverlapArgs),

    /// Draw every PCN's footprint by the threshold, core and plurality methods, with metrics, besides the
    /// overlap layers.
    ///
    /// Example: footprint footprints --registrations gp-reg-pat-prac-lsoa-all.csv.gz
    /// --practices gp-reg-pat-prac-map.csv --areas msoa11.geojson.gz --lookup lsoa11_msoa11_lookup.csv
    /// --method core --core-share 0.9 --out out/
    Footprints(FootprintsArgs),

    /// Align community-team areas with the PCNs: which PCNs serve each team's residents, which teams each
    /// PCN's patients live in, and where the two sets of boundaries disagree most.
    ///
    /// Example: footprint align --registrations gp-reg-pat-prac-lsoa-all.csv.gz --practices gp-reg-pat-prac-map.csv
    /// --teams localities.geojson --lsoa-areas lsoa11.geojson --out alignment/
    Align(AlignArgs),

    /// Design neighbourhoods that fit the PCNs: contiguous patches of LSOAs of a target size (30,000 to
    /// 50,000 registered residents by default, or a given number of patches) that keep each PCN's patients
    /// together, measured and written as `footprint align` writes a team layer (docs/design.md).
    ///
    /// Example: footprint design --registrations gp-reg-pat-prac-lsoa-all.csv.gz --practices gp-reg-pat-prac-map.csv
    /// --lsoa-areas lsoa11.geojson.gz --region-lookup lsoa11_msoa11_lookup.csv --region E08000009 --out design/
    Design(DesignArgs),

    /// Run many publications (registrations and practice map) and scenarios (a map with practices moved
    /// between PCNs) on one geography: a row per publication, per publication × MSOA, and the change in
    /// each MSOA from the first to the last (docs/series.md).
    ///
    /// Example: footprint series --manifest series.csv --geography 2021 --out series/
    Series(SeriesArgs),

    /// Write a self-contained HTML report of a run (summary, accounting, histograms, density deciles and
    /// an interactive map) that opens in any browser without a network.
    ///
    /// Example: footprint report --from footprint-out/ --out footprint-out/report.html
    Report(ReportArgs),

    /// Draw a PNG choropleth of the PCNs per MSOA of a run, with legend, title and attribution.
    ///
    /// Example: footprint map --from footprint-out/ --out england.png --width 1600 --threshold 1%
    Map(MapArgs),
}

/// Options of `footprint report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The output directory of a run (msoa_overlap.geojson, msoa_overlap.csv, msoa_pcn_shares.csv,
    /// summary.json; pcn_footprints.geojson and team_alignment.geojson are drawn when present).
    /// Example: `--from footprint-out/`
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,

    /// The HTML file to write (default: report.html in the run's directory). Example: `--out nottingham.html`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Options of `footprint map`.
#[derive(Debug, Args)]
pub(crate) struct MapArgs {
    /// The output directory of a run (as for `footprint report`). Example: `--from footprint-out/`
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,

    /// The PNG file to write. Example: `--out england.png`
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Image width in pixels (400 to 12000; the height follows from the map). Example: `--width 2400`
    #[arg(long, value_name = "N", default_value_t = 1600, value_parser = clap::value_parser!(u32).range(400..=12_000))]
    pub width: u32,

    /// Colour by the count at this threshold, one the run computed (default: its first), or `all` for
    /// every PCN with patients there. Example: `--threshold 0.5%`
    #[arg(long, value_name = "T")]
    pub threshold: Option<String>,

    /// The map's title (default: "How many PCNs serve each MSOA's residents"). Example: `--title "Lancashire, July 2022"`
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

/// Inputs and options of `footprint series`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("series_inputs").required(true).multiple(true).args(["manifest", "publications"])))]
pub(crate) struct SeriesArgs {
    /// A CSV naming the publications in order: `label,registrations,practices[,date][,edits]` (paths
    /// relative to the manifest; `edits` makes the row a scenario). Example: `--manifest series.csv`
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// A publication as `REGISTRATIONS,PRACTICES[,LABEL]`; repeat for several, in order (after the
    /// manifest's). Example: `--publication gp-reg-pat-prac-lsoa-all.csv.gz,gp-reg-pat-prac-map.csv,Jul2022`
    #[arg(long = "publication", value_name = "REGS,MAP[,LABEL]")]
    pub publications: Vec<String>,

    /// A scenario: the last publication with this edit file (`practice_code,pcn_code`) applied to its
    /// map, as `EDITS[,LABEL]`; repeat for several. Example: `--scenario merge-north.csv,North merged`
    #[arg(long = "scenario", value_name = "EDITS[,LABEL]")]
    pub scenarios: Vec<String>,

    /// The census geography and its area layer, as for `footprint overlap`.
    #[command(flatten)]
    pub geography: GeographyArgs,

    /// Share threshold; repeat for several (default 0.01). Example: `--threshold 1% --threshold 0.5%`
    #[arg(long = "threshold", value_name = "T", default_value = "0.01")]
    pub thresholds: Vec<Threshold>,

    /// Output directory (created if missing). Example: `--out series/`
    #[arg(long, value_name = "DIR", default_value = "footprint-series")]
    pub out: PathBuf,
}

impl Cli {
    /// Where prepared area layers and tables are kept: `--cache`, else `$FOOTPRINT_CACHE`, else the user's cache folder.
    pub(crate) fn prepared(&self) -> PreparedCache {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let chosen = self.cache.clone().map(PathBuf::from).or_else(|| env("FOOTPRINT_CACHE"));
        match chosen {
            Some(dir) if dir == std::path::Path::new("off") => PreparedCache::Off,
            Some(dir) => PreparedCache::In(dir),
            None => env("XDG_CACHE_HOME")
                .or_else(|| env("HOME").map(|h| h.join(".cache")))
                .map_or(PreparedCache::Off, |d| PreparedCache::In(d.join("footprint"))),
        }
    }
}

impl SeriesArgs {
    /// The geography of the series as an overlap job (its registrations and practices unused).
    pub(crate) fn geography_job(&self, fixtures: Option<&std::path::Path>) -> anyhow::Result<OverlapJob> {
        let placement = self
            .geography
            .lookup
            .clone()
            .map(|path| AssignmentSource::Lookup { path, columns: LookupColumns::default() });
        let (areas, assignment, vintage) = self.geography.resolve(fixtures, placement, LookupColumns::default())?;
        Ok(OverlapJob {
            registrations: PathBuf::new(),
            practices: PathBuf::new(),
            areas,
            area_fields: self.geography.area_fields(None, None),
            assignment,
            thresholds: distinct(&self.thresholds),
            footprints: None,
            vintage,
            output: Output::default(),
            // A series measures no contexts.
            context: Vec::new(),
            prepared: PreparedCache::Off,
        })
    }

    /// The publications given with --publication and --scenario, after those of the manifest.
    pub(crate) fn publications(
        &self,
        mut from_manifest: Vec<footprint_run::Publication>,
    ) -> anyhow::Result<Vec<footprint_run::Publication>> {
        for p in &self.publications {
            let parts: Vec<&str> = p.split(',').collect();
            let (regs, map) = match parts.as_slice() {
                [r, m] | [r, m, _] => (PathBuf::from(r), PathBuf::from(m)),
                _ => return Err(Usage("--publication takes REGISTRATIONS,PRACTICES[,LABEL]").into()),
            };
            let label = parts.get(2).map_or_else(|| stem(&regs), |l| (*l).to_owned());
            from_manifest.push(footprint_run::Publication {
                label,
                registrations: regs,
                practices: map,
                date: None,
                edits: None,
            });
        }
        for s in &self.scenarios {
            let (edits, label) = match s.split_once(',') {
                Some((e, l)) => (PathBuf::from(e), l.to_owned()),
                None => (PathBuf::from(s), stem(std::path::Path::new(s))),
            };
            let last = from_manifest.last().ok_or(Usage("--scenario needs a publication before it"))?.clone();
            from_manifest.push(footprint_run::Publication { label, edits: Some(edits), ..last });
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(p) = from_manifest.iter().find(|p| !seen.insert(p.label.clone())) {
            return Err(anyhow::Error::new(Usage("two publications have the same label: give each its own"))
                .context(p.label.clone()));
        }
        Ok(from_manifest)
    }
}

/// A file's name without its extensions (`gp-reg.csv.gz` → `gp-reg`).
fn stem(path: &std::path::Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.split('.').next().unwrap_or_default().to_owned()
}

/// Inputs and options of `footprint align`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("team_source").required(true).args(["teams", "team_lookup"])))]
pub(crate) struct AlignArgs {
    /// NHS Digital registrations by LSOA (plain or .gz; `-` for stdin). Example: `--registrations gp-reg-pat-prac-lsoa-all.csv.gz`
    #[arg(long, value_name = "FILE")]
    pub registrations: PathBuf,

    /// Practice → PCN map (PCN code U = no PCN). Example: `--practices gp-reg-pat-prac-map.csv`
    #[arg(long, value_name = "FILE")]
    pub practices: PathBuf,

    /// Team areas: GeoJSON or ESRI shapefile, WGS84 or British National Grid. Example: `--teams localities.geojson`
    #[arg(long, value_name = "FILE")]
    pub teams: Option<PathBuf>,

    /// Team layer property holding the team's name (default: detected: team, name, area_name, locality, …).
    /// Example: `--team-field NAME`
    #[arg(long, value_name = "NAME")]
    pub team_field: Option<String>,

    /// CRS of the team layer, overriding the file's own: `wgs84` or `bng`. Example: `--teams-crs bng`
    #[arg(long, value_name = "CRS")]
    pub teams_crs: Option<footprint_ingest::Crs>,

    /// LSOA polygons, for apportioning by area (the default) or by a point inside each LSOA.
    /// Example: `--lsoa-areas lsoa11.geojson.gz`
    #[arg(long, value_name = "FILE", required_unless_present_any = ["centroids", "team_lookup"])]
    pub lsoa_areas: Option<PathBuf>,

    /// LSOA population-weighted centroids CSV: each LSOA goes wholly to the team holding its centroid.
    /// Example: `--centroids lsoa11_population_weighted_centroids.csv`
    #[arg(long, value_name = "FILE", conflicts_with = "lsoa_areas")]
    pub centroids: Option<PathBuf>,

    /// A CSV naming each LSOA's team instead of team polygons (LSOA column detected; team column given
    /// with --team-column). Example: `--team-lookup lsoa_teams.csv --team-column TEAM`
    #[arg(long, value_name = "FILE", conflicts_with_all = ["lsoa_areas", "centroids"])]
    pub team_lookup: Option<PathBuf>,

    /// The --team-lookup column holding the team. Example: `--team-column TEAM`
    #[arg(long, value_name = "NAME", default_value = "TEAM")]
    pub team_column: String,

    /// How an LSOA cut by a team boundary is apportioned with --lsoa-areas: `area` (in proportion to the
    /// area of each piece) or `point` (wholly to the team holding a point inside the LSOA). Example: `--apportion point`
    #[arg(long, value_name = "RULE", value_enum, default_value_t = Apportion::Area)]
    pub apportion: Apportion,

    /// With `--apportion area`: pieces smaller than this share of an LSOA are dropped as slivers and the
    /// rest scaled up. Example: `--min-piece 0.5%`
    #[arg(long, value_name = "S", default_value = "0.01")]
    pub min_piece: Threshold,

    /// Share threshold (of a team's residents, or of a PCN's list); repeat for several. Example: `--threshold 5%`
    #[arg(long = "threshold", value_name = "T", default_value = "0.01")]
    pub thresholds: Vec<Threshold>,

    /// The share of a team's residents its core PCNs must hold. Example: `--core-share 0.9`
    #[arg(long, value_name = "S", default_value = "0.8")]
    pub core_share: Threshold,

    /// Output directory (created if missing). Example: `--out alignment/`
    #[arg(long, value_name = "DIR", default_value = "footprint-out")]
    pub out: PathBuf,

    /// The formats and CRS of the team layer.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Inputs and options of `footprint design`.
#[derive(Debug, Args)]
pub(crate) struct DesignArgs {
    /// NHS Digital registrations by LSOA (plain or .gz; `-` for stdin). Example: `--registrations gp-reg-pat-prac-lsoa-all.csv.gz`
    #[arg(long, value_name = "FILE")]
    pub registrations: PathBuf,

    /// Practice → PCN map (PCN code U = no PCN). Example: `--practices gp-reg-pat-prac-map.csv`
    #[arg(long, value_name = "FILE")]
    pub practices: PathBuf,

    /// LSOA polygons (2011 or 2021), GeoJSON or shapefile: the cells patches are made of, neighbours
    /// where they share an edge. Example: `--lsoa-areas lsoa11.geojson.gz`
    #[arg(long, value_name = "FILE")]
    pub lsoa_areas: PathBuf,

    /// Design only the LSOAs whose interior point lies in this polygon layer (its features together, one
    /// region). Example: `--within localities.geojson`
    #[arg(long, value_name = "FILE", conflicts_with = "region_lookup")]
    pub within: Option<PathBuf>,

    /// An LSOA → region table: each region (district, ICB) is designed on its own. Example:
    /// `--region-lookup lsoa11_msoa11_lookup.csv`
    #[arg(long, value_name = "FILE")]
    pub region_lookup: Option<PathBuf>,

    /// The --region-lookup column holding the region code. Example: `--region-column icb24_code`
    #[arg(long, value_name = "NAME", default_value = "LAD_CODE")]
    pub region_column: String,

    /// Design only these regions of --region-lookup (repeat or comma-separate; default: every region).
    /// Example: `--region E08000009,E06000008`
    #[arg(long = "region", value_name = "CODE", value_delimiter = ',', requires = "region_lookup")]
    pub region_codes: Vec<String>,

    /// The fewest registered residents of a patch (default 30,000; with --patches, derived from the mean
    /// patch unless given). Example: `--min 25000`
    #[arg(long, value_name = "N")]
    pub min: Option<u64>,

    /// The most registered residents of a patch (default 50,000; with --patches, derived from the mean
    /// patch unless given). Example: `--max 60000`
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,

    /// Exactly this many patches in each region instead of as many as the bounds allow. Example: `--patches 13`
    #[arg(long, value_name = "N")]
    pub patches: Option<u32>,

    /// The seed of the search: the same seed gives the same design on any number of threads. Example: `--seed 7`
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Independent searches per region (run in parallel), the best kept. Example: `--restarts 8`
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub restarts: u32,

    /// Moves tried per LSOA in each search (more: slower, sometimes better). Example: `--moves-per-lsoa 1000`
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub moves_per_lsoa: u32,

    /// Share threshold of the alignment outputs; repeat for several. Example: `--threshold 5%`
    #[arg(long = "threshold", value_name = "T", default_value = "0.01")]
    pub thresholds: Vec<Threshold>,

    /// The share of a patch's residents its core PCNs must hold. Example: `--core-share 0.9`
    #[arg(long, value_name = "S", default_value = "0.8")]
    pub core_share: Threshold,

    /// Output directory (created if missing). Example: `--out design/`
    #[arg(long, value_name = "DIR", default_value = "footprint-out")]
    pub out: PathBuf,

    /// The formats and CRS of the layers.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl DesignArgs {
    /// The job these arguments describe.
    pub(crate) fn job(&self) -> DesignJob {
        use footprint_design::{Bounds, DesignSpec, PatchBounds, Target};
        let regions = match (&self.within, &self.region_lookup) {
            (Some(path), _) => RegionSource::Within { path: path.clone(), fields: AreaFields::default() },
            (None, Some(path)) => RegionSource::Lookup {
                path: path.clone(),
                columns: LookupColumns { lsoa: None, area: Some(self.region_column.clone()) },
                codes: self.region_codes.clone(),
            },
            (None, None) => RegionSource::Whole,
        };
        let given = (self.min.is_some() || self.max.is_some())
            .then(|| Bounds { min: self.min.unwrap_or(0), max: self.max.unwrap_or(u64::MAX) });
        let target = match self.patches {
            Some(count) => Target::Patches { count, bounds: given.map_or(PatchBounds::Derived, PatchBounds::Given) },
            None => Target::Bounds(Bounds {
                min: self.min.unwrap_or(Bounds::PCN_SIZED.min),
                max: self.max.unwrap_or(Bounds::PCN_SIZED.max),
            }),
        };
        DesignJob {
            registrations: self.registrations.clone(),
            practices: self.practices.clone(),
            lsoa_areas: self.lsoa_areas.clone(),
            lsoa_fields: AreaFields::default(),
            regions,
            spec: DesignSpec { target, seed: self.seed, restarts: self.restarts, moves_per_cell: self.moves_per_lsoa },
            thresholds: self.thresholds.clone(),
            core_share: self.core_share,
            output: self.output.output(),
        }
    }
}

/// A combination of flags clap cannot check: a usage error (exit code 2), as clap's own.
#[derive(Debug)]
pub(crate) struct Usage(pub &'static str);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Usage {}

/// How an LSOA cut by a team boundary is apportioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Apportion {
    /// In proportion to the area of each piece.
    Area,
    /// Wholly to the team holding a point inside the LSOA.
    Point,
}

/// The areas footprints are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Level {
    /// The --areas layer (MSOAs).
    Msoa,
    /// The LSOA polygons given with --lsoa-areas.
    Lsoa,
}

impl AlignArgs {
    /// The job these arguments describe.
    pub(crate) fn job(&self) -> anyhow::Result<AlignJob> {
        let teams = match (&self.team_lookup, &self.teams) {
            (Some(path), _) => TeamSource::Lookup {
                path: path.clone(),
                columns: LookupColumns { lsoa: None, area: Some(self.team_column.clone()) },
            },
            (None, Some(teams)) => TeamSource::Layer {
                path: teams.clone(),
                fields: AreaFields {
                    code: self.team_field.clone(),
                    name: None,
                    crs: self.teams_crs,
                    kind: LayerKind::Teams,
                },
                apportionment: self.apportionment()?,
            },
            (None, None) => anyhow::bail!("give team areas (--teams) or a --team-lookup"),
        };
        Ok(AlignJob {
            registrations: self.registrations.clone(),
            practices: self.practices.clone(),
            teams,
            thresholds: self.thresholds.clone(),
            core_share: self.core_share,
            output: self.output.output(),
        })
    }

    fn apportionment(&self) -> anyhow::Result<TeamApportionment> {
        Ok(match (&self.centroids, &self.lsoa_areas, self.apportion) {
            (Some(path), _, _) => {
                TeamApportionment::Centroids { path: path.clone(), columns: CentroidColumns::default() }
            }
            (None, Some(path), Apportion::Point) => {
                TeamApportionment::LsoaPoints { lsoa_areas: path.clone(), fields: AreaFields::default() }
            }
            (None, Some(path), Apportion::Area) => TeamApportionment::AreaWeighted {
                lsoa_areas: path.clone(),
                fields: AreaFields::default(),
                min_piece: self.min_piece.as_fraction(),
            },
            (None, None, _) => anyhow::bail!("give LSOA polygons (--lsoa-areas) or centroids (--centroids)"),
        })
    }
}

/// Inputs and options of `footprint footprints`.
#[derive(Debug, Args)]
pub(crate) struct FootprintsArgs {
    /// The inputs and options of `footprint overlap`.
    #[command(flatten)]
    pub overlap: OverlapArgs,

    /// The areas footprints are made of: `msoa` (the --areas layer) or `lsoa` (the LSOA polygons given
    /// with --lsoa-areas, which it requires). Example: `--footprint-level lsoa`
    #[arg(long, value_name = "LEVEL", value_enum, default_value_t = Level::Msoa)]
    pub footprint_level: Level,

    /// A footprint method; repeat for several (default: all three). `threshold`: every area where the
    /// PCN has at least --footprint-threshold of the residents; `core`: the fewest areas holding
    /// --core-share of the PCN's patients; `plurality`: each area to its largest PCN. Example: `--method core`
    #[arg(long = "method", value_name = "METHOD")]
    pub methods: Vec<Method>,

    /// The threshold method's minimum share (fraction or percentage). Example: `--footprint-threshold 5%`
    #[arg(long, value_name = "T", default_value = "0.01")]
    pub footprint_threshold: Threshold,

    /// The core method's share of the PCN's patients (fraction or percentage). Example: `--core-share 0.9`
    #[arg(long, value_name = "S", default_value = "0.8")]
    pub core_share: Threshold,
}

impl FootprintsArgs {
    /// The job these arguments describe.
    pub(crate) fn job(&self, fixtures: Option<&std::path::Path>) -> anyhow::Result<OverlapJob> {
        let mut job = self.overlap.job(fixtures)?;
        let level = match self.footprint_level {
            // Checked here, before any input is read (clap waives a requirement that conflicts with a
            // flag given, here --lookup or --centroids).
            Level::Lsoa if self.overlap.lsoa_areas.is_none() => {
                return Err(Usage(
                    "--footprint-level lsoa needs LSOA polygons: give them with --lsoa-areas (instead of --lookup or --centroids)",
                )
                .into());
            }
            Level::Lsoa => FootprintLevel::Lsoa,
            Level::Msoa => FootprintLevel::Msoa,
        };
        let mut methods = if self.methods.is_empty() { Method::ALL.to_vec() } else { self.methods.clone() };
        let mut seen = std::collections::HashSet::new();
        methods.retain(|m| seen.insert(*m));
        job.footprints = Some(FootprintJob {
            level,
            spec: FootprintSpec { methods, threshold: self.footprint_threshold, core_share: self.core_share },
        });
        Ok(job)
    }
}

/// A census geography: the vintage of the LSOA and MSOA codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Geography {
    /// LSOA/MSOA 2011 (6,791 MSOAs in England).
    #[value(name = "2011")]
    Census2011,
    /// LSOA/MSOA 2021 (6,856 MSOAs in England).
    #[value(name = "2021")]
    Census2021,
}

impl From<Geography> for Vintage {
    fn from(g: Geography) -> Self {
        match g {
            Geography::Census2011 => Vintage::Census2011,
            Geography::Census2021 => Vintage::Census2021,
        }
    }
}

/// The census geography and its area layer: the flags `footprint overlap` and `footprint series` share.
#[derive(Debug, Args)]
pub(crate) struct GeographyArgs {
    /// The census geography of the MSOAs: `2011` or `2021`. Picks the bundled MSOA boundaries and LSOA →
    /// MSOA lookup of that census (--areas and --lookup override them); registrations on the other
    /// census's LSOA codes are converted (default: 2011, or the census of the --lookup's codes when given).
    /// Example: `--geography 2021`
    #[arg(long, value_name = "YEAR", value_enum)]
    pub geography: Option<Geography>,

    /// Stop with an error, rather than convert, when the registrations' LSOA codes are of another census
    /// than the geography's. Example: `--no-convert`
    #[arg(long)]
    pub no_convert: bool,

    /// MSOA boundaries: GeoJSON FeatureCollection (plain or .gz), or an ESRI shapefile given as the .shp,
    /// a folder holding it, or a .zip; WGS84 or British National Grid (default: the bundled boundaries
    /// of --geography). Example: `--areas MSOA_2011_EW_BGC.zip`
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,

    /// LSOA → MSOA lookup CSV (the authoritative assignment; default: the bundled lookup of --geography;
    /// `overlap` takes at most one of --lookup, --centroids and --lsoa-areas). Example: `--lookup lsoa11_msoa11_lookup.csv`
    #[arg(long, value_name = "FILE")]
    pub lookup: Option<PathBuf>,

    /// Area layer property holding the MSOA code (default: detected, e.g. MSOA11CD). Example: `--code-field MSOA21CD`
    #[arg(long, value_name = "NAME")]
    pub code_field: Option<String>,
}

/// Inputs and options of `footprint overlap`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("lsoa_placement").args(["lookup", "centroids", "lsoa_areas"])))]
pub(crate) struct OverlapArgs {
    /// NHS Digital registrations by LSOA (gp-reg-pat-prac-lsoa-all.csv; plain or .gz; `-` for stdin).
    /// Example: `--registrations gp-reg-pat-prac-lsoa-all.csv.gz`
    #[arg(long, value_name = "FILE")]
    pub registrations: PathBuf,

    /// Practice → PCN map: NHS Digital's gp-reg-pat-prac-map.csv, ODS ePCN.xlsx (or its epcn.zip), or a CSV with
    /// practice and PCN columns; PCN code U = no PCN. Example: `--practices gp-reg-pat-prac-map.csv`
    #[arg(long, value_name = "FILE")]
    pub practices: PathBuf,

    /// The census geography and its area layer.
    #[command(flatten)]
    pub geography: GeographyArgs,

    /// CRS of the area layer's coordinates, overriding the file's own (`crs` member or .prj) and the
    /// extent check: `wgs84` (EPSG:4326) or `bng` (EPSG:27700). Example: `--crs bng`
    #[arg(long, value_name = "CRS")]
    pub crs: Option<footprint_ingest::Crs>,

    /// LSOA centroids CSV (X/Y = lon/lat), located in the MSOA polygons instead of a lookup.
    /// Example: `--centroids lsoa11_population_weighted_centroids.csv`
    #[arg(long, value_name = "FILE")]
    pub centroids: Option<PathBuf>,

    /// LSOA polygons (GeoJSON or shapefile, any supported CRS): each LSOA is placed by a point
    /// guaranteed inside its polygon. Example: `--lsoa-areas lsoa21.geojson`
    #[arg(long, value_name = "FILE")]
    pub lsoa_areas: Option<PathBuf>,

    /// Share threshold, as a fraction or a percentage; repeat for several (default 0.01).
    /// A PCN counts when its share of the MSOA's registered residents is at or above it.
    /// Example: `--threshold 0.01 --threshold 0.5%`
    #[arg(long = "threshold", value_name = "T", default_value = "0.01")]
    pub thresholds: Vec<Threshold>,

    /// Output directory (created if missing). Example: `--out results/`
    #[arg(long, value_name = "DIR", default_value = "footprint-out")]
    pub out: PathBuf,

    /// A context file in place of the bundled one of --geography, or added: `imd=FILE` (IMD score by
    /// LSOA), `ruc=FILE` (Rural-Urban Classification and its urban/rural flag), `region=FILE`, `icb=FILE`,
    /// or `NAME=FILE` for any CSV of LSOA or MSOA code → class or score (a column named NAME, `class` or
    /// `score`); repeat for several. Example: `--context imd=imd2019_lsoa11.csv --context ward=wards.csv`
    #[arg(long = "context", value_name = "NAME=FILE", value_parser = context_source)]
    pub contexts: Vec<ContextSource>,

    /// Area layer property holding the MSOA name (default: detected, e.g. MSOA11NM). Example: `--name-field MSOA21NM`
    #[arg(long, value_name = "NAME")]
    pub name_field: Option<String>,

    /// Lookup column holding the LSOA code (default: detected). Example: `--lookup-lsoa-column LSOA11CD`
    #[arg(long, value_name = "NAME")]
    pub lookup_lsoa_column: Option<String>,

    /// Lookup column holding the MSOA code (default: detected). Example: `--lookup-area-column MSOA_CODE`
    #[arg(long, value_name = "NAME")]
    pub lookup_area_column: Option<String>,

    /// Centroid column holding the LSOA code (default: detected). Example: `--centroid-lsoa-column lsoa11cd`
    #[arg(long, value_name = "NAME")]
    pub centroid_lsoa_column: Option<String>,

    /// Centroid columns holding x (longitude) and y (latitude) (default: X and Y). Example: `--centroid-xy LONG,LAT`
    #[arg(long, value_name = "X,Y", value_delimiter = ',', num_args = 2)]
    pub centroid_xy: Option<Vec<String>>,

    /// A centroid in no MSOA is given to the nearest MSOA within this many metres, else reported
    /// as outside the layer. Example: `--snap-metres 100`
    #[arg(long, value_name = "M", default_value_t = 100.0, value_parser = distance, allow_negative_numbers = true)]
    pub snap_metres: f64,

    /// The formats and CRS of the layers.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How the layers are written (the CSV tables and summary.json are always written).
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Formats of the layers, repeated or comma-separated: `geojson` (the default), `gpkg` (one
    /// footprint.gpkg with every layer, each with its R-tree and QGIS style, and every table), `fgb`
    /// (FlatGeobuf), `parquet` (GeoParquet, and every table as Parquet), `shp` (shapefile); besides
    /// GeoJSON, each layer's style is written as .qml and .sld. Example: `--format gpkg,fgb`
    #[arg(long = "format", value_name = "FORMAT", value_delimiter = ',')]
    pub formats: Vec<Format>,

    /// CRS of the layers of every format but GeoJSON (always WGS84): `wgs84` (EPSG:4326) or `bng`
    /// (EPSG:27700, British National Grid). Example: `--output-crs bng`
    #[arg(long, value_name = "CRS", default_value = "wgs84")]
    pub output_crs: footprint_ingest::Crs,
}

impl OutputArgs {
    /// The formats, each once in the order given (GeoJSON when none is), and the CRS.
    pub(crate) fn output(&self) -> Output {
        let mut formats = self.formats.clone();
        let mut seen = std::collections::HashSet::new();
        formats.retain(|f| seen.insert(*f));
        if formats.is_empty() {
            formats.push(Format::GeoJson);
        }
        Output { formats, crs: self.output_crs }
    }
}

/// A context flag's value: `NAME=FILE`, the name not one of `msoa_overlap.csv`'s own columns.
fn context_source(s: &str) -> Result<ContextSource, String> {
    use footprint_overlap::write::schema;
    let taken = |name: &str| {
        let name = name.to_ascii_lowercase();
        [schema::MSOA_CODE, schema::MSOA_NAME, schema::POPULATION, "density", "urban_rural"].contains(&name.as_str())
            || schema::AREA_TRAILING.contains(&name.as_str())
            || schema::is_count_column(&name)
    };
    match s.split_once('=') {
        Some((name, _)) if taken(name.trim()) => {
            Err(format!("a context may not be named {:?}: the overlap table has a column of that name", name.trim()))
        }
        Some((name, path)) if !name.trim().is_empty() && !path.is_empty() => {
            Ok(ContextSource { kind: ContextKind::from_name(name.trim()), path: PathBuf::from(path) })
        }
        _ => Err(format!("a context is NAME=FILE (imd=, ruc=, region=, icb= or a name of your own), not {s:?}")),
    }
}

/// A distance in metres: a finite number, 0 or more.
fn distance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if m.is_finite() && m >= 0.0 => Ok(m),
        _ => Err(format!("a distance must be a number of metres, 0 or more, not {s:?}")),
    }
}

impl GeographyArgs {
    /// The area layer, what places LSOAs in it (`placement` when given, else the lookup of --lookup or
    /// the bundled one, read with `columns`) and how the registrations' census is checked; `fixtures` is
    /// the bundled data's folder, if found.
    fn resolve(
        &self,
        fixtures: Option<&std::path::Path>,
        placement: Option<AssignmentSource>,
        columns: LookupColumns,
    ) -> anyhow::Result<(PathBuf, AssignmentSource, VintageRule)> {
        let geography = self.geography.map(Vintage::from);
        let bundled = |what: &str| {
            fixtures.map(|f| bundled_geography(f, geography.unwrap_or(Vintage::Census2011))).ok_or_else(|| {
                anyhow::anyhow!(
                    "the bundled geography (fixtures/england-2011 and fixtures/england-2021) was not found for the {what}; run from the project root or give --areas and --lookup"
                )
            })
        };
        let areas = match &self.areas {
            Some(path) => path.clone(),
            None => bundled("areas")?.0,
        };
        let own_placement = placement.is_some();
        let assignment = match placement {
            Some(placement) => placement,
            None => AssignmentSource::Lookup { path: bundled("lookup")?.1, columns },
        };
        let vintage = match fixtures {
            None if geography.is_some() || self.no_convert => {
                return Err(bundled("census conversion").err().unwrap_or_else(|| anyhow::anyhow!("no fixtures")));
            }
            // Files of the user's own and nothing to check them with: placed as given.
            None => VintageRule::AsGiven,
            Some(f) => VintageRule::Checked {
                geography: geography.or((!own_placement).then_some(Vintage::Census2011)),
                mismatch: if self.no_convert { Mismatch::Refuse } else { Mismatch::Convert },
                conversion: ConversionFiles::bundled(f),
            },
        };
        Ok((areas, assignment, vintage))
    }

    /// The area layer's fields: the code property of --code-field, the name and CRS given.
    fn area_fields(&self, name: Option<String>, crs: Option<footprint_ingest::Crs>) -> AreaFields {
        AreaFields { code: self.code_field.clone(), name, crs, kind: LayerKind::Areas }
    }
}

/// The thresholds, each once, in the order given.
fn distinct(thresholds: &[Threshold]) -> Vec<Threshold> {
    let mut seen = std::collections::HashSet::new();
    thresholds.iter().copied().filter(|t| seen.insert(*t)).collect()
}

impl OverlapArgs {
    /// The job these arguments describe; `fixtures` is the bundled data's folder, if found.
    pub(crate) fn job(&self, fixtures: Option<&std::path::Path>) -> anyhow::Result<OverlapJob> {
        let (areas, assignment, vintage) = self.geography.resolve(fixtures, self.placement(), self.lookup_columns())?;
        Ok(OverlapJob {
            registrations: self.registrations.clone(),
            practices: self.practices.clone(),
            areas,
            area_fields: self.geography.area_fields(self.name_field.clone(), self.crs),
            assignment,
            thresholds: distinct(&self.thresholds),
            footprints: None,
            vintage,
            output: self.output.output(),
            context: with_overrides(
                fixtures
                    .map(|f| bundled_context(f, self.geography.geography.map_or(Vintage::Census2011, Vintage::from)))
                    .unwrap_or_default(),
                self.contexts.clone(),
            ),
            // Set from --cache by the caller.
            prepared: PreparedCache::Off,
        })
    }

    fn lookup_columns(&self) -> LookupColumns {
        LookupColumns { lsoa: self.lookup_lsoa_column.clone(), area: self.lookup_area_column.clone() }
    }

    /// What places LSOAs, when given.
    fn placement(&self) -> Option<AssignmentSource> {
        Some(match (&self.geography.lookup, &self.centroids, &self.lsoa_areas) {
            (Some(path), _, _) => AssignmentSource::Lookup { path: path.clone(), columns: self.lookup_columns() },
            (None, Some(path), _) => {
                let (x, y) = match &self.centroid_xy {
                    Some(xy) => (xy.first().cloned(), xy.get(1).cloned()),
                    None => (None, None),
                };
                AssignmentSource::Centroids {
                    path: path.clone(),
                    columns: CentroidColumns { lsoa: self.centroid_lsoa_column.clone(), x, y },
                    snap_metres: self.snap_metres,
                }
            }
            (None, None, Some(path)) => AssignmentSource::LsoaAreas {
                path: path.clone(),
                fields: AreaFields::default(),
                snap_metres: self.snap_metres,
            },
            (None, None, None) => return None,
        })
    }
}
