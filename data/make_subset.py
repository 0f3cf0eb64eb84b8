#!/usr/bin/env python3
"""Builds data/fashion-mnist-subset/ from the full Fashion-MNIST files.

The subset is the first N_TRAIN training and N_TEST test images with their labels, in the same
gzip-compressed IDX format, written byte-for-byte reproducibly (gzip mtime 0). SOURCES.txt records
the SHA-256 of the full files it came from and of the files it wrote.

    python3 data/make_subset.py [/usr/share/datasets/fashion-mnist]

Standard library only.
"""
import gzip
import hashlib
import os
import struct
import sys

N_TRAIN = 5000
N_TEST = 1000
FILES = [
    ("train-images-idx3-ubyte", N_TRAIN),
    ("train-labels-idx1-ubyte", N_TRAIN),
    ("t10k-images-idx3-ubyte", N_TEST),
    ("t10k-labels-idx1-ubyte", N_TEST),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-subset")
    os.makedirs(out, exist_ok=True)
    lines = [
        "Fashion-MNIST subset: the first %d training and %d test images, made by data/make_subset.py."
        % (N_TRAIN, N_TEST),
        "Fashion-MNIST (c) Zalando SE, MIT licence: https://github.com/zalandoresearch/fashion-mnist",
        "",
        "sources (sha256  file):",
    ]
    written = []
    for stem, n in FILES:
        path = os.path.join(src, stem + ".gz")
        lines.append("%s  %s" % (sha256(path), stem + ".gz"))
        with gzip.open(path, "rb") as f:
            data = f.read()
        zero, dtype, ndims = struct.unpack(">HBB", data[:4])
        assert zero == 0 and dtype == 0x08, "not an unsigned-byte IDX file: " + path
        dims = list(struct.unpack(">" + "I" * ndims, data[4 : 4 + 4 * ndims]))
        item = 1
        for d in dims[1:]:
            item *= d
        header = 4 + 4 * ndims
        body = data[header : header + n * item]
        dims[0] = n
        new = struct.pack(">HBB", 0, 0x08, ndims) + struct.pack(">" + "I" * ndims, *dims) + body
        target = os.path.join(out, stem + ".gz")
        with open(target, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                gz.write(new)
        written.append("%s  %s" % (sha256(target), stem + ".gz"))
    lines += ["", "written (sha256  file):"] + written
    with open(os.path.join(out, "SOURCES.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
