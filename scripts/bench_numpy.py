#!/usr/bin/env python3
"""numpy's im2col reference on convstep bench's workloads, for the README's table.

CS231n's fast layers (conv_forward_im2col / conv_backward_im2col in fast_layers.py):
im2col, one matrix product with BLAS, and col2im for dx; the backward pass reuses the
forward pass's x_cols, as CS231n's cache does. im2col and col2im are written as a loop
over the C*HH*WW taps, each copying (or adding) one shifted slice of the padded image:
the fastest pure-numpy form (CS231n's cython extension does the same work).

Same workload as `convstep bench`: f64, x (1,3,H,W), w (F,3,K,K), stride 1, pad K//2.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/bench_numpy.py \
        --size 128x128,256x256,1024x1024 --filters 8 --repeat 7 [--json]
"""

import argparse
import json
import time

import numpy as np


def im2col(x_pad, hh, ww, h_out, w_out, stride):
    n, c = x_pad.shape[:2]
    cols = np.empty((c * hh * ww, n * h_out * w_out))
    row = 0
    for ch in range(c):
        for m in range(hh):
            for k in range(ww):
                patch = x_pad[:, ch, m:m + stride * h_out:stride, k:k + stride * w_out:stride]
                # CS231n orders columns (i, j, n); with n = 1 this is (i, j).
                cols[row] = patch.transpose(1, 2, 0).reshape(-1)
                row += 1
    return cols


def col2im(dcols, x_shape, hh, ww, h_out, w_out, stride, pad):
    n, c, h, w = x_shape
    dx_pad = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    row = 0
    for ch in range(c):
        for m in range(hh):
            for k in range(ww):
                dx_pad[:, ch, m:m + stride * h_out:stride, k:k + stride * w_out:stride] += (
                    dcols[row].reshape(h_out, w_out, n).transpose(2, 0, 1))
                row += 1
    return dx_pad[:, :, pad:pad + h, pad:pad + w]


def conv_forward_im2col(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    h_out = (h + 2 * pad - hh) // stride + 1
    w_out = (wd + 2 * pad - ww) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    x_cols = im2col(x_pad, hh, ww, h_out, w_out, stride)
    res = w.reshape((f, -1)).dot(x_cols) + b.reshape(-1, 1)
    out = res.reshape(f, h_out, w_out, n).transpose(3, 0, 1, 2)
    return out, (x, w, b, stride, pad, x_cols)


def conv_backward_im2col(dout, cache):
    x, w, b, stride, pad, x_cols = cache
    f, _, hh, ww = w.shape
    h_out, w_out = dout.shape[2:]
    db = np.sum(dout, axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 2, 3, 0).reshape(f, -1)
    dw = dout_reshaped.dot(x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(f, -1).T.dot(dout_reshaped)
    dx = col2im(dx_cols, x.shape, hh, ww, h_out, w_out, stride, pad)
    return dx, dw, db


def median_ms(repeat, run):
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return [
            {k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for i in threadpool_info() if i.get("user_api") == "blas"
        ]
    except ImportError:
        return "threadpoolctl missing: see numpy.show_config()"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="128x128,256x256,1024x1024")
    parser.add_argument("--filters", type=int, default=8)
    parser.add_argument("--kernel-size", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    k = args.kernel_size
    for text in args.size.split(","):
        h, w = (int(v) for v in text.lower().split("x"))
        x = rng.uniform(-1, 1, (1, 3, h, w))
        wt = rng.uniform(-1, 1, (args.filters, 3, k, k))
        b = rng.uniform(-1, 1, args.filters)
        out, cache = conv_forward_im2col(x, wt, b, 1, k // 2)
        dout = rng.uniform(-1, 1, out.shape)
        fwd = median_ms(args.repeat, lambda: conv_forward_im2col(x, wt, b, 1, k // 2))
        bwd = median_ms(args.repeat, lambda: conv_backward_im2col(dout, cache))
        flops = 2.0 * out.size * 3 * k * k
        rows.append({
            "workload": "numpy im2col", "size": f"{h}x{w}", "filters": args.filters,
            "kernel_size": k, "forward_ms": fwd, "backward_ms": bwd,
            "forward_gflops": flops / fwd / 1e6, "backward_gflops": 2 * flops / bwd / 1e6,
        })
    if args.json:
        print(json.dumps({"numpy": np.__version__, "blas": blas_info(), "rows": rows}))
        return
    print(f"numpy {np.__version__}, BLAS: {blas_info()}")
    print(f"{'size':>10} {'F':>3} {'K':>2} {'fwd ms':>9} {'bwd ms':>9} {'fwd GF/s':>9} {'bwd GF/s':>9}")
    for r in rows:
        print(f"{r['size']:>10} {r['filters']:>3} {r['kernel_size']:>2} {r['forward_ms']:>9.2f} "
              f"{r['backward_ms']:>9.2f} {r['forward_gflops']:>9.2f} {r['backward_gflops']:>9.2f}")


if __name__ == "__main__":
    main()
