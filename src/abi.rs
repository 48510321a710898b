//! The Rust side of the WGSL ABIs (`shaders/abi/`), written once: the input modes, whose WGSL
//! constants (`INPUT_*`) are generated from [`InputMode`] and prepended to every module that
//! includes `shared.wgsl`, and the `Sim` record of one model's update, which [`Sim`] builds for
//! both uses — a uniform (element ABI) and a WGSL constant (composed kernels).

use std::fmt::Write;

/// Where an input of a model's update comes from: `Sim.x_mode` and `Sim.d_mode`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputMode {
    /// No input: 0.
    None = 0,
    /// `Sim.x_scalar` / `Sim.d_scalar` for every element.
    Scalar = 1,
    /// The input buffer (`x_in`/`delta_in`; a composed kernel's scratch), one row per sample.
    Rows = 2,
    /// The input buffer, one row shared by every sample.
    SharedRow = 3,
    /// The state buffer (another population's state or output, read in place), one row per
    /// sample.
    StateRows = 4,
    /// The state buffer, one row shared by every sample.
    StateSharedRow = 5,
    /// Fixed-point sums of event-driven projections in `acc`, read and cleared (delta only):
    /// set `k mod Sim.d_slots` of a ring of sets `Sim.d_slot_stride` apart (one set without
    /// transmission delays; two, for even and odd steps, when the sources' updates deliver
    /// their spikes into the next step's set).
    Sums = 6,
    /// Fixed-point sums the workgroup accumulated in workgroup memory (composed kernels,
    /// delta only).
    LocalSums = 7,
    /// Values the statement's projections summed in workgroup memory (`wg_results`, composed
    /// kernels).
    LocalValues = 8,
}

impl InputMode {
    const ALL: [InputMode; 9] = [
        InputMode::None,
        InputMode::Scalar,
        InputMode::Rows,
        InputMode::SharedRow,
        InputMode::StateRows,
        InputMode::StateSharedRow,
        InputMode::Sums,
        InputMode::LocalSums,
        InputMode::LocalValues,
    ];

    /// Its WGSL constant.
    pub(crate) fn wgsl_name(self) -> &'static str {
        match self {
            InputMode::None => "INPUT_NONE",
            InputMode::Scalar => "INPUT_SCALAR",
            InputMode::Rows => "INPUT_ROWS",
            InputMode::SharedRow => "INPUT_SHARED_ROW",
            InputMode::StateRows => "INPUT_STATE_ROWS",
            InputMode::StateSharedRow => "INPUT_STATE_SHARED_ROW",
            InputMode::Sums => "INPUT_SUMS",
            InputMode::LocalSums => "INPUT_LOCAL_SUMS",
            InputMode::LocalValues => "INPUT_LOCAL_VALUES",
        }
    }
}

/// The WGSL declarations generated from this module: one `const INPUT_…: u32` per mode.
pub(crate) fn wgsl_constants() -> String {
    let mut out = String::from("// Generated from src/abi.rs: the input modes of `Sim`.\n");
    for m in InputMode::ALL {
        let _ = writeln!(out, "const {}: u32 = {}u;", m.wgsl_name(), m as u32);
    }
    out
}

/// The event tables' constants, for the kernels that deliver spikes (both executors).
pub(crate) fn event_constants() -> String {
    format!(
        "// Generated from src/abi.rs: an event table whose rows differ in length, one whose
// synapses each have their own delay, and the degree flag of procedural connectivity.
const VARIABLE_DEGREE: u32 = {}u;
const PER_SYNAPSE_DELAY: u32 = {}u;
const PROCEDURAL: u32 = {}u;
",
        crate::network::VARIABLE_DEGREE,
        crate::network::PER_SYNAPSE_DELAY,
        crate::network::PROCEDURAL,
    )
}

/// An f32 as a WGSL constant, exactly (its bits).
pub(crate) fn wgsl_f32(x: f32) -> String {
    format!("bitcast<f32>({:#x}u)", x.to_bits())
}

/// One input of an update as `Sim` holds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SimInput {
    pub mode: InputMode,
    /// Where its values start (a buffer offset, or a sum's place).
    pub offset: usize,
    /// Its value when `mode` is [`InputMode::Scalar`].
    pub scalar: f64,
    /// `x`: what the offset advances per step of a run (input streams uploaded for many
    /// steps). `delta`: unused.
    pub step: usize,
    /// `delta` sums: the parameter holding the value of one count of each element's sum.
    /// `x`: unused.
    pub unit_param: usize,
    /// `delta` sums: the sets of the ring of sums (1: one set) and their distance.
    pub slots: usize,
    pub slot_stride: usize,
}

impl SimInput {
    /// An input in `mode` at `offset`.
    pub(crate) fn at(mode: InputMode, offset: usize) -> SimInput {
        SimInput {
            mode,
            offset,
            scalar: 0.0,
            step: 0,
            unit_param: 0,
            slots: 1,
            slot_stride: 0,
        }
    }

    /// No input.
    pub(crate) const NONE: SimInput = SimInput {
        mode: InputMode::None,
        offset: 0,
        scalar: 0.0,
        step: 0,
        unit_param: 0,
        slots: 1,
        slot_stride: 0,
    };

    /// The same value for every element.
    pub(crate) fn scalar(v: f64) -> SimInput {
        SimInput {
            scalar: v,
            ..SimInput::at(InputMode::Scalar, 0)
        }
    }
}

/// The `Sim` record of `shaders/abi/shared.wgsl`, field for field.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Sim {
    pub n: u32,
    pub total: u32,
    pub stride: u32,
    pub state_base: u32,
    pub out_offset: u32,
    pub channels: u32,
    pub x_mode: u32,
    pub x_offset: u32,
    pub x_scalar: f32,
    pub x_n: u32,
    pub x_step: u32,
    pub d_mode: u32,
    pub d_offset: u32,
    pub d_scalar: f32,
    pub d_unit: u32,
    pub params_base: u32,
    pub channels_base: u32,
    pub d_slot_stride: u32,
    pub d_slots: u32,
    pub _pad: u32,
}

impl Sim {
    /// The inputs `x` (rows of `x_n` values) and `delta` set on this record.
    pub(crate) fn with_inputs(mut self, x: SimInput, x_n: usize, delta: SimInput) -> Sim {
        self.x_mode = x.mode as u32;
        self.x_offset = x.offset as u32;
        self.x_scalar = x.scalar as f32;
        self.x_n = x_n as u32;
        self.x_step = x.step as u32;
        self.d_mode = delta.mode as u32;
        self.d_offset = delta.offset as u32;
        self.d_scalar = delta.scalar as f32;
        self.d_unit = delta.unit_param as u32;
        self.d_slots = delta.slots.max(1) as u32;
        self.d_slot_stride = delta.slot_stride as u32;
        self
    }

    /// The record as a WGSL constructor (composed kernels), its values (`x_scalar`,
    /// `d_scalar`) as `value` writes them (a literal, or a read of the table where values are
    /// not folded).
    pub(crate) fn wgsl_with(&self, value: &mut dyn FnMut(f32) -> String) -> String {
        let (x_scalar, d_scalar) = (value(self.x_scalar), value(self.d_scalar));
        format!(
            "Sim({}u, {}u, {}u, {}u, {}u, {}u, {}u, {}u, {}, {}u, {}u, {}u, {}u, {}, {}u, {}u, {}u, {}u, {}u, 0u)",
            self.n,
            self.total,
            self.stride,
            self.state_base,
            self.out_offset,
            self.channels,
            self.x_mode,
            self.x_offset,
            x_scalar,
            self.x_n,
            self.x_step,
            self.d_mode,
            self.d_offset,
            d_scalar,
            self.d_unit,
            self.params_base,
            self.channels_base,
            self.d_slot_stride,
            self.d_slots,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wgsl_constants_number_the_modes_as_the_enum_does() {
        let c = wgsl_constants();
        assert!(c.contains("const INPUT_NONE: u32 = 0u;"));
        assert!(c.contains("const INPUT_LOCAL_VALUES: u32 = 8u;"));
        assert_eq!(c.matches("const INPUT_").count(), InputMode::ALL.len());
        for (i, m) in InputMode::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
    }

    #[test]
    fn the_record_has_the_wgsl_struct_s_twenty_words_in_its_order() {
        assert_eq!(std::mem::size_of::<Sim>(), 80);
        let sim = Sim {
            n: 1,
            total: 2,
            ..Sim::default()
        }
        .with_inputs(
            SimInput::scalar(0.5),
            3,
            SimInput {
                slots: 2,
                slot_stride: 18,
                unit_param: 7,
                ..SimInput::at(InputMode::Sums, 4)
            },
        );
        let words: Vec<String> = sim.wgsl_with(&mut wgsl_f32)["Sim(".len()..]
            .trim_end_matches(')')
            .split(", ")
            .map(String::from)
            .collect();
        assert_eq!(words.len(), 20);
        assert_eq!(words[0], "1u");
        assert_eq!(words[6], format!("{}u", InputMode::Scalar as u32));
        assert_eq!(words[8], format!("bitcast<f32>({:#x}u)", 0.5f32.to_bits()));
        assert_eq!(words[9], "3u");
        assert_eq!(words[11], "6u");
        assert_eq!(words[14], "7u");
        assert_eq!(words[17], "18u");
        assert_eq!(words[18], "2u");
    }
}

/// A value one word of a communication kernel's configuration holds.
pub(crate) trait CfgWord: Copy {
    /// Its WGSL type.
    const WGSL: &'static str;
    /// Its bits.
    fn bits(self) -> u32;
    /// The WGSL that reads it from word `w` of `cfg`.
    fn read(w: usize) -> String;
}

impl CfgWord for u32 {
    const WGSL: &'static str = "u32";
    fn bits(self) -> u32 {
        self
    }
    fn read(w: usize) -> String {
        format!("cfg.w{w}")
    }
}

impl CfgWord for i32 {
    const WGSL: &'static str = "i32";
    fn bits(self) -> u32 {
        self as u32
    }
    fn read(w: usize) -> String {
        format!("bitcast<i32>(cfg.w{w})")
    }
}

impl CfgWord for f32 {
    const WGSL: &'static str = "f32";
    fn bits(self) -> u32 {
        self.to_bits()
    }
    fn read(w: usize) -> String {
        format!("bitcast<f32>(cfg.w{w})")
    }
}

impl CfgWord for bool {
    const WGSL: &'static str = "bool";
    fn bits(self) -> u32 {
        self as u32
    }
    fn read(w: usize) -> String {
        format!("cfg.w{w} != 0u")
    }
}

/// The configurations of the communication kernels (`shaders/comm/`), each a struct here whose
/// fields fill `cfg` from word 0 in order (twelve at most; words 12–14 describe the source, see
/// `source_base`), and in WGSL one accessor per field, `<prefix>_<field>()`, generated from the
/// same list — so the kernels read their words by name and the two sides cannot disagree.
macro_rules! comm_cfg {
    ($($(#[$doc:meta])* $ty:ident $prefix:literal { $($field:ident: $kind:ty),* $(,)? })*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, Default, PartialEq)]
            pub(crate) struct $ty {
                $(pub $field: $kind),*
            }

            const _: () = assert!([$(stringify!($field)),*].len() <= 12);

            impl $ty {
                /// The sixteen words of `cfg`, with the source's words (ring depth, delay and
                /// slot length, or a stream's values per step) in w12..w14.
                pub(crate) fn words(&self, source: [u32; 3]) -> [u32; 16] {
                    let mut w = [0u32; 16];
                    let fields = [$(CfgWord::bits(self.$field)),*];
                    w[..fields.len()].copy_from_slice(&fields);
                    w[12..15].copy_from_slice(&source);
                    w
                }
            }
        )*

        /// The WGSL accessors of every configuration's fields.
        pub(crate) fn comm_cfg_wgsl() -> String {
            let mut out = String::from(
                "// Generated from src/abi.rs: the configuration words by name.\n\
                 fn source_depth() -> u32 { return cfg.w12; }\n\
                 fn source_delay() -> u32 { return cfg.w13; }\n\
                 fn source_step() -> u32 { return cfg.w14; }\n",
            );
            $(
                let mut word = 0usize;
                $(
                    let _ = writeln!(
                        out,
                        "fn {}_{}() -> {} {{ return {}; }}",
                        $prefix,
                        stringify!($field),
                        <$kind as CfgWord>::WGSL,
                        <$kind as CfgWord>::read(word),
                    );
                    word += 1;
                )*
                let _ = word;
            )*
            out
        }
    };
}

comm_cfg! {
    /// `dense` and `dense_tiled` (`shaders/comm/dense.wgsl`).
    DenseCfg "dense" {
        n_in: u32, n_out: u32, rows: u32, src_base: u32, src_pitch: u32, dst: u32,
        accumulate: bool, scale: f32, bias: bool, dst_pitch: u32, per_row: bool,
        row_scales: u32,
    }
    /// `axpy` (`shaders/comm/copy.wgsl`).
    AxpyCfg "axpy" {
        count: u32, rows: u32, src_base: u32, src_pitch: u32, dst: u32, accumulate: bool,
        scale: f32, from_constant: bool, constant: f32, dst_pitch: u32, per_row: bool,
    }
    /// `event_fixed` (`shaders/comm/event.wgsl`).
    EventCfg "event" {
        n_pre: u32, k: u32, rows: u32, src_base: u32, src_pitch: u32, sums: u32, n_post: u32,
        weight: i32, per_synapse: bool, synapses: u32, slots: u32, delay: u32,
    }
    /// `poisson_drive` (`shaders/comm/poisson.wgsl`).
    PoissonCfg "poisson" {
        n: u32, rows: u32, sums: u32, slots: u32, set: u32, weight: i32, per_target: bool,
        first: u32, len: u32,
        key0: u32, key1: u32,
    }
    /// `ring_store` (`shaders/comm/copy.wgsl`).
    RingCfg "ring" { n: u32, src: u32, dst: u32, depth: u32 }
    /// `spike_bits` (`shaders/comm/monitor.wgsl`).
    SpikeBitsCfg "bits" { n: u32, rows: u32, src_base: u32, src_pitch: u32, dst: u32, words: u32 }
    /// `sample_state` (`shaders/comm/monitor.wgsl`); `first` is rewritten before each run.
    SampleCfg "sample" { n: u32, src: u32, dst: u32, every: u32, first: u32, shift: u32, indexed: bool }
    /// `spike_count` (`shaders/comm/monitor.wgsl`).
    CountCfg "count" { n: u32, rows: u32, src: u32 }
}

#[cfg(test)]
mod cfg_tests {
    use super::*;

    #[test]
    fn fields_fill_the_words_in_order_and_the_accessors_read_them() {
        let w = EventCfg {
            n_pre: 3,
            weight: -2,
            per_synapse: true,
            ..EventCfg::default()
        }
        .words([7, 8, 9]);
        assert_eq!(w[0], 3);
        assert_eq!(w[7], (-2i32) as u32);
        assert_eq!(w[8], 1);
        assert_eq!(&w[12..15], &[7, 8, 9]);
        let wgsl = comm_cfg_wgsl();
        assert!(wgsl.contains("fn event_weight() -> i32 { return bitcast<i32>(cfg.w7); }"));
        assert!(wgsl.contains("fn dense_scale() -> f32 { return bitcast<f32>(cfg.w7); }"));
        assert!(wgsl.contains("fn axpy_accumulate() -> bool { return cfg.w5 != 0u; }"));
        assert!(wgsl.contains("fn sample_first() -> u32 { return cfg.w4; }"));
    }
}
