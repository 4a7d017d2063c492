/**
 * The text of model.py: the shared part (a safetensors reader and writer in pure Python for machines without
 * the safetensors package, the activations, aekit's preprocessing as a module, load/save) around the one class
 * the exported kind needs (model-py-kinds.ts). It imports only torch (>= 1.10, for torch.frombuffer), so it runs
 * wherever PyTorch does; the pure-Python codec writes what safetensors.torch.save_file writes and reads what it
 * reads (the dtypes below), and is used only when 'import safetensors' fails.
 */
import { PYTORCH_METADATA_KEY } from './metadata.js';
import { KIND_BUILDERS, KIND_CLASSES } from './model-py-kinds.js';
import type { PyTorchKind } from './layout.js';

const header = (kind: string): string => String.raw`"""aekit ${kind} as a PyTorch module (written by 'aekit export --format pytorch').

    from model import load, save
    model = load("model.safetensors")      # an nn.Module holding aekit's weights, in eval mode
    y = model(x)                           # x float32 [batch, ...] in model units (see preprocess)
    save(model, "trained.safetensors")     # then: aekit import trained.safetensors --out model.safetensors

The state dict keys are PyTorch's own (encoder.0.weight, ...), so model.load_state_dict(...) takes the file as it
is. aekit's kind, config, data description and preprocessing method are JSON under "${PYTORCH_METADATA_KEY}" in the
safetensors metadata; model.aekit holds them. With the safetensors package, save is equivalent to
safetensors.torch.save_file(model.state_dict(), path, metadata=model.aekit_metadata()).
"""
import ctypes
import json
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

METADATA_KEY = "${PYTORCH_METADATA_KEY}"
`;

const SAFETENSORS = String.raw`
# ---- safetensors files: the package when installed, else this reader and writer (the same format) ----
_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
           "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """(tensors, metadata) of a .safetensors file."""
    try:
        from safetensors import safe_open
    except ImportError:
        safe_open = None
    if safe_open is not None:
        with safe_open(path, "pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}, f.metadata() or {}
    if sys.byteorder != "little":
        raise RuntimeError("this reader needs a little-endian machine; install the safetensors package")
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        data = bytearray(raw[8 + n + begin:8 + n + end])  # a copy: frombuffer shares memory, and bytes are read-only
        flat = torch.frombuffer(data, dtype=dtype) if data else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, meta


def write_safetensors(tensors, metadata, path):
    """Writes tensors (name -> tensor) and metadata (str -> str) as a .safetensors file."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file
    except ImportError:
        save_file = None
    if save_file is not None:
        save_file(tensors, path, metadata=metadata)
        return
    if sys.byteorder != "little":
        raise RuntimeError("this writer needs a little-endian machine; install the safetensors package")
    # As the reference writer: larger elements first, then by name, back to back; the header padded with
    # spaces so the data starts 8-byte aligned.
    names = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, offset = {"__metadata__": metadata}, 0
    for k in names:
        t = tensors[k]
        size = t.numel() * t.element_size()
        header[k] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for k in names:
            t = tensors[k]
            f.write(ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))
`;

const COMMON = String.raw`
# ---- what every aekit module shares ----
def activation(name, channel_dim=-1):
    """aekit's activation by name. leakyRelu's slope is Keras's 0.3 (PyTorch's default is 0.01)."""
    if name == "softmax":
        return nn.Softmax(dim=channel_dim)
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "linear": nn.Identity,
            "softplus": nn.Softplus, "elu": lambda: nn.ELU(1.0), "leakyRelu": lambda: nn.LeakyReLU(0.3)}[name]()


class Preprocessing(nn.Module):
    """aekit's map from data units to model units: z = (x - shift[j]) * (1 / scale[j]), j the position in the
    sample modulo len(shift) (a column, a channel, a feature); a missing value (NaN) becomes fill[j] first.
    Computed in float64, as aekit does, then rounded to the model's dtype. Buffers, so they travel in the state dict."""

    def __init__(self, period, has_fill):
        super().__init__()
        self.register_buffer("shift", torch.zeros(period, dtype=torch.float64))
        self.register_buffer("scale", torch.ones(period, dtype=torch.float64))
        self.register_buffer("fill", torch.zeros(period, dtype=torch.float64) if has_fill else None)

    def forward(self, x, dtype=torch.float32):
        v = x.to(torch.float64).reshape(-1, self.shift.numel())
        if self.fill is not None:
            v = torch.where(torch.isnan(v), self.fill, v)
        return ((v - self.shift) * (1 / self.scale)).reshape(x.shape).to(dtype)

    def inverse(self, z):
        v = z.to(torch.float64).reshape(-1, self.shift.numel())
        return (v * self.scale + self.shift).reshape(z.shape).to(torch.float32)


class AekitModule(nn.Module):
    """Base of the exported kinds: aekit's metadata (self.aekit) and the saved preprocessing, if any.
    forward() works in model units, as aekit's own forward does; preprocess/postprocess convert data units."""

    def attach(self, info):
        self.aekit = info
        p = info.get("preprocessing")
        self.preprocessing = Preprocessing(p["period"], p["fill"]) if p else None
        return self

    def preprocess(self, x):
        """Data units (a CSV's values, 0..255 pixels) -> what forward() takes."""
        dtype = next(self.parameters()).dtype
        return x.to(dtype) if self.preprocessing is None else self.preprocessing(x, dtype)

    def postprocess(self, y):
        """forward()'s output -> data units."""
        return y if self.preprocessing is None else self.preprocessing.inverse(y)

    def aekit_metadata(self):
        """The safetensors metadata that lets 'aekit import' rebuild the model."""
        return {METADATA_KEY: json.dumps(self.aekit), "format": "pt"}
`;

const LOAD_SAVE = String.raw`

# ---- building, loading, saving ----
def build(info):
    """An untrained module from aekit's metadata (its kind and config), in the config's dtype."""
    kind = info["kind"]
    if kind not in KINDS:
        raise ValueError(f"this model.py builds {', '.join(KINDS)}, not {kind!r}")
    model = KINDS[kind](info["config"])
    model.to(torch.float64 if info["config"].get("dtype") == "float64" else torch.float32)
    return model.attach(info)  # after .to(): the preprocessing stays float64


def load(path):
    """The module saved at path (by aekit export or save), in eval mode. Every key must match (strict)."""
    tensors, meta = read_safetensors(path)
    if METADATA_KEY not in meta:
        raise ValueError(f"{path}: no {METADATA_KEY!r} in the safetensors metadata (not written by aekit export or save)")
    model = build(json.loads(meta[METADATA_KEY]))
    model.load_state_dict(tensors)
    return model.eval()


def save(model, path):
    """Writes the module's state dict and aekit's metadata: what 'aekit import' reads."""
    write_safetensors(model.state_dict(), model.aekit_metadata(), path)
`;

/** model.py for a model of `kind`: the shared code, the kind's class and the table `build` reads. */
export function modelPy(kind: PyTorchKind): string {
  const cls = KIND_CLASSES[kind];
  return `${header(kind)}${SAFETENSORS}${COMMON}${cls}${LOAD_SAVE}\nKINDS = {"${kind}": ${KIND_BUILDERS[kind]}}\n`;
}
