#!/bin/sh
# The benchmark run for a GPU machine lent through the workplace's `device` tool, which has no
# network and only the files carried to it (BENCHMARKS.md, "Measuring on a GPU").
#
#   sh benches/device.sh prepare        here: build the bench and gather it, the Vulkan loader,
#                                       BrainPy's benchmark and its wheels into .gpubin/
#   sh benches/device.sh run [ARGS]     there, with `.gpubin` carried: our table (ARGS go to the
#                                       bench example), the fused cases at other workgroup
#                                       sizes, then BrainPy's on the same card; the JSON files
#                                       land in $OUT (at most 8 come back)
set -eu

shared=${SHARED:-../shared}

case "${1:-}" in
prepare)
    cargo build --release --example bench
    rm -rf .gpubin
    mkdir -p .gpubin/wheels
    cp target/release/examples/bench .gpubin/
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
        python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpubin/wheels/*.whl
        PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 python3 .gpubin/bench_brainpy.py --mode gpu \
            --deadline "${BRAINPY_SECONDS:-240}" --json "$out/brainpy.json"
    else
        echo "no jax on this machine: BrainPy's benchmark skipped"
    fi
    ;;
*)
    echo "usage: sh benches/device.sh prepare | run [bench arguments]" >&2
    exit 2
    ;;
esac
