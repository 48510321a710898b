//! Figures of a run, drawn with [plotters](https://docs.rs/plotters): spike rasters
//! (populations stacked, each in its colour and named on the neuron axis, the population rates
//! under them), state traces, and population-rate histograms. A figure is a PNG or an SVG, as
//! the file's extension says. Text is set in DejaVu Sans, built in (no system fonts needed).
//!
//! ```no_run
//! # fn main() -> brainwgpu::Result<()> {
//! use brainwgpu::network::classic::Coba;
//! use brainwgpu::plot::Raster;
//! use brainwgpu::prelude::*;
//!
//! let coba = Coba::new(4000).build()?;
//! let mut sim = coba.network.compile(&Device::Cpu, None, 0.1 * ms)?;
//! let spikes = sim.monitor_spikes(coba.neurons)?;
//! sim.run(1000)?;
//! let record = sim.spikes(spikes)?;
//! Raster::new()
//!     .population(&record, "E", 0..3200)
//!     .population(&record, "I", 3200..4000)
//!     .title("COBA, 4,000 neurons")
//!     .write("raster.svg")?;
//! # Ok(())
//! # }
//! ```

use std::ops::Range;
use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::network::{SpikeRecord, StateRecord};

/// The colour of the `i`th population or trace.
fn colour(i: usize) -> RGBColor {
    const COLOURS: [RGBColor; 8] = [
        RGBColor(31, 80, 160),
        RGBColor(200, 40, 40),
        RGBColor(40, 140, 60),
        RGBColor(230, 130, 20),
        RGBColor(120, 60, 160),
        RGBColor(20, 150, 160),
        RGBColor(150, 90, 40),
        RGBColor(90, 90, 90),
    ];
    COLOURS[i % COLOURS.len()]
}

const FONT: &str = "sans-serif";

/// Registers the built-in font once (plotters draws text with fonts registered by name).
fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font: registration cannot fail.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// A figure that can be drawn on any plotters backend.
trait Figure {
    /// Its size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws it; errors as text.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

/// Writes `figure` to `path`: a PNG for `.png`, an SVG for `.svg`.
fn write(figure: &impl Figure, path: &Path) -> Result<()> {
    fonts();
    let failed = |reason: String| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(reason),
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("png") => {
            let area = BitMapBackend::new(path, figure.size()).into_drawing_area();
            figure.draw(&area).map_err(failed)?;
            area.present().map_err(|e| failed(e.to_string()))
        }
        Some("svg") => {
            let area = SVGBackend::new(path, figure.size()).into_drawing_area();
            figure.draw(&area).map_err(failed)?;
            area.present().map_err(|e| failed(e.to_string()))
        }
        _ => Err(Error::invalid(
            "a figure",
            "path",
            path.display(),
            "must end in .png or .svg",
        )),
    }
}

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The series' labels in a box at the upper right, as every figure shows them.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(text)
}

/// One population of a [`Raster`]: a record and the neurons of it to draw.
struct Population<'a> {
    record: &'a SpikeRecord,
    label: String,
    neurons: Range<usize>,
}

impl Population<'_> {
    fn len(&self) -> usize {
        self.neurons.len()
    }
}

/// A spike raster: time to the right, the populations stacked top to bottom in the order they
/// were added (each in its colour, named on the neuron axis; at most
/// [`per_population`](Raster::per_population) evenly spaced neurons of each), and under it the
/// population rate of each in bins of [`bin_ms`](Raster::bin_ms).
pub struct Raster<'a> {
    populations: Vec<Population<'a>>,
    row: usize,
    per_population: usize,
    bin_ms: Option<f64>,
    title: Option<String>,
    size: (u32, u32),
}

impl Default for Raster<'_> {
    fn default() -> Self {
        Raster {
            populations: Vec::new(),
            row: 0,
            per_population: 400,
            bin_ms: None,
            title: None,
            size: (1200, 800),
        }
    }
}

impl<'a> Raster<'a> {
    /// An empty raster.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `neurons` of `record` as a population named `label` (a record may give several:
    /// the excitatory and inhibitory parts of one, say).
    pub fn population(
        mut self,
        record: &'a SpikeRecord,
        label: impl Into<String>,
        neurons: Range<usize>,
    ) -> Self {
        self.populations.push(Population {
            record,
            label: label.into(),
            neurons,
        });
        self
    }

    /// Adds every neuron of `record`, named as its population.
    pub fn record(self, record: &'a SpikeRecord) -> Self {
        let name = record.name.clone();
        self.population(record, name, 0..record.n)
    }

    /// Which sample (batch row) to draw (default 0).
    pub fn row(mut self, row: usize) -> Self {
        self.row = row;
        self
    }

    /// At most this many neurons of each population, evenly spaced (default 400).
    pub fn per_population(mut self, n: usize) -> Self {
        self.per_population = n.max(1);
        self
    }

    /// The width of the rate histogram's bins in ms (default: the run in about 200 bins, a
    /// whole number of steps).
    pub fn bin_ms(mut self, ms: f64) -> Self {
        self.bin_ms = Some(ms);
        self
    }

    /// A title above the raster.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The figure's size in pixels (default 1200 × 800).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(200), height.max(200));
        self
    }

    /// Writes the figure: a PNG or an SVG, as `path`'s extension says.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        if self.populations.is_empty() {
            return Err(Error::invalid(
                "a raster",
                "populations",
                0,
                "add at least one population",
            ));
        }
        for p in &self.populations {
            if p.neurons.end > p.record.n || p.neurons.is_empty() {
                return Err(Error::shape(
                    format!("the neurons of raster population `{}`", p.label),
                    format!("a non-empty range within 0..{}", p.record.n),
                    format!("{:?}", p.neurons),
                ));
            }
            if self.row >= p.record.rows {
                return Err(Error::invalid(
                    "a raster",
                    "row",
                    self.row,
                    format!("`{}` has {} rows", p.label, p.record.rows),
                ));
            }
        }
        if let Some(bin) = self.bin_ms
            && !(bin.is_finite() && bin > 0.0)
        {
            return Err(Error::invalid(
                "a raster",
                "bin_ms",
                bin,
                "must be positive",
            ));
        }
        write(self, path.as_ref())
    }

    /// The time axis: the first and last recorded step's times, in ms, and dt.
    fn span(&self) -> (f64, f64, f64) {
        let first = self.populations[0].record;
        let dt = first.dt_ms();
        let t0 = self
            .populations
            .iter()
            .map(|p| p.record.first_step as f64 * p.record.dt_ms())
            .fold(f64::INFINITY, f64::min);
        let t1 = self
            .populations
            .iter()
            .map(|p| (p.record.first_step as usize + p.record.steps()) as f64 * p.record.dt_ms())
            .fold(f64::NEG_INFINITY, f64::max);
        (t0, t1.max(t0 + dt), dt)
    }
}

impl Figure for Raster<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        area.fill(&WHITE).map_err(text)?;
        let (t0, t1, dt) = self.span();
        let (top, bottom) = area.split_vertically((self.size.1 as f64 * 0.72) as u32);
        // Rows of the raster, population 0 at the top.
        let strides: Vec<usize> = self
            .populations
            .iter()
            .map(|p| p.len().div_ceil(self.per_population).max(1))
            .collect();
        let heights: Vec<usize> = self
            .populations
            .iter()
            .zip(&strides)
            .map(|(p, s)| p.len().div_ceil(*s))
            .collect();
        let total: usize = heights.iter().sum();
        let mut bases = Vec::new();
        let mut base = total;
        for h in &heights {
            base -= h;
            bases.push(base);
        }
        let every = strides.iter().max().copied().unwrap_or(1);
        let mut builder = ChartBuilder::on(&top);
        builder
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(90);
        if let Some(title) = &self.title {
            builder.caption(title, (FONT, 22));
        }
        let mut chart = builder
            .build_cartesian_2d(t0..t1, 0.0..total as f64)
            .map_err(text)?;
        let y_desc = if every > 1 {
            "neurons (evenly spaced subsample)".to_string()
        } else {
            "neurons".to_string()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time (ms)")
            .y_desc(y_desc)
            .y_labels(0)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(text)?;
        for (i, p) in self.populations.iter().enumerate() {
            let c = colour(i);
            let spikes = p.record.events().into_iter().filter_map(|(step, row, j)| {
                let k = j.checked_sub(p.neurons.start)?;
                (row == self.row && j < p.neurons.end && k % strides[i] == 0).then(|| {
                    let t = (p.record.first_step as usize + step) as f64 * dt;
                    (t, (bases[i] + heights[i] - 1 - k / strides[i]) as f64 + 0.5)
                })
            });
            chart
                .draw_series(spikes.map(|xy| Circle::new(xy, 1, c.filled())))
                .map_err(text)?;
        }
        // Each population's name, in its colour, on the neuron axis at the middle of its band.
        for (i, p) in self.populations.iter().enumerate() {
            let middle = bases[i] as f64 + heights[i] as f64 / 2.0;
            let (x, y) = chart.backend_coord(&(t0, middle));
            let c = colour(i);
            let style = TextStyle::from((FONT, 16))
                .color(&c)
                .pos(Pos::new(HPos::Right, VPos::Center));
            top.draw(&Text::new(p.label.clone(), (x - 8, y), style))
                .map_err(text)?;
        }
        // A line between populations (the bottom of each but the last).
        for &b in &bases[..bases.len() - 1] {
            let y = b as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(t0, y), (t1, y)],
                    RGBColor(170, 170, 170),
                )))
                .map_err(text)?;
        }
        // The population rates.
        let steps = ((t1 - t0) / dt).round().max(1.0) as usize;
        let bin = match self.bin_ms {
            Some(ms) => ((ms / dt).round() as usize).max(1),
            None => steps.div_ceil(200).max(1),
        };
        let series: Vec<Vec<(f64, f64)>> = self
            .populations
            .iter()
            .map(|p| population_rate(p, self.row, t0, dt, steps, bin))
            .collect();
        let peak = series
            .iter()
            .flatten()
            .map(|p| p.1)
            .fold(0.0, f64::max)
            .max(1.0);
        let mut rates = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(t0..t1, 0.0..peak * 1.1)
            .map_err(text)?;
        rates
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(5)
            .light_line_style(WHITE)
            .x_desc("time (ms)")
            .y_desc(format!("rate (Hz), {} ms bins", bin as f64 * dt))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(text)?;
        for (i, (p, points)) in self.populations.iter().zip(series).enumerate() {
            let c = colour(i);
            rates
                .draw_series(LineSeries::new(points, c.stroke_width(2)))
                .map_err(text)?
                .label(p.label.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        legend(&mut rates)
    }
}

/// A population's rate in Hz as a step histogram: bins of `bin` steps from `t0`.
fn population_rate(
    p: &Population<'_>,
    row: usize,
    t0: f64,
    dt: f64,
    steps: usize,
    bin: usize,
) -> Vec<(f64, f64)> {
    let first = (p.record.first_step as f64 * dt - t0).round().max(0.0) as usize;
    let mut counts = vec![0usize; steps.div_ceil(bin)];
    for (step, r, j) in p.record.events() {
        if r == row && p.neurons.contains(&j) {
            let b = (first + step) / bin;
            if b < counts.len() {
                counts[b] += 1;
            }
        }
    }
    let per = p.len() as f64 * bin as f64 * dt * 1e-3;
    let mut points = Vec::with_capacity(2 * counts.len());
    for (b, &c) in counts.iter().enumerate() {
        let (lo, hi) = (
            t0 + (b * bin) as f64 * dt,
            t0 + ((b + 1) * bin).min(steps) as f64 * dt,
        );
        let rate = c as f64 / per;
        points.push((lo, rate));
        points.push((hi, rate));
    }
    points
}

/// State traces: a sampled state of some neurons over time, one line each.
pub struct Traces<'a> {
    record: &'a StateRecord,
    row: usize,
    neurons: Vec<usize>,
    title: Option<String>,
    unit: Option<String>,
    size: (u32, u32),
}

impl<'a> Traces<'a> {
    /// The traces of `record`: its first (at most) 8 sampled neurons of sample 0.
    pub fn new(record: &'a StateRecord) -> Self {
        Traces {
            record,
            row: 0,
            neurons: record.neurons.iter().copied().take(8).collect(),
            title: None,
            unit: None,
            size: (1000, 500),
        }
    }

    /// The neurons to draw (population indices, each one the record sampled).
    pub fn neurons(mut self, neurons: &[usize]) -> Self {
        self.neurons = neurons.to_vec();
        self
    }

    /// Which sample (batch row) to draw (default 0).
    pub fn row(mut self, row: usize) -> Self {
        self.row = row;
        self
    }

    /// A title above the traces.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The unit of the state, for the axis (`"mV"`, say).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// The figure's size in pixels (default 1000 × 500).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(200), height.max(200));
        self
    }

    /// Writes the figure: a PNG or an SVG, as `path`'s extension says.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let r = self.record;
        if self.neurons.is_empty() {
            return Err(Error::invalid(
                "traces",
                "neurons",
                0,
                "name at least one neuron",
            ));
        }
        if let Some(j) = self.neurons.iter().find(|j| !r.neurons.contains(j)) {
            return Err(Error::invalid(
                "traces",
                "neuron",
                j,
                format!("the record of `{}` samples {:?}", r.name, r.neurons),
            ));
        }
        if self.row >= r.rows {
            return Err(Error::invalid(
                "traces",
                "row",
                self.row,
                format!("the record has {} rows", r.rows),
            ));
        }
        if r.steps.is_empty() {
            return Err(Error::invalid(
                "traces",
                "record",
                "empty",
                "record some steps first",
            ));
        }
        write(self, path.as_ref())
    }

    /// The samples of neuron `j` as (time in ms, value).
    fn line(&self, j: usize) -> Vec<(f64, f64)> {
        let r = self.record;
        let at = r.neurons.iter().position(|&x| x == j).unwrap_or(0);
        r.steps
            .iter()
            .enumerate()
            .map(|(s, &k)| {
                (
                    k as f64 * r.dt_ms(),
                    r.values[(s * r.rows + self.row) * r.n + at],
                )
            })
            .collect()
    }
}

impl Figure for Traces<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        area.fill(&WHITE).map_err(text)?;
        let lines: Vec<(usize, Vec<(f64, f64)>)> =
            self.neurons.iter().map(|&j| (j, self.line(j))).collect();
        let all = || lines.iter().flat_map(|(_, l)| l.iter());
        let (t0, t1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let (lo, hi) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let mut builder = ChartBuilder::on(area);
        builder
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70);
        if let Some(title) = &self.title {
            builder.caption(title, (FONT, 20));
        }
        let mut chart = builder
            .build_cartesian_2d(t0..t1.max(t0 + 1e-9), (lo - pad)..(hi + pad))
            .map_err(text)?;
        let var = &self.record.var;
        let y_desc = match &self.unit {
            Some(u) => format!("`{var}` of {} ({u})", self.record.name),
            None => format!("`{var}` of {}", self.record.name),
        };
        chart
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .x_desc("time (ms)")
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(text)?;
        for (i, (j, line)) in lines.into_iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(line, c.stroke_width(2)))
                .map_err(text)?
                .label(format!("neuron {j}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        legend(&mut chart)
    }
}
