#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/<target>/ (standard library only; the image seeds small.* were encoded by
SkiaSharp from tests/fixtures/siglip-tiny/image_2_32x32.png). Each seed is a valid input or one of the bad cases of
issue 10; scripts/fuzz.sh mutates them and the test suite replays them. Rerun from the repository root."""
import json, os, struct, zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(ROOT, "..", "fixtures")


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def fixture(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


# ---- image: BMP, GIF and PNG variants written by hand; a JPEG with an EXIF orientation segment
def bmp(w, h):
    row = (w * 3 + 3) & ~3
    pixels = b"".join(bytes((x * 20) % 256 for x in range(w * 3)) + b"\0" * (row - w * 3) for _ in range(h))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def png(w, h, color_type, bit_depth, raw_row):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    data = zlib.compress(b"".join(b"\0" + raw_row(y) for y in range(h)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


GIF_1x1 = bytes.fromhex("47494638396101000100800000ff000000000021f90401000000002c00000000010001000002024401003b")
put("image", "tiny.bmp", bmp(5, 3))
put("image", "tiny.gif", GIF_1x1)
put("image", "gray-alpha16.png", png(4, 3, 4, 16, lambda y: bytes(range(y, y + 16))))
put("image", "rgba.png", png(3, 2, 6, 8, lambda y: bytes((i * 40 + y) % 256 for i in range(12))))
put("image", "huge-declared.png", png(100000, 100000, 0, 8, lambda y: b"") [:33] + b"\0\0\0\0IEND\xaeB`\x82")
jpeg = open(os.path.join(ROOT, "image", "small.jpg"), "rb").read()
exif = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, 6) + struct.pack("<I", 0)
put("image", "exif-rotated.jpg", jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:])
put("image", "truncated.jpg", jpeg[: len(jpeg) // 2])
put("image", "empty.bin", b"")


# ---- safetensors: valid files and every header defect of issue 10
def st(header, data=b"", raw=None, pad=True):
    h = raw if raw is not None else json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "valid-f32.safetensors", st({"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, bytes(16)))
put("safetensors", "valid-mixed.safetensors", st({"a": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
                                                   "b": {"dtype": "I64", "shape": [1], "data_offsets": [6, 14]},
                                                   "c": {"dtype": "F16", "shape": [0, 4], "data_offsets": [14, 14]}}, bytes(14)))
put("safetensors", "valid-empty.safetensors", st({}))
put("safetensors", "header-array.safetensors", st(None, raw=b"[1,2,3]"))
put("safetensors", "entry-not-object.safetensors", st({"w": [0, 4]}, bytes(4)))
put("safetensors", "offsets-strings.safetensors", st({"w": {"dtype": "F32", "shape": [1], "data_offsets": ["0", "4"]}}, bytes(4)))
put("safetensors", "shape-2pow64.safetensors", st(None, raw=b'{"w":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}', data=bytes(4)))
put("safetensors", "name-invalid-utf8.safetensors", st(None, raw=b'{"w\xff":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data=bytes(4)))
put("safetensors", "overlap.safetensors", st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
put("safetensors", "duplicate-name.safetensors", st(None, raw=b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data=bytes(8)))
put("safetensors", "hole.safetensors", st({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)))
put("safetensors", "trailing.safetensors", st({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(12)))
put("safetensors", "shape-size-mismatch.safetensors", st({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}, bytes(4)))
put("safetensors", "header-over-cap.safetensors", struct.pack("<Q", 100_000_001) + b"{}")
put("safetensors", "short.safetensors", b"\x02\0\0")

# ---- config.json / preprocessor_config.json
for name in ("siglip-tiny", "siglip2-naflex-tiny"):
    put("config", f"{name}.json", fixture(name, "config.json"))
    put("preprocessor-config", f"{name}.json", fixture(name, "preprocessor_config.json"))
for name in ("fixed224", "naflex256"):
    put("preprocessor-config", f"{name}.json", fixture("preprocess", f"preprocessor_config_{name}.json"))
cfg = json.loads(fixture("siglip-tiny", "config.json"))
put("config", "duplicate-key.json", fixture("siglip-tiny", "config.json").decode().replace('"model_type"', '"model_type": "siglip", "model_type"', 1))
for field, value in (("num_hidden_layers", 1_000_000), ("vocab_size", 1_000_000_000), ("max_position_embeddings", 10**12), ("intermediate_size", -1)):
    bad = json.loads(json.dumps(cfg))
    bad["text_config"][field] = value
    put("config", f"{field}-{value}.json", json.dumps(bad))
put("config", "not-object.json", "[]")
pre = json.loads(fixture("siglip-tiny", "preprocessor_config.json"))
for name, field, value in (("mean-length", "image_mean", [0.5, 0.5]), ("rescale-huge", "rescale_factor", 1e308), ("size-string", "size", "224")):
    bad = dict(pre)
    bad[field] = value
    put("preprocessor-config", f"{name}.json", json.dumps(bad))


# ---- tokenizer.model: a hand-encoded SentencePiece ModelProto (BPE, byte fallback) and the real-size fixture
def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 5:
        return key + struct.pack("<f", payload)
    return key + varint(len(payload)) + payload


def piece(text, score, kind):
    return field(1, 2, field(1, 2, text.encode()) + field(2, 5, score) + field(3, 0, kind))


pieces = [("<pad>", 0, 3), ("</s>", 0, 3), ("<s>", 0, 3), ("<unk>", 0, 2)] + [(f"<0x{b:02X}>", 0, 6) for b in range(256)]
pieces += [("\u2581", -1, 1), ("a", -2, 1), ("b", -3, 1), ("\u2581a", -4, 1), ("ab", -5, 1)]
trainer = field(3, 0, 2) + field(35, 0, 1) + field(40, 0, 3) + field(41, 0, 2) + field(42, 0, 1) + field(43, 0, 0)
normalizer = field(3, 0, 0) + field(4, 0, 0) + field(5, 0, 1)
tiny_model = b"".join(piece(*p) for p in pieces) + field(2, 2, trainer) + field(3, 2, normalizer)
put("tokenizer-model", "tiny-bpe.model", tiny_model)
put("tokenizer-model", "spm-gemma-like.model", fixture("tokenizer", "spm-gemma-like.model"))
put("tokenizer-model", "bad-piece-type.model", field(1, 2, field(1, 2, b"a") + field(3, 0, 9)))
put("tokenizer-model", "unk-id-outside.model", b"".join(piece(*p) for p in pieces[:8]) + field(2, 2, field(40, 0, 500)))
put("tokenizer-model", "length-past-end.model", b"\x0a\x7f\x0a")

# ---- tokenizer.json: a small Gemma-shaped tokenizer and the defects of issue 10
small = {
    "version": "1.0",
    "added_tokens": [{"id": i, "content": c, "special": True} for i, c in enumerate(["<pad>", "<eos>", "<bos>", "<unk>"])],
    "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
    "pre_tokenizer": None,
    "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
    "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
              "vocab": {**{c: i for i, c in enumerate(["<pad>", "<eos>", "<bos>", "<unk>"])},
                        **{f"<0x{b:02X}>": 4 + b for b in range(256)},
                        "\u2581": 260, "a": 261, "b": 262, "\u2581a": 263, "ab": 264},
              "merges": ["\u2581 a", "a b"]},
}
put("tokenizer-json", "small.json", json.dumps(small, ensure_ascii=False))
for name, edit in (
        ("negative-id", lambda j: j["model"]["vocab"].__setitem__("b", -1)),
        ("two-pieces-one-id", lambda j: j["model"]["vocab"].__setitem__("b", 261)),
        ("added-tokens-object", lambda j: j.__setitem__("added_tokens", {"id": 0, "content": "<pad>"})),
        ("added-token-other-id", lambda j: j["added_tokens"].append({"id": 261, "content": "<x>"})),
        ("merge-not-pair", lambda j: j["model"]["merges"].append(7))):
    bad = json.loads(json.dumps(small))
    edit(bad)
    put("tokenizer-json", f"{name}.json", json.dumps(bad, ensure_ascii=False))

# ---- tokenizer_config.json
put("tokenizer-config", "gemma256k.json", fixture("tokenizer", "gemma256k", "tokenizer_config.json"))
put("tokenizer-config", "siglip2.json", json.dumps({"add_bos_token": False, "add_eos_token": True, "pad_token": "<pad>", "eos_token": {"content": "<eos>"}, "model_max_length": 64, "do_lower_case": True}))
put("tokenizer-config", "invalid-utf8.json", b'{"eos_token": "<e\xc3(os>"}')
put("tokenizer-config", "duplicate-key.json", '{"add_bos_token": true, "add_bos_token": false}')
put("tokenizer-config", "wrong-types.json", '{"add_bos_token": "yes", "model_max_length": "64", "pad_token": 3}')

# a config value with a line break: echoed in the error message, it must not split the message (a fuzzing finding)
bad = json.loads(json.dumps(cfg))
bad["text_config"]["hidden_act"] = "gelu_pytorch_t\nh"
put("config", "hidden-act-newline.json", json.dumps(bad))
