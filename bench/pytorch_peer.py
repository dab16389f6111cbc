#!/usr/bin/env python3
"""PyTorch peer of `siglip2 bench` for the B/16 shapes: the same computation written directly in PyTorch.

Image tower of SigLIP 2 B/16@224 (16x16 patch conv -> 196 tokens, 12 pre-LayerNorm blocks of width 768, 12 heads,
MLP 3072 with tanh-GELU, post LayerNorm, MAP head) and text tower (64 tokens, 12 blocks, final LayerNorm, last-token
Linear head), random weights, eager, fp32, no autograd. Times batch 1, 8 (and 32 unless --quick) and a 1024^3 fp32
matmul in the same run. Runs with Debian's python3-torch:

    apt-get install python3-torch libopenblas0-pthread   # without OpenBLAS, torch uses the reference BLAS (~6 GFLOP/s)
    /usr/bin/python3 bench/pytorch_peer.py --threads 2 --json bench/pytorch_peer.json

Then `./siglip2 bench --peer bench/pytorch_peer.json` shows the numbers beside ours.
"""
import argparse
import datetime
import os
import json
import math
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTH, DEPTH, HEADS, MLP, PATCH, IMAGE, TEXT_LEN, VOCAB = 768, 12, 12, 3072, 16, 224, 64, 256000


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(WIDTH, eps=1e-6)
        self.q, self.k, self.v, self.o = (nn.Linear(WIDTH, WIDTH) for _ in range(4))
        self.ln2 = nn.LayerNorm(WIDTH, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(WIDTH, MLP), nn.Linear(MLP, WIDTH)

    def attend(self, x):
        b, s, e = x.shape
        hd = e // HEADS
        q = self.q(x).view(b, s, HEADS, hd).transpose(1, 2)
        k = self.k(x).view(b, s, HEADS, hd).transpose(1, 2)
        v = self.v(x).view(b, s, HEADS, hd).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
        return self.o((w @ v).transpose(1, 2).reshape(b, s, e))

    def forward(self, x):
        x = x + self.attend(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class ImageTower(nn.Module):
    def __init__(self):
        super().__init__()
        n = (IMAGE // PATCH) ** 2
        self.patch = nn.Conv2d(3, WIDTH, PATCH, stride=PATCH)
        self.pos = nn.Parameter(torch.randn(1, n, WIDTH) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
        self.post = nn.LayerNorm(WIDTH, eps=1e-6)
        self.probe = nn.Parameter(torch.randn(1, 1, WIDTH))
        self.mha = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.head_ln = nn.LayerNorm(WIDTH, eps=1e-6)
        self.head_fc1, self.head_fc2 = nn.Linear(WIDTH, MLP), nn.Linear(MLP, WIDTH)

    def forward(self, pixels):
        x = self.patch(pixels).flatten(2).transpose(1, 2) + self.pos
        for blk in self.blocks:
            x = blk(x)
        x = self.post(x)
        probe = self.probe.expand(x.shape[0], 1, WIDTH)
        y = self.mha(probe, x, x, need_weights=False)[0]
        y = y + self.head_fc2(F.gelu(self.head_fc1(self.head_ln(y)), approximate="tanh"))
        return y[:, 0]


class TextTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, WIDTH)
        self.pos = nn.Parameter(torch.randn(1, TEXT_LEN, WIDTH) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
        self.final = nn.LayerNorm(WIDTH, eps=1e-6)
        self.head = nn.Linear(WIDTH, WIDTH)

    def forward(self, ids):
        x = self.tok(ids) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.final(x)[:, -1])


def flops_layer(s):
    return 8 * s * WIDTH * WIDTH + 4 * s * s * WIDTH + 4 * s * WIDTH * MLP


IMAGE_FLOP = (2 * 196 * 768 * WIDTH + DEPTH * flops_layer(196)
              + 2 * WIDTH * WIDTH + 4 * 196 * WIDTH * WIDTH + 4 * 196 * WIDTH + 2 * WIDTH * WIDTH + 4 * WIDTH * MLP)
TEXT_FLOP = DEPTH * flops_layer(TEXT_LEN) + 2 * WIDTH * WIDTH


def timed(fn, seconds, min_reps=3, max_reps=12):
    t = time.perf_counter(); fn(); est = time.perf_counter() - t  # warm-up
    reps = max(min_reps, min(max_reps, math.ceil(seconds / max(est, 1e-6))))
    times = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="batch 1 and 8 only")
    ap.add_argument("--seconds", type=float, default=6.0, help="timed seconds aimed at per case")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON (for siglip2 bench --peer)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    batches = [1, 8] if a.quick else [1, 8, 32]
    out = {"runtime": f"PyTorch {torch.__version__} eager (bench/pytorch_peer.py)",
           "command": "/usr/bin/python3 " + " ".join(sys.argv), "threads": torch.get_num_threads(),
           "machine": platform.processor() or platform.machine(),
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
           "load_average_start": os.getloadavg()[0], "results": []}
    with torch.inference_mode():
        a1, b1 = torch.randn(1024, 1024), torch.randn(1024, 1024)
        mm = timed(lambda: a1 @ b1, 1.0, 10, 30)
        out["matmul_fp32_gflops"] = 2 * 1024 ** 3 / statistics.median(mm) / 1e9
        print(f"1024^3 fp32 matmul: {out['matmul_fp32_gflops']:.1f} GFLOP/s", file=sys.stderr)
        for tower, model, flop in (("image", ImageTower().eval(), IMAGE_FLOP), ("text", TextTower().eval(), TEXT_FLOP)):
            for b in batches:
                x = torch.randn(b, 3, IMAGE, IMAGE) if tower == "image" else torch.randint(0, VOCAB, (b, TEXT_LEN))
                times = timed(lambda: model(x), a.seconds)
                med = statistics.median(times)
                rec = {"tower": tower, "layout": "B/16@224", "dtype": "fp32", "batch": b, "items_per_s": b / med,
                       "latency_ms": med * 1e3, "min_ms": min(times) * 1e3, "max_ms": max(times) * 1e3,
                       "repetitions": len(times), "gflops": flop * b / med / 1e9}
                out["results"].append(rec)
                print(f"{tower} batch {b}: {rec['items_per_s']:.2f}/s, {rec['latency_ms']:.0f} ms, {rec['gflops']:.1f} GFLOP/s", file=sys.stderr)
            del model
    out["load_average_end"] = os.getloadavg()[0]
    text = json.dumps(out, indent=2)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
