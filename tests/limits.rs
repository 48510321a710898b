//! Sizes and counts beyond what a device, an index or the host can hold are typed errors
//! before anything is allocated — never an abort, a panic, a wrapped size or a run that never
//! ends (issue 14).

mod common;

use brainwgpu::network::{Network, Term, Wiring};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error};

fn lif_net(n: usize, delay: usize) -> Network {
    let mut net = Network::new();
    let a = net.add(LIF::new(n)).unwrap();
    let b = net.add(Expon::new(n)).unwrap();
    net.update(a, Wiring::new());
    net.update(b, Wiring::new().delta(Term::output(a).delayed(delay)));
    net
}

fn limit(e: Error) -> String {
    assert!(
        matches!(
            e,
            Error::LimitExceeded { .. } | Error::InvalidParameter { .. }
        ),
        "{e:?}"
    );
    e.to_string()
}

#[test]
fn huge_sizes_are_refused_before_allocation() {
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu());
    for device in &devices {
        // 1e9 neurons × batch 64: more than the f64 budget or a binding, and than 2^32.
        let text = limit(
            lif_net(1_000_000_000, 0)
                .compile(device, Some(64), 0.1 * ms)
                .err()
                .unwrap(),
        );
        assert!(
            text.contains("elements") || text.contains("limit"),
            "{text}"
        );
        // A batch of 2^40, and one of usize::MAX.
        for batch in [1usize << 40, usize::MAX] {
            let text = limit(
                lif_net(4, 0)
                    .compile(device, Some(batch), 0.1 * ms)
                    .err()
                    .unwrap(),
            );
            assert!(text.contains("batch"), "{text}");
        }
        // An in_size whose product wraps in 64 bits.
        let mut net = Network::new();
        let a = net.add(LIF::new((1usize << 32, 1usize << 32))).unwrap();
        net.update(a, Wiring::new());
        let text = limit(net.compile(device, None, 0.1 * ms).err().unwrap());
        assert!(text.contains("in_size"), "{text}");
        // A delay of 10^7 steps on 4,000 neurons (a 160 GB ring), and one of usize::MAX.
        for delay in [10_000_000, usize::MAX] {
            let text = limit(
                lif_net(4000, delay)
                    .compile(device, None, 0.1 * ms)
                    .err()
                    .unwrap(),
            );
            assert!(text.contains("delayed"), "{text}");
        }
        // A ring within the delay bound but beyond the device: 2^24 steps of 4,000 neurons.
        let text = limit(
            lif_net(4000, 1 << 24)
                .compile(device, None, 0.1 * ms)
                .err()
                .unwrap(),
        );
        assert!(text.contains("delay rings"), "{text}");
    }
}

#[test]
fn the_f64_device_has_a_memory_budget() {
    // A budget set below what the network needs (the variable is read at each compile).
    // SAFETY: the test binary's tests read this variable only here and in the next line.
    unsafe { std::env::set_var("BRAINWGPU_CPU_MEMORY", "1M") };
    let err = lif_net(100_000, 0)
        .compile(&Device::Cpu, None, 0.1 * ms)
        .err();
    unsafe { std::env::remove_var("BRAINWGPU_CPU_MEMORY") };
    let text = limit(err.unwrap());
    assert!(text.contains("f64 device's memory budget"), "{text}");
    // A module alone, likewise, before its states are allocated.
    unsafe { std::env::set_var("BRAINWGPU_CPU_MEMORY", "1M") };
    let err = LIF::new(100_000).init_state(&Device::Cpu, Some(4)).err();
    unsafe { std::env::remove_var("BRAINWGPU_CPU_MEMORY") };
    let text = limit(err.expect("400,000 states in 1 MB"));
    assert!(text.contains("states of LIF"), "{text}");
    assert!(Device::cpu_memory_budget() > 1 << 20);
}

#[test]
fn streams_of_no_values_and_endless_runs_are_refused() {
    let mut net = Network::new();
    assert!(net.external("empty", 0).is_err());
    let ext = net.external("in", 3).unwrap();
    let a = net.add(LIF::new(3)).unwrap();
    net.update(a, Wiring::new().x(Term::external(ext)));
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu());
    for device in &devices {
        let mut sim = net.compile(device, None, 0.1 * ms).unwrap();
        // Fed nothing: an error naming the stream, at once.
        assert!(sim.run(usize::MAX).is_err());
        let mut net2 = Network::new();
        let b = net2.add(LIF::new(3)).unwrap();
        net2.update(b, Wiring::new());
        let mut sim2 = net2.compile(device, None, 0.1 * ms).unwrap();
        let text = limit(sim2.run(usize::MAX).err().unwrap());
        assert!(text.contains("step counter"), "{text}");
        assert_eq!(sim2.clock().step(), 0, "nothing ran");
    }
}
