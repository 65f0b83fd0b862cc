"""A synthetic, realistic corpus for benchmarks: JSON Lines that import_articles reads.

    .venv/bin/python -m bench.corpus --articles 100000 --drugs 25000 --conditions 5000 --seed 1 --output corpus.jsonl

Deterministic for a given seed. Names and text are made up from syllables and
a small vocabulary; they make no medical claim.
"""

import argparse
import json
import random

from monographs.slugs import slug_for

SYLLABLES = ["ra", "vo", "lix", "zen", "tor", "mab", "pro", "ny", "cel", "dra", "fen", "qui", "sto", "var", "len",
             "bex", "mio", "tra", "zol", "pan"]  # fmt: skip
WORDS = [
    "the",
    "medicine",
    "dose",
    "patients",
    "treatment",
    "may",
    "can",
    "with",
    "without",
    "after",
    "before",
    "daily",
    "weekly",
    "tablet",
    "infusion",
    "injection",
    "doctor",
    "pharmacist",
    "side",
    "effects",
    "common",
    "rare",
    "serious",
    "blood",
    "liver",
    "kidney",
    "heart",
    "levels",
    "monitor",
    "reduce",
    "increase",
    "symptoms",
    "condition",
    "therapy",
    "response",
    "adults",
    "children",
    "weeks",
    "months",
    "take",
    "stop",
    "missed",
    "interaction",
    "food",
    "alcohol",
    "pregnancy",
    "breastfeeding",
    "storage",
    "room",
    "temperature",
]
TEMPLATES = [
    "How does {drug} work to treat {condition}?",
    "What are the side effects of {drug}?",
    "How should I take {drug} for {condition}?",
    "Can {drug} be taken with food?",
    "How long does {drug} take to work?",
    "Is {drug} safe during pregnancy?",
    "What should I do if I miss a dose of {drug}?",
    "How is {drug} stored?",
]
REVIEWERS = 20


def _parts(count: int, least: int) -> int:
    """Syllables a name needs for `count` different names (never fewer than `least`: the same names as before)."""
    parts = least
    while len(SYLLABLES) ** parts < count:
        parts += 1
    return parts


def _name(n: int, parts: int) -> str:
    letters = []
    for _ in range(parts):
        n, r = divmod(n, len(SYLLABLES))
        letters.append(SYLLABLES[r])
    return "".join(letters).capitalize()


def _paragraph(rng) -> str:
    sentences = []
    for _ in range(rng.randint(2, 6)):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def records(articles: int, drugs: int, conditions: int, seed: int = 1):
    """Yield the corpus's records: reviewers, conditions, drugs, then answers."""
    rng = random.Random(seed)
    reviewers = [(f"Reviewer {_name(i, 2)}", rng.choice(["PharmD", "BPharm", "RPh", "MD"])) for i in range(REVIEWERS)]
    for name, credentials in reviewers:
        yield {"kind": "reviewer", "name": name, "credentials": credentials, "bio": ""}
    condition_names = [f"{_name(i, _parts(conditions, 3))} Syndrome" for i in range(conditions)]
    for name in condition_names:
        yield {"kind": "condition", "name": name, "abbreviation": "", "summary": _paragraph(rng)}
    drug_names = [_name(i, _parts(drugs, 4)) for i in range(drugs)]
    treats = {}
    for name in drug_names:
        treats[name] = rng.sample(condition_names, k=min(len(condition_names), rng.randint(1, 2)))
        yield {
            "kind": "drug",
            "brand_name": name,
            "generic_name": name.lower() + "ab",
            "drug_class": "",
            "summary": _paragraph(rng),
            "conditions": treats[name],
        }
    if articles > drugs * len(TEMPLATES):
        raise ValueError(f"{articles} answers need at least {articles // len(TEMPLATES) + 1} drugs")
    slugs = []
    for i in range(articles):
        drug = drug_names[i % drugs]
        question = TEMPLATES[i // drugs].format(drug=drug, condition=treats[drug][0])
        slugs.append(slug_for(question))
    for i, slug in enumerate(slugs):
        drug = drug_names[i % drugs]
        published = rng.random() < 0.9
        reviewer = rng.choice(reviewers)
        others = rng.sample(range(articles), k=min(articles, 5))
        links = [slugs[n] for n in others if n != i]
        record = {
            "kind": "article",
            "external_id": f"corpus-{i}",
            "slug": slug,
            "question": TEMPLATES[i // drugs].format(drug=drug, condition=treats[drug][0]),
            "answer": "\n\n".join(_paragraph(rng) for _ in range(rng.randint(2, 8))),
            "summary": _paragraph(rng)[:250],
            "state": "published" if published else "draft",
            "drugs": [drug, *rng.sample(drug_names, k=rng.randint(0, 2))],
            "conditions": treats[drug][:1],
            "related_questions": links[: rng.randint(0, 3)],
            "read_next": links[3:4] if rng.random() < 0.5 else [],
        }
        if published:
            record["reviewer"] = {"name": reviewer[0], "credentials": reviewer[1]}
            record["reviewed_on"] = f"20{rng.randint(20, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        record["drugs"] = list(dict.fromkeys(record["drugs"]))
        yield record


def write(out, **options) -> int:
    """Write the corpus as JSON Lines; return the number of records."""
    count = 0
    for record in records(**options):
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def main():
    parser = argparse.ArgumentParser(description="Write a deterministic synthetic corpus (JSON Lines).")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--drugs", type=int, default=250)
    parser.add_argument("--conditions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", required=True, help="The JSON Lines file to write.")
    options = parser.parse_args()
    try:
        with open(options.output, "w", encoding="utf-8", newline="\n") as out:
            count = write(
                out, articles=options.articles, drugs=options.drugs, conditions=options.conditions, seed=options.seed
            )
    except ValueError as exc:
        parser.error(str(exc))
    print(f"Wrote {count} records to {options.output}.")


if __name__ == "__main__":
    main()
