//! Figures: rasters and traces written as PNG and SVG with labelled axes, and bad requests
//! refused with typed errors before anything is drawn.

use brainwgpu::network::classic::Coba;
use brainwgpu::network::{Sampling, SpikeRecord, StateRecord};
use brainwgpu::plot::{Raster, Traces};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error};

fn run() -> (SpikeRecord, StateRecord) {
    let coba = Coba::new(200).build().unwrap();
    let mut sim = coba.network.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
    let spikes = sim.monitor_spikes(coba.neurons).unwrap();
    let v = sim
        .monitor_state_with(
            coba.neurons,
            "V",
            &Sampling::every(1).neurons(vec![3, 7, 150]),
        )
        .unwrap();
    sim.run(600).unwrap();
    (
        sim.spikes(spikes).unwrap().clone(),
        sim.samples(v).unwrap().clone(),
    )
}

/// PNG width and height from the IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn rasters_and_traces_are_written_with_labelled_axes() {
    let (spikes, v) = run();
    assert!(spikes.count() > 50, "COBA fires: {}", spikes.count());
    let dir = std::env::temp_dir().join(format!("brainwgpu-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let raster = Raster::new()
        .population(&spikes, "Exc", 0..160)
        .population(&spikes, "Inh", 160..200)
        .per_population(50)
        .title("COBA-200");
    raster.write(dir.join("raster.png")).unwrap();
    raster.write(dir.join("raster.svg")).unwrap();
    let png = std::fs::read(dir.join("raster.png")).unwrap();
    assert_eq!(png_size(&png), (1200, 800));
    let svg = std::fs::read_to_string(dir.join("raster.svg")).unwrap();
    for text in [
        "time (ms)",
        "rate (Hz)",
        "Exc",
        "Inh",
        "COBA-200",
        "subsample",
    ] {
        assert!(svg.contains(text), "the SVG raster has no {text:?}");
    }
    // One dot per drawn spike: every 4th excitatory neuron (160 / 50 → stride 4), every
    // inhibitory one.
    let drawn = spikes
        .events()
        .iter()
        .filter(|&&(_, _, j)| if j < 160 { j % 4 == 0 } else { true })
        .count();
    assert_eq!(svg.matches("<circle").count(), drawn);
    let traces = Traces::new(&v).neurons(&[3, 150]).unit("mV").title("V");
    traces.write(dir.join("v.png")).unwrap();
    traces.write(dir.join("v.svg")).unwrap();
    assert_eq!(
        png_size(&std::fs::read(dir.join("v.png")).unwrap()),
        (1000, 500)
    );
    let svg = std::fs::read_to_string(dir.join("v.svg")).unwrap();
    for text in ["time (ms)", "`V` of", "(mV)", "neuron 3", "neuron 150"] {
        assert!(svg.contains(text), "the SVG traces have no {text:?}");
    }
    assert!(!svg.contains("neuron 7"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_figures_are_typed_errors() {
    let (spikes, v) = run();
    let dir = std::env::temp_dir();
    let e = Raster::new().record(&spikes).write(dir.join("raster.jpg"));
    assert!(
        matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "path"),
        "{e:?}"
    );
    let e = Raster::new().write(dir.join("raster.png"));
    assert!(matches!(e, Err(Error::InvalidParameter { .. })), "{e:?}");
    let e = Raster::new()
        .population(&spikes, "E", 150..250)
        .write(dir.join("raster.png"));
    assert!(matches!(e, Err(Error::ShapeMismatch { .. })), "{e:?}");
    let e = Raster::new()
        .record(&spikes)
        .row(1)
        .write(dir.join("raster.png"));
    assert!(
        matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "row"),
        "{e:?}"
    );
    let e = Traces::new(&v).neurons(&[4]).write(dir.join("v.png"));
    assert!(
        matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "neuron"),
        "{e:?}"
    );
    let e = Raster::new()
        .record(&spikes)
        .write(dir.join("no-such-folder").join("raster.png"));
    assert!(matches!(e, Err(Error::Io { .. })), "{e:?}");
}
