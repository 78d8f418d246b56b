#!/usr/bin/env python3
"""An independent SAELens-format writer and reader for Interp's interop tests (numpy only; no torch, no Interp code).

  write DIR --form 6|5 --arch standard|topk|jumprelu --rows ROWS.f32 --d-in D --d-sae M --seed S [--k K] [--hook H]
        [--context-size C] [--prepend-bos true|false] [--apply-b-dec true|false] [--rescale-by-decoder-norm]
      Writes cfg.json + sae_weights.safetensors as SAELens writes them: form 6 nests the metadata
      (sae_lens/saes/sae.py, SAEConfig.to_dict), form 5 is the flat pre-6.0 layout (hook_point, activation_fn_str,
      boolean normalize_activations). Weights come from seeded random numbers, shaped by ROWS so latents fire
      sometimes: decoder rows are random rows of the data, thresholds a quantile of the pre-activations, W_dec then
      refitted by least squares.
  encode DIR ROWS.f32 OUT_PREFIX
      Reads DIR with SAELens 6's inference semantics alone (load_from_disk: handle_pre_6_0_config, strict state dict;
      encode/decode of StandardSAE, TopKSAE, JumpReLUSAE), encodes the float32 rows [N, d_in], writes
      OUT_PREFIX.latents.f32 and OUT_PREFIX.recon.f32 and prints {"rows", "l0", "explained_variance"} as JSON.
      L0 is the mean number of latents > 0 per row; explained variance is 1 - sum|x - x_hat|^2 / sum|x - mean x|^2 over
      all rows (what Interp's eval-sae reports).
  transcode DIR ROWS.f32 OUT_PREFIX
      Reads a transcoder folder with SAELens's transcoder semantics alone (sae_lens/saes/transcoder.py: Transcoder,
      SkipTranscoder, JumpReLUTranscoder, JumpReLUSkipTranscoder; topk_transcoder, which SAELens does not have, as a
      TopKSAE's activation): out = act(x W_enc + b_enc) W_dec + b_dec (+ x W_skip^T), b_dec never subtracted from x.
      Encodes the float32 rows [N, d_in], writes OUT_PREFIX.latents.f32 and OUT_PREFIX.out.f32 ([N, d_out]) and prints
      {"rows", "l0", "d_out", "hook_name", "hook_name_out", "skip"} as JSON.
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).astype(np.float32)
    return tensors


def read_rows(path, d_in):
    return np.fromfile(path, dtype="<f4").reshape(-1, d_in).astype(np.float32)


# ---- writing -------------------------------------------------------------------------------------------------------

def fitted_weights(arch, rows, d_sae, k, seed, apply_b_dec, rescale):
    rng = np.random.default_rng(seed)
    n, d_in = rows.shape
    b_dec = rows.mean(axis=0) + rng.normal(0, 0.01, d_in)
    centred = rows - b_dec
    directions = centred[rng.integers(0, n, d_sae)] + rng.normal(0, 0.1, (d_sae, d_in)) * centred.std()
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    w_enc = directions.T.copy()
    sae_in = centred if apply_b_dec else rows
    scale = 1 / np.sqrt((sae_in @ w_enc).var(axis=0).mean() + 1e-12)
    w_enc *= scale
    b_enc = rng.normal(0, 0.1, d_sae)
    pre = sae_in @ w_enc + b_enc
    tensors = {"W_enc": w_enc, "b_enc": b_enc, "b_dec": b_dec}
    if arch == "jumprelu":
        threshold = np.quantile(pre, rng.uniform(0.85, 0.97, d_sae), axis=0).diagonal().copy()
        threshold = np.maximum(threshold, 0.01)
        tensors["threshold"] = threshold
        latents = pre * (pre > threshold)
    elif arch == "topk":
        latents = topk(pre, k)
    else:
        latents = np.maximum(pre, 0)
    w_dec = np.linalg.lstsq(latents.astype(np.float64), rows - b_dec, rcond=None)[0]
    if rescale:
        # Stored decoder rows of random norms; encode multiplies pre-activations by them, decode divides latents.
        norms = rng.uniform(0.5, 2.0, d_sae)
        w_dec = w_dec * norms[:, None] / np.maximum(np.linalg.norm(w_dec, axis=1, keepdims=True), 1e-12)
        tensors["W_enc"] = w_enc / norms
        tensors["b_enc"] = b_enc / norms
    tensors["W_dec"] = w_dec
    return {name: np.asarray(value, dtype=np.float32) for name, value in tensors.items()}


def write(args):
    out, rest = args[0], [a for a in args[1:] if a != "--rescale-by-decoder-norm"]
    opts = dict(zip(rest[0::2], rest[1::2]))
    form, arch = opts["--form"], opts["--arch"]
    d_in, d_sae, seed, k = int(opts["--d-in"]), int(opts["--d-sae"]), int(opts["--seed"]), int(opts.get("--k", "0"))
    apply_b_dec = opts.get("--apply-b-dec", "true") == "true"
    rescale = "--rescale-by-decoder-norm" in args
    rows = read_rows(opts["--rows"], d_in)
    tensors = fitted_weights(arch, rows, d_sae, k, seed, apply_b_dec, rescale)
    hook = opts.get("--hook", "blocks.1.hook_resid_pre")
    metadata = {
        "sae_lens_version": "6.5.0", "sae_lens_training_version": "6.5.0", "model_name": "gpt2-tiny", "hook_name": hook,
        "hook_head_index": None, "context_size": int(opts.get("--context-size", "64")),
        "prepend_bos": opts.get("--prepend-bos", "true") == "true", "dataset_path": "written-by-script",
        "model_from_pretrained_kwargs": {"center_writing_weights": False},
    }
    if form == "6":
        cfg = {"d_in": d_in, "d_sae": d_sae, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": apply_b_dec,
               "normalize_activations": "none", "reshape_activations": "none", "metadata": metadata, "architecture": arch}
        if arch == "topk":
            cfg["k"] = k
            cfg["rescale_acts_by_decoder_norm"] = rescale
    else:
        cfg = {"architecture": "jumprelu" if arch == "jumprelu" else "standard", "d_in": d_in, "d_sae": d_sae,
               "dtype": "float32", "device": "cpu", "model_name": metadata["model_name"], "hook_point": hook,
               "hook_point_layer": int(hook.split(".")[1]) if hook.startswith("blocks.") else 0, "hook_point_head_index": None,
               "activation_fn_str": "topk" if arch == "topk" else "relu", "activation_fn_kwargs": {"k": k} if arch == "topk" else {},
               "apply_b_dec_to_input": apply_b_dec, "finetuning_scaling_factor": False, "sae_lens_training_version": "5.9.1",
               "prepend_bos": metadata["prepend_bos"], "dataset_path": metadata["dataset_path"],
               "context_size": metadata["context_size"], "normalize_activations": False,
               "model_from_pretrained_kwargs": metadata["model_from_pretrained_kwargs"]}
        if rescale:
            raise SystemExit("rescale_acts_by_decoder_norm is a SAELens 6 topk field")
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "sae_weights.safetensors"), tensors)
    with open(os.path.join(out, "cfg.json"), "w") as f:
        json.dump(cfg, f)


# ---- reading with SAELens's inference semantics --------------------------------------------------------------------

def saelens_config(cfg):
    """sae_lens/loading/pretrained_sae_loaders.py: handle_config_defaulting and handle_pre_6_0_config."""
    version = cfg.get("sae_lens_version") or (cfg.get("metadata") or {}).get("sae_lens_version")
    if version and int(version.split(".")[0]) >= 6:
        return dict(cfg)
    renames = {"hook_point": "hook_name", "hook_point_head_index": "hook_head_index", "activation_fn_str": "activation_fn"}
    new = {renames.get(key, key): value for key, value in cfg.items()}
    new.setdefault("apply_b_dec_to_input", True)
    new.setdefault("activation_fn", "relu")
    new.setdefault("architecture", "standard")
    if new.get("activation_fn") == "topk" and (new.get("activation_fn_kwargs") or {}).get("k") is not None:
        new["architecture"] = "topk"
        new["k"] = new["activation_fn_kwargs"]["k"]
    if isinstance(new.get("normalize_activations"), bool):
        new["normalize_activations"] = "expected_average_only_in" if new["normalize_activations"] else "none"
    if new.get("normalize_activations") is None:
        new["normalize_activations"] = "none"
    return new


def topk(pre, k):
    out = np.zeros_like(pre)
    index = np.argpartition(-pre, k - 1, axis=-1)[:, :k]
    np.put_along_axis(out, index, np.maximum(np.take_along_axis(pre, index, axis=-1), 0), axis=-1)
    return out


def encode_decode(folder, x):
    with open(os.path.join(folder, "cfg.json")) as f:
        cfg = saelens_config(json.load(f))
    arch = cfg["architecture"]
    expected = {"standard": {"W_enc", "W_dec", "b_enc", "b_dec"}, "topk": {"W_enc", "W_dec", "b_enc", "b_dec"},
                "jumprelu": {"W_enc", "W_dec", "b_enc", "b_dec", "threshold"}}
    if arch not in expected:
        raise SystemExit(f"SAELens has no inference architecture '{arch}'")
    w = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    if set(w) != expected[arch]:  # load_state_dict is strict
        raise SystemExit(f"state dict keys {sorted(w)} do not match a {arch} SAE's {sorted(expected[arch])}")
    # expected_average_only_in is the identity at inference (sae.py, _setup_activation_normalization).
    if cfg["normalize_activations"] not in ("none", "expected_average_only_in"):
        raise SystemExit(f"normalize_activations {cfg['normalize_activations']} is not covered by this script")
    x = x.astype(np.float32)
    sae_in = x - w["b_dec"] * float(bool(cfg["apply_b_dec_to_input"]))   # process_sae_in
    pre = sae_in @ w["W_enc"] + w["b_enc"]
    rescale = arch == "topk" and bool(cfg.get("rescale_acts_by_decoder_norm", False))
    norms = np.linalg.norm(w["W_dec"], axis=-1)
    if arch == "standard":
        latents = np.maximum(pre, 0)
    elif arch == "topk":
        latents = topk(pre * norms if rescale else pre, int(cfg["k"]))
    else:
        latents = np.maximum(pre, 0) * (pre > w["threshold"])
    recon = (latents / norms if rescale else latents) @ w["W_dec"] + w["b_dec"]
    return latents.astype(np.float32), recon.astype(np.float32), cfg


def encode(args):
    folder, rows_path, prefix = args
    with open(folder + "/cfg.json") as f:
        d_in = json.load(f)["d_in"]
    x = read_rows(rows_path, d_in)
    latents, recon, _ = encode_decode(folder, x)
    latents.astype("<f4").tofile(prefix + ".latents.f32")
    recon.astype("<f4").tofile(prefix + ".recon.f32")
    x64, r64 = x.astype(np.float64), recon.astype(np.float64)
    total = ((x64 - x64.mean(axis=0)) ** 2).sum()
    print(json.dumps({"rows": int(x.shape[0]), "l0": float((latents > 0).sum(axis=-1).mean()),
                      "explained_variance": float(1 - ((x64 - r64) ** 2).sum() / total)}))


# ---- transcoders ---------------------------------------------------------------------------------------------------

TRANSCODERS = {  # architecture -> (activation, skip)
    "transcoder": ("relu", False), "skip_transcoder": ("relu", True),
    "jumprelu_transcoder": ("jumprelu", False), "jumprelu_skip_transcoder": ("jumprelu", True),
    "topk_transcoder": ("topk", False), "topk_skip_transcoder": ("topk", True),
}


def transcode(args):
    folder, rows_path, prefix = args
    with open(os.path.join(folder, "cfg.json")) as f:
        raw = json.load(f)
    cfg = dict(raw.get("metadata") or {})
    cfg.update({key: value for key, value in raw.items() if key != "metadata"})
    arch = cfg["architecture"]
    if arch not in TRANSCODERS:
        raise SystemExit(f"SAELens has no transcoder architecture '{arch}'")
    activation, skip = TRANSCODERS[arch]
    if cfg.get("apply_b_dec_to_input", False):  # TranscoderConfig.__post_init__ refuses it
        raise SystemExit("apply_b_dec_to_input is not supported for transcoders")
    d_in, d_sae, d_out = int(cfg["d_in"]), int(cfg["d_sae"]), int(cfg["d_out"])
    w = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
    expected = {"W_enc": [d_in, d_sae], "b_enc": [d_sae], "W_dec": [d_sae, d_out], "b_dec": [d_out]}
    if activation == "jumprelu":
        expected["threshold"] = [d_sae]
    if skip:
        expected["W_skip"] = [d_out, d_in]
    if set(w) != set(expected):  # load_state_dict is strict
        raise SystemExit(f"state dict keys {sorted(w)} do not match a {arch}'s {sorted(expected)}")
    for name, shape in expected.items():
        if list(w[name].shape) != shape:
            raise SystemExit(f"{name} has shape {list(w[name].shape)}, expected {shape}")
    x = read_rows(rows_path, d_in)
    pre = x @ w["W_enc"] + w["b_enc"]  # process_sae_in: no b_dec
    if activation == "relu":
        latents = np.maximum(pre, 0)
    elif activation == "jumprelu":
        latents = np.maximum(pre, 0) * (pre > w["threshold"])
    else:
        latents = topk(pre, int(cfg["k"]))
    out = latents @ w["W_dec"] + w["b_dec"]
    if skip:
        out = out + x @ w["W_skip"].T
    latents.astype("<f4").tofile(prefix + ".latents.f32")
    out.astype("<f4").tofile(prefix + ".out.f32")
    print(json.dumps({"rows": int(x.shape[0]), "l0": float((latents > 0).sum(axis=-1).mean()), "d_out": d_out,
                      "hook_name": cfg["hook_name"], "hook_name_out": cfg["hook_name_out"], "skip": skip}))


if __name__ == "__main__":
    {"write": write, "encode": encode, "transcode": transcode}[sys.argv[1]](sys.argv[2:])
