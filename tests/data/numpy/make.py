"""Writes the .npy/.npz files tests/npy_formats.rs reads: one array per dtype numpy writes,
in both byte orders, C and Fortran order, 0-d and empty arrays, and archives from np.savez and
np.savez_compressed. Run with numpy installed:  python tests/data/numpy/make.py
Each array's values are its flat C-order index (as the dtype holds it), so the reader's
result is known without numpy; `manifest.txt` lists file, dtype and shape."""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPE = (2, 3, 4)
manifest = []


def values(dtype, shape):
    n = int(np.prod(shape))
    if np.dtype(dtype).kind == "b":
        return (np.arange(n) % 3 == 0).reshape(shape)
    if np.dtype(dtype).kind == "U":
        return np.array([f"s{i}é" for i in range(n)], dtype=dtype).reshape(shape)
    return np.arange(n).astype(dtype).reshape(shape)


def save(name, array):
    np.save(os.path.join(HERE, name), array)
    order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    manifest.append(f"{name}.npy {array.dtype.str} {order} {','.join(map(str, array.shape))}")


for kind in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
    for order in "<>":
        dtype = order + kind if kind[1] != "1" else "|" + kind
        if kind[1] == "1" and order == ">":
            continue
        a = values(dtype, SHAPE)
        tag = {"<": "le", ">": "be", "|": "le"}[dtype[0]]
        save(f"{kind}_{tag}_c", a)
        save(f"{kind}_{tag}_f", np.asfortranarray(a))
save("b1_c", values("|b1", SHAPE))
save("b1_f", np.asfortranarray(values("|b1", SHAPE)))
save("U4_c", values("<U4", (2, 3)))
save("U4_be_f", np.asfortranarray(values(">U4", (2, 3))))
save("f8_0d", np.array(2.5))
save("i4_0d", np.array(7, dtype="<i4"))
save("f4_empty", np.zeros((0, 3), dtype="<f4"))
a = values("<f8", SHAPE)
np.savez(os.path.join(HERE, "plain.npz"), a=a, b=np.asfortranarray(values(">i2", SHAPE)))
np.savez_compressed(os.path.join(HERE, "compressed.npz"), a=a, h=values("<f2", SHAPE))
manifest.append("plain.npz a <f8 C 2,3,4; b >i2 F 2,3,4")
manifest.append("compressed.npz a <f8 C 2,3,4; h <f2 C 2,3,4")
with open(os.path.join(HERE, "manifest.txt"), "w") as f:
    f.write("\n".join(manifest) + "\n")
