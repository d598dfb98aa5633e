"""Train the span reader (issue 20, route b): the top layers of the e5 encoder plus a start/end head, on CPU.

    PYTHONPATH=. HF_HUB_OFFLINE=1 nice python training/train_reader.py --cache /tmp/reader-cache.pt

The checked-in weights: 1,263 windows, layer 11 + head, 2 epochs, 1,922 s wall on 2 shared cores (load 9-16).

Data (seeded, written nowhere but the weights):

- CMRC 2018 (``../shared/data/qa/cmrc2018``): the trial set, and the dev set minus the 25 articles that
  ``benchmarks/cmrc_probe.py`` samples by default (``random.seed(0); random.sample(data, 25)``, replayed here);
- LawBench 2-5 (CAIL2019 reading comprehension, ``../shared/data/qa/lawbench/zero_shot/2-5.json``): the items whose
  answer occurs verbatim, once, in the judgment passage;
- the TUNING part of ncp_policy_dev (``python benchmarks/ncp_policy.py --out /tmp/ncp``: ``gold_tune.jsonl`` and the
  notices in ``docs/``), two windows per question. ``gold_held.jsonl`` is never read: it is the comparison.

Each example is "question </s></s> passage", the passage a window of at most ``--window`` characters cut around the
gold span at a seeded offset (the size of an indexed chunk). The encoder's lower layers are frozen: they run once over
all windows and their hidden states are cached; only the top ``--train-layers`` layers and the head are trained. With ``--cache``
those hidden states are kept in a file, so that a second run with other training settings skips the frozen part. The
output is fp16 safetensors of those layers and the head, and ``reader.json`` with its sha256 (verified at load by
``assistant.answering.reader``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
QA = ROOT.parent / "shared" / "data" / "qa"
sys.path.insert(0, str(ROOT))

from benchmarks.cmrc_probe import probe_article_ids  # noqa: E402


def cmrc_examples(rng: random.Random, limit: int) -> list[tuple[str, str, int, int]]:
    """(question, context, answer start, answer end) from CMRC trial + the dev articles the probe does not use."""
    dev = json.loads((QA / "cmrc2018" / "cmrc2018_dev.json").read_text(encoding="utf-8"))["data"]
    probe = probe_article_ids(dev)  # the probe's own sampling, replayed: its articles are excluded
    trial = json.loads((QA / "cmrc2018" / "cmrc2018_trial.json").read_text(encoding="utf-8"))["data"]
    out = []
    for article in trial + [a for a in dev if a["id"] not in probe]:
        for para in article["paragraphs"]:
            ctx = para["context"]
            for qa in para["qas"]:
                ans = qa["answers"][0]
                s = ans["answer_start"]
                if ctx[s : s + len(ans["text"])] == ans["text"] and ans["text"]:
                    out.append((qa["question"], ctx, s, s + len(ans["text"])))
    rng.shuffle(out)
    return out[:limit]


def lawbench_examples() -> list[tuple[str, str, int, int]]:
    path = QA / "lawbench" / "zero_shot" / "2-5.json"
    out = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        text = item["question"]
        if not text.startswith("段落:") or "问题:" not in text:
            continue
        ctx, question = text[len("段落:") :].rsplit("问题:", 1)
        # multi-span answers ("回答:21万元借款,律师费4000元"): the span from the first piece to the last
        pieces = [x.strip() for x in item["answer"].split(":", 1)[-1].split(",") if x.strip()]
        if not pieces or ctx.count(pieces[0]) != 1:
            continue
        s = ctx.index(pieces[0])
        e = s + len(pieces[0])
        for piece in pieces[1:]:
            k = ctx.find(piece, e)
            if k < 0:
                break
            e = k + len(piece)
        else:
            if e - s <= 200:
                out.append((question.strip(), ctx, s, e))
    return out


def ncp_examples(ncp: Path, repeats: int) -> list[tuple[str, str, int, int]]:
    out = []
    for line in (ncp / "gold_tune.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        doc = (ncp / "docs" / g["doc"]).read_text(encoding="utf-8")
        s, e = g["evidence_start"], g["evidence_end"]
        while s < e and doc[s].isspace():
            s += 1
        while e > s and doc[e - 1].isspace():
            e -= 1
        if s < e:
            out.extend([(g["question"], doc, s, e)] * repeats)
    return out


def windows(examples, tok, rng: random.Random, window: int, max_length: int):
    """Tokenized windows with the gold span's token positions; spans that do not fit are skipped."""
    rows = []
    for question, ctx, s, e in examples:
        if e - s > window - 20:
            continue
        slack = window - (e - s)
        w0 = max(0, s - rng.randint(0, slack))
        w1 = min(len(ctx), w0 + window)
        passage = ctx[w0:w1]
        enc = tok(question, passage, truncation="only_second", max_length=max_length, return_offsets_mapping=True)
        seq = enc.sequence_ids()
        ls, le = s - w0, e - w0
        ts = te = None
        for k, (a, b) in enumerate(enc["offset_mapping"]):
            if seq[k] != 1 or b <= a:
                continue
            if ts is None and b > ls:
                ts = k
            if a < le:
                te = k
        if ts is None or te is None or te < ts or enc["offset_mapping"][te][1] < le:
            continue  # truncated away
        rows.append((enc["input_ids"], [int(x == 1) for x in seq], ts, te))
    return rows


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "assistant" / "data" / "reader"))
    p.add_argument("--model", default=str(Path.home() / ".cache" / "legal-assistant" / "multilingual-e5-small"))
    p.add_argument("--ncp", default="/tmp/ncp")
    p.add_argument("--cmrc", type=int, default=600)
    p.add_argument("--ncp-repeats", type=int, default=2)
    p.add_argument("--window", type=int, default=280)
    p.add_argument("--max-length", type=int, default=240)
    p.add_argument("--train-layers", type=int, default=1)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--cache", help="file to keep the frozen layers' hidden states in (reused when it exists)")
    args = p.parse_args()
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model).eval()
    n_layers = model.config.num_hidden_layers
    top = list(range(n_layers - args.train_layers, n_layers))
    data = {"cmrc": cmrc_examples(rng, args.cmrc), "lawbench": lawbench_examples(),
            "ncp_tune": ncp_examples(Path(args.ncp), args.ncp_repeats)}
    rows = []
    for name, ex in data.items():
        got = windows(ex, tok, rng, args.window, args.max_length)
        print(f"{name}: {len(ex)} examples, {len(got)} windows", flush=True)
        rows.extend(got)
    rows.sort(key=lambda r: len(r[0]))  # batches of similar length: little padding
    batches = [rows[i : i + args.batch] for i in range(0, len(rows), args.batch)]

    def pad(batch):
        n = max(len(r[0]) for r in batch)
        ids = torch.full((len(batch), n), tok.pad_token_id)
        mask = torch.zeros((len(batch), n), dtype=torch.long)
        passage = torch.zeros((len(batch), n), dtype=torch.bool)
        for k, (i, seq, _s, _e) in enumerate(batch):
            ids[k, : len(i)] = torch.tensor(i)
            mask[k, : len(i)] = 1
            passage[k, : len(i)] = torch.tensor(seq, dtype=torch.bool)
        return ids, mask, passage, torch.tensor([r[2] for r in batch]), torch.tensor([r[3] for r in batch])

    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        cached = torch.load(cache)
        print(f"cached hidden states from {cache}", flush=True)
    else:
        cached = []  # the frozen part runs once: hidden states entering the first trained layer
        with torch.no_grad():
            for b, batch in enumerate(batches):
                ids, mask, passage, ts, te = pad(batch)
                out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
                cached.append((out.hidden_states[top[0]].half(), mask, passage, ts, te))
                if b % 20 == 0:
                    print(f"cache {b}/{len(batches)} {time.time() - started:.0f}s", flush=True)
        if cache is not None:
            torch.save(cached, cache)
    layers = torch.nn.ModuleList([model.encoder.layer[i] for i in top]).train()
    head = torch.nn.Linear(model.config.hidden_size, 2)
    params = list(layers.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW([{"params": list(layers.parameters()), "lr": args.lr},
                             {"params": list(head.parameters()), "lr": args.lr * 10}], weight_decay=0.01)
    steps = args.epochs * len(cached)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / 10) * max(0.0, 1 - k / steps))

    def ext(mask, _shape):  # the additive mask BERT layers take
        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    for epoch in range(args.epochs):
        order = list(range(len(cached)))
        rng.shuffle(order)
        total = 0.0
        for n, b in enumerate(order):
            h, mask, passage, ts, te = cached[b]
            h = h.float()
            am = ext(mask, mask.shape)
            for layer in layers:
                h = _first(layer(h, attention_mask=am))
            logits = head(h).masked_fill(~passage.unsqueeze(-1), -1e4)
            loss = (torch.nn.functional.cross_entropy(logits[..., 0], ts)
                    + torch.nn.functional.cross_entropy(logits[..., 1], te)) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            total += loss.item()
            if n % 20 == 0:
                print(f"epoch {epoch} step {n}/{len(order)} loss {total / (n + 1):.3f} {time.time() - started:.0f}s",
                      flush=True)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    tensors = {f"layer.{i}.{k}": v.detach().half().contiguous() for i, layer in zip(top, layers)
               for k, v in layer.state_dict().items()}
    tensors["qa.weight"] = head.weight.detach().half().contiguous()
    tensors["qa.bias"] = head.bias.detach().half().contiguous()
    weights = out_dir / "reader.safetensors"
    save_file(tensors, str(weights))
    meta = {"weights": weights.name, "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
            "base_model": Path(args.model).name, "layers": top, "max_length": args.max_length,
            "windows": len(rows), "data": {k: len(v) for k, v in data.items()}, "seed": args.seed,
            "epochs": args.epochs, "seconds": round(time.time() - started), "command": " ".join(sys.argv)}
    (out_dir / "reader.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
