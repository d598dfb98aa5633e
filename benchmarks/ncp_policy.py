"""Write the ncp_policy_dev set (policy notices, real users' questions, gold spans) as documents and gold files.

    python benchmarks/ncp_policy.py --out /tmp/ncp
    assistant index /tmp/ncp/docs --store /tmp/ncp-idx
    assistant eval --qa /tmp/ncp/gold_tune.jsonl --store /tmp/ncp-idx
    assistant eval --qa /tmp/ncp/gold_held.jsonl --store /tmp/ncp-idx

Each document becomes ``<docid>.txt`` with its text as given, so the gold offsets apply unchanged. The questions are
split by a hash of the docid (about 70 % tuning, 30 % held back) so that the questions of one notice stay together;
tune only on ``gold_tune.jsonl``. ``gold.jsonl`` holds all of them. A gold answer that is a bare figure
("35亿元") is typed ``number`` (every figure must appear in the answer); the rest are ``fact`` (most of the gold
text must appear in it), as in DESIGN.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

NCP = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa" / "ncp_policy_dev"
_FIGURE = re.compile(r"^\s*[约近超逾]?[0-9０-９.,，%％一二三四五六七八九十百千万亿两]+\s*[\w%％]{0,4}\s*$")


def part_of(docid: str, held_share: float = 0.3) -> str:
    """``tune`` or ``held`` for a document, stable across runs and machines."""
    # salted: the release's documents were themselves drawn by an unsalted sha256 of the docid (every dev docid
    # hashes below 0.25), so the bare hash would put them all on one side
    bucket = int(hashlib.sha256(("ncp_policy:" + docid).encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "held" if bucket < held_share else "tune"


def gold_row(qa: dict) -> dict:
    answer = qa["answer"]
    kind = "number" if _FIGURE.match(answer) and re.search(r"[0-9０-９]", answer) else "fact"
    return {"id": qa["qid"], "question": qa["question"], "answer": answer.strip(), "doc": f"{qa['docid']}.txt",
            "evidence": answer, "evidence_start": qa["answer_start"], "evidence_end": qa["answer_end"],
            "type": kind}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=str(NCP))
    p.add_argument("--held-share", type=float, default=0.3)
    args = p.parse_args()
    out, data = Path(args.out), Path(args.data)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    texts = {}
    for line in (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            doc = json.loads(line)
            texts[doc["docid"]] = doc["text"]
            # newline="" keeps the text byte for byte (no \n translation), so the offsets stay exact
            with open(out / "docs" / f"{doc['docid']}.txt", "w", encoding="utf-8", newline="") as fh:
                fh.write(doc["text"])
    parts: dict[str, list[dict]] = {"tune": [], "held": []}
    for line in (data / "qa.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        qa = json.loads(line)
        assert texts[qa["docid"]][qa["answer_start"] : qa["answer_end"]] == qa["answer"], qa["qid"]
        parts[part_of(qa["docid"], args.held_share)].append(gold_row(qa))
    for name, rows in (("gold_tune", parts["tune"]), ("gold_held", parts["held"]),
                       ("gold", parts["tune"] + parts["held"])):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(texts)} documents; {len(parts['tune'])} tuning and {len(parts['held'])} held-back questions in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
