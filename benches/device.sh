#!/bin/sh
# The benchmark run for a GPU machine lent through the workplace's `device` tool, which has no
# network and only the files carried to it (BENCHMARKS.md, "Measuring on a GPU").
#
#   sh benches/device.sh prepare        here: build the bench and the GPU-tier test binaries and
#                                       gather them, the Vulkan loader, BrainPy's benchmark and
#                                       its wheels into .gpubin/
#   sh benches/device.sh run [ARGS]     there, with `.gpubin` carried: our table (ARGS go to the
#                                       bench example), the fused cases at other workgroup
#                                       sizes, BrainPy's on the same card, then the GPU-tier
#                                       tests on the card in the time left (goldens included;
#                                       one summary line each); the JSON files and tests.log
#                                       land in $OUT (at most 8 come back)
set -eu

shared=${SHARED:-../shared}

case "${1:-}" in
prepare)
    cargo build --release --example bench
    rm -rf .gpubin
    mkdir -p .gpubin/wheels .gpubin/tests
    cp target/release/examples/bench .gpubin/
    # The test binaries that run on the GPU tier, stripped and packed (they find tests/data
    # under the working directory, which the device's copy of the tree has).
    cargo test --release --no-run --message-format=json 2>/dev/null |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "test" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])
' | while read -r name exe; do
        case "$name" in
        network | conformance | gpu_models | inputs_and_currents | user_models | f32_rule)
            cp "$exe" ".gpubin/tests/$name" && strip ".gpubin/tests/$name"
            ;;
        esac
    done
    tar -czf .gpubin/tests.tar.gz -C .gpubin tests && rm -rf .gpubin/tests
    cp "$shared"/gpu/vulkan-loader/libvulkan1_*.deb .gpubin/
    cp "$shared"/baselines/bench_brainpy.py .gpubin/
    cp "$shared"/baselines/wheels/*.whl .gpubin/wheels/
    git rev-parse --short HEAD >.gpubin/COMMIT
    if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
        echo "(uncommitted changes)" >>.gpubin/COMMIT
    fi
    du -sh .gpubin
    ;;
run)
    shift
    start=$(date +%s)
    out=${OUT:-.}
    for f in .gpubin/*.deb; do dpkg -x "$f" /; done
    ldconfig
    icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then
        export VK_DRIVER_FILES="$icd"
    fi
    echo "commit: $(cat .gpubin/COMMIT)"
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader || true
    WGPU_BACKEND=vulkan .gpubin/bench --json "$out/bench.json" "$@" || echo "bench: exit $?"
    # The fused cases again with 1024 and 128 invocations per workgroup (256 is the default).
    for wg in 1024 128; do
        for case in "coba 4000" "ff batch"; do
            name=$(echo "$case" | cut -d' ' -f1)
            WGPU_BACKEND=vulkan .gpubin/bench --case "$case" --executor "fused:$wg" \
                --seconds "${WG_SECONDS:-0.5}" --json "$out/bench-$name-wg$wg.json" "$@" |
                grep -E "fused|refused" || true
        done
    done
    if python3 -c "import jax" 2>/dev/null; then
        python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpubin/wheels/*.whl ||
            echo "pip: exit $?"
        PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 python3 .gpubin/bench_brainpy.py --mode gpu \
            --deadline "${BRAINPY_SECONDS:-240}" --json "$out/brainpy.json" || echo "brainpy: exit $?"
    else
        echo "no jax on this machine: BrainPy's benchmark skipped"
    fi
    # Correctness on this card, in the time left of TOTAL_SECONDS (default 560, inside the
    # device call's 600): every GPU-tier test binary, CI=1 so that no adapter is a failure.
    if [ -f .gpubin/tests.tar.gz ]; then
        mkdir -p /tmp/gpu-tests && tar -xzf .gpubin/tests.tar.gz -C /tmp/gpu-tests
        for t in /tmp/gpu-tests/tests/*; do
            name=$(basename "$t")
            left=$((${TOTAL_SECONDS:-560} - $(date +%s) + start))
            if [ "$left" -lt 30 ]; then
                echo "tests $name: skipped, ${left} s left"
                continue
            fi
            rc=0
            CI=1 WGPU_BACKEND=vulkan timeout $((left - 10)) "$t" >/tmp/gpu-tests/log 2>&1 || rc=$?
            { echo "=== $name: exit $rc"; cat /tmp/gpu-tests/log; } >>"$out/tests.log"
            echo "tests $name: exit $rc; $(grep -E '^test result' /tmp/gpu-tests/log | tail -1)"
            grep -E '^test .* FAILED$|panicked at' /tmp/gpu-tests/log | head -5 || true
        done
    fi
    ;;
*)
    echo "usage: sh benches/device.sh prepare | run [bench arguments]" >&2
    exit 2
    ;;
esac
