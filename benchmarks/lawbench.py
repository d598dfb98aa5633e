"""LawBench retrieval benchmark: hit@1/5/10 of the gold article, this project beside the naive LangChain pipeline.

    python benchmarks/lawbench.py                         # default subset (see --gold-chars / --distractor-chars)
    python benchmarks/lawbench.py --gold-chars 0 --distractor-chars 0 --all-national   # the full national corpus

Questions: LawBench 1-1 (法条背诵, "…法第X条的内容是什么？") and 3-2 (法条预测, a scenario; the answer names the
article: "根据《X法》第N条，…"). Each is joined to ``../shared/data/laws/lawrefbook``: the law is resolved by its
name (full title or the short name without 中华人民共和国), the gold article is article N of every version of that law
in the corpus whose text matches the LawBench answer (character-bigram containment ≥ 0.5 for 1-1, ≥ 0.3 for 3-2),
and, in a version where article N does not match (the law was amended and renumbered after LawBench was made), the
article that matches the answer best if its containment is ≥ 0.6 — the same provision under its new number; a
version still without a gold article gets the article whose text is a gold article's text (containment ≥ 0.8 both
ways: a provision the amendment only renumbered). Questions with no matching version are dropped and counted. A hit
is a retrieved chunk that overlaps a gold article's span in its file — the same rule for both pipelines.

Corpus: the national laws (everything outside ``DLC/``). Indexing all of them with e5-small takes hours on 2 shared
cores, so by default a documented subset is built, the same for both pipelines: whole gold laws (every version),
chosen by most questions per character until ``--gold-chars``, plus distractor laws drawn at random (seeded) from
the other national files until ``--distractor-chars``. Indexes are cached under ``--cache`` and reused; a larger
subset starts from the largest cached one it contains and embeds only the files that one lacks.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
LAWS = SHARED / "laws" / "lawrefbook"
LAWBENCH = SHARED / "qa" / "lawbench" / "zero_shot"
KS = (1, 5, 10)
THRESHOLDS = {"1-1": 0.5, "3-2": 0.3}


@dataclass
class Question:
    task: str
    id: str
    question: str
    title: str  # the law's full title
    article: int
    gold: list[tuple[str, int, int]] = field(default_factory=list)  # (source, start, end) of the article per version


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s，。；：、,.;:“”\"（）()《》]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _containment(answer: str, article: str) -> float:
    a = _bigrams(answer)
    return len(a & _bigrams(article)) / len(a) if a else 0.0


def _add_renumbered_copies(q: Question, sources: list[str], docs: dict, articles: dict) -> None:
    """A version with no gold yet gets the article whose text is a gold article's text (both ways ≥ 0.8).

    The answer-based rules miss a provision that an amendment only renumbered when the LawBench answer paraphrases
    it loosely (containment below 0.6 against every article): the unchanged provision is still the gold there.
    """
    gold_texts = [docs[s].text[b:e] for s, b, e in q.gold]
    have = {s for s, _, _ in q.gold}
    for source in sources:
        if source in have:
            continue
        text = docs[source].text
        scored = [(min(_containment(g, text[b:e]), _containment(text[b:e], g)), b, e)
                  for g in gold_texts for b, e in articles[source].values()]
        best = max(scored, default=None)
        if best and best[0] >= 0.8:
            q.gold.append((source, best[1], best[2]))


def national_documents(laws: Path = LAWS) -> dict:
    """source → Document for every national file (outside DLC/, without the _index.md stubs)."""
    from assistant.ingest import iter_files, load_document

    docs = {}
    for path, source in iter_files([laws]):
        if source.startswith("DLC/") or path.name in ("_index.md", "SOURCE.md"):
            continue
        docs[source] = load_document(path, source=source)
    return docs


def join_questions(docs: dict, tasks=("1-1", "3-2"), lawbench: Path = LAWBENCH) -> tuple[list[Question], collections.Counter]:
    """LawBench items joined to their gold articles in ``docs``; the counter says why items were dropped."""
    from assistant.ingest.laws import parse_articles
    from assistant.retrieval.legal_refs import LawCatalog, parse_refs

    by_title: dict[str, list[str]] = collections.defaultdict(list)
    for source, doc in docs.items():
        if doc.law_kind and doc.law_kind != "案例":
            by_title[doc.title].append(source)
    catalog = LawCatalog(dict(by_title))
    articles_cache: dict[str, dict[int, tuple[int, int]]] = {}
    questions, dropped = [], collections.Counter()
    for task in tasks:
        for i, item in enumerate(json.loads((lawbench / f"{task}.json").read_text(encoding="utf-8"))):
            refs = parse_refs(item["question"] if task == "1-1" else item["answer"])
            title = catalog.resolve(refs[0].name) if refs else None
            if title is None:
                dropped[f"{task}: law not found"] += 1
                continue
            answer = re.sub(r"^答案[:：]", "", item["answer"])
            q = Question(task, f"{task}-{i}", item["question"], title, refs[0].article)
            for source in by_title[title]:
                if source not in articles_cache:
                    articles_cache[source] = {a.number: (a.start, a.end) for a in parse_articles(docs[source].text)
                                              if "之" not in a.label}
                text = docs[source].text
                span = articles_cache[source].get(q.article)
                if span and _containment(answer, text[span[0]:span[1]]) >= THRESHOLDS[task]:
                    q.gold.append((source, *span))
                    continue
                # the same provision renumbered in another version: the article that matches the answer best
                scored = [(_containment(answer, text[s:e]), s, e) for s, e in articles_cache[source].values()]
                best = max(scored, default=None)
                if best and best[0] >= max(THRESHOLDS[task], 0.6):
                    q.gold.append((source, best[1], best[2]))
            if not q.gold:
                dropped[f"{task}: no version's article matches the answer"] += 1
                continue
            _add_renumbered_copies(q, by_title[title], docs, articles_cache)
            questions.append(q)
    return questions, dropped


def choose_subset(docs: dict, questions: list[Question], gold_chars: int, distractor_chars: int, seed: int = 0):
    """(sources, questions kept): gold laws by most questions per character, then random distractors."""
    if gold_chars <= 0:
        return sorted(docs), questions
    versions: dict[str, set[str]] = collections.defaultdict(set)
    count: collections.Counter = collections.Counter()
    for q in questions:
        versions[q.title].update(s for s, _, _ in q.gold)
        count[q.title] += 1
    size = {t: sum(len(docs[s].text) for s in v) for t, v in versions.items()}
    chosen, used = [], 0
    for title in sorted(versions, key=lambda t: (-count[t] / size[t], t)):
        if used + size[title] > gold_chars:
            continue
        chosen.append(title)
        used += size[title]
    sources = {s for t in chosen for s in versions[t]}
    titles = set(chosen)
    others = sorted(s for s, d in docs.items() if d.title not in versions and s not in sources)
    random.Random(seed).shuffle(others)
    extra = 0
    for s in others:
        if extra >= distractor_chars:
            break
        if len(docs[s].text) > distractor_chars // 4:
            continue
        sources.add(s)
        extra += len(docs[s].text)
    kept = [q for q in questions if q.title in titles]
    return sorted(sources), kept


def materialise(sources: list[str], cache: Path, laws: Path = LAWS) -> Path:
    """A folder of symbolic links to the chosen files, keeping the LawRefBook layout (the folder tells the kind)."""
    key = hashlib.sha1("\n".join(sources).encode("utf-8")).hexdigest()[:12]
    folder = cache / f"corpus-{key}"
    for s in sources:
        link = folder / s
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(laws / s)
    return folder


def seed_from_cached_subset(corpus: Path, cache: Path) -> Path | None:
    """Start a new corpus's indexes as copies of the largest cached ones whose files are all in it.

    Both pipelines then embed only the files the cached corpus lacks (the project skips documents it already holds;
    the naive pipeline adds the sources its store lacks), so a larger subset costs only its extra characters.
    """
    import shutil

    if (cache / f"project-{corpus.name}").exists() or (cache / f"naive-{corpus.name}").exists():
        return None
    def files_of(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_symlink() or p.is_file()}

    files = files_of(corpus)
    best, best_size = None, 0
    for other in cache.glob("corpus-*"):
        if other == corpus or not all((cache / f"{name}-{other.name}").is_dir() for name in ("project", "naive")):
            continue
        theirs = files_of(other)
        if theirs <= files and len(theirs) > best_size:
            best, best_size = other, len(theirs)
    if best is None:
        return None
    for name in ("project", "naive"):
        shutil.copytree(cache / f"{name}-{best.name}", cache / f"{name}-{corpus.name}")
    return best


def _overlaps(gold, source: str, start: int, end: int) -> bool:
    return any(gs == source and start < ge and gb < end for gs, gb, ge in gold)


def run(gold_chars: int = 120_000, distractor_chars: int = 60_000, cache: Path = Path("/tmp/bench/lawbench"),
        max_per_task: int | None = None, embedder=None, seed: int = 0, log=print, backend: str | None = None) -> dict:
    """Build (or reuse) both indexes over the subset, ask every joined question, return the figures."""
    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder
    from assistant.assistant import Assistant
    from benchmarks.naive import NaivePipeline

    t0 = time.perf_counter()
    docs = national_documents()
    questions, dropped = join_questions(docs)
    sources, questions = choose_subset(docs, questions, gold_chars, distractor_chars, seed)
    if max_per_task:
        per: dict[str, int] = collections.Counter()
        kept = []
        for q in questions:
            if per[q.task] < max_per_task:
                per[q.task] += 1
                kept.append(q)
        questions = kept
    corpus = materialise(sources, cache)
    chars = sum(len(docs[s].text) for s in sources)
    log(f"corpus: {len(sources)} files, {chars} characters ({corpus}); questions: "
        f"{collections.Counter(q.task for q in questions)}; dropped in the join: {dict(dropped)}")
    key = corpus.name
    seeded = seed_from_cached_subset(corpus, cache)
    if seeded:
        log(f"indexes seeded from the cached subset {seeded.name}: only the other files are embedded")
    settings = Settings(store_dir=str(cache / f"project-{key}"), **({"embedding_backend": backend} if backend else {}))
    embedder = embedder or make_embedder(settings)
    project = Assistant(settings, embedder=embedder)
    t = time.perf_counter()
    report = project.index([corpus])
    project_seconds = time.perf_counter() - t
    log(f"project index: {report.summary()} in {project_seconds:.0f} s")
    naive = NaivePipeline(embedder, persist_dir=cache / f"naive-{key}")
    t = time.perf_counter()
    present = naive.sources()
    missing = [s for s in sources if s not in present]
    if missing:
        naive.add_texts([docs[s].text for s in missing], [{"source": s, "title": docs[s].title} for s in missing])
    naive_seconds = time.perf_counter() - t
    log(f"naive index: {naive.count()} chunks in {naive_seconds:.0f} s")

    ranks: dict[str, dict[str, list[int | None]]] = {"project": collections.defaultdict(list),
                                                      "naive": collections.defaultdict(list)}
    for q in questions:
        hits = project.search(q.question, k=max(KS))
        ranks["project"][q.task].append(next(
            (i for i, h in enumerate(hits) if _overlaps(q.gold, h.chunk.source, h.chunk.start, h.chunk.end)), None))
        results = naive.search(q.question, k=max(KS))
        ranks["naive"][q.task].append(next(
            (i for i, r in enumerate(results)
             if _overlaps(q.gold, r.metadata["source"], r.metadata["start_index"],
                          r.metadata["start_index"] + len(r.page_content))), None))
    figures = {
        "corpus_files": len(sources), "corpus_chars": chars, "project_chunks": project.store.count(),
        "naive_chunks": naive.count(), "project_index_seconds": round(project_seconds, 1),
        "naive_index_seconds": round(naive_seconds, 1), "dropped": dict(dropped),
        "seconds": round(time.perf_counter() - t0, 1), "tasks": {},
    }
    for task in sorted({q.task for q in questions}):
        row = {"questions": len(ranks["project"][task])}
        for name in ("project", "naive"):
            rs = ranks[name][task]
            row[name] = {f"hit@{k}": round(sum(1 for r in rs if r is not None and r < k) / len(rs), 3) for k in KS}
        figures["tasks"][task] = row
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gold-chars", type=int, default=120_000, help="characters of gold laws (0: the whole national corpus)")
    p.add_argument("--distractor-chars", type=int, default=60_000, help="characters of distractor laws")
    p.add_argument("--max-per-task", type=int, default=None, help="at most this many questions per task")
    p.add_argument("--cache", default="/tmp/bench/lawbench", help="folder for the cached indexes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the figures as JSON here")
    p.add_argument("--backend", help="embedding_backend (torch, onnx, onnx-int8); use its own --cache")
    args = p.parse_args(argv)
    if not LAWS.is_dir() or not LAWBENCH.is_dir():
        print(f"需要 {LAWS} 和 {LAWBENCH}（../shared/data）/ the shared data is absent", file=sys.stderr)
        return 2
    figures = run(args.gold_chars, args.distractor_chars, Path(args.cache), args.max_per_task, seed=args.seed, backend=args.backend,
                  log=lambda m: print(m, file=sys.stderr, flush=True))
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    for task, row in figures["tasks"].items():
        print(f"{task} ({row['questions']} questions): " + "  ".join(
            f"{name} " + " ".join(f"{k}={v:.3f}" for k, v in row[name].items()) for name in ("project", "naive")),
            file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
