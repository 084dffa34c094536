"""The peer for bench/dedup: datasketch's MinHash and MinHashLSH on the same texts and settings.

Run by bench/dedup/run.ts, which writes the records and the settings as JSON; this writes back, as
JSON, the near-duplicate pairs it found and the seconds (wall clock and CPU) each repeat took. Each
repeat is timed here, end to end, after the imports: normalising the texts, exact duplicates,
shingling, MinHash, building the LSH index, querying it and verifying each candidate by its estimated
Jaccard similarity, then the clusters. It normalises and shingles as Tailor does (lower case, words
are runs of letters and digits, word shingles, character shingles for texts with fewer words than a
shingle), so both sides hash the same shingle sets.
"""

import argparse
import json
import re
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"[^\W_]+")


def shingles(text: str, shingle_size: int, character_shingle_size: int) -> list[bytes]:
    words = WORD.findall(text.lower())
    if len(words) >= shingle_size:
        return [" ".join(words[i : i + shingle_size]).encode() for i in range(len(words) - shingle_size + 1)]
    normalised = " ".join(words)
    if len(normalised) <= character_shingle_size:
        return [normalised.encode()]
    size = character_shingle_size
    return [normalised[i : i + size].encode() for i in range(len(normalised) - size + 1)]


def find_duplicates(texts: list[str], settings: dict) -> tuple[list[list], int, int, int]:
    threshold = settings["threshold"]
    num_perm = settings["numPermutations"]
    false_positive_weight = settings["falsePositiveWeight"]

    first_of_text: dict[str, int] = {}
    unique: list[int] = []
    parent = list(range(len(texts)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    pairs: list[list] = []
    for index, text in enumerate(texts):
        normalised = " ".join(WORD.findall(text.lower()))
        first = first_of_text.setdefault(normalised, index)
        if first != index:
            union(first, index)
            pairs.append([first, index, 1.0])
        elif normalised:
            unique.append(index)

    shingle_sets = [
        shingles(texts[index], settings["shingleSize"], settings["characterShingleSize"]) for index in unique
    ]
    minhashes = MinHash.bulk(shingle_sets, num_perm=num_perm, seed=settings["seed"])
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(false_positive_weight, 1 - false_positive_weight))
    by_record: dict[int, MinHash] = {}
    for index, minhash in zip(unique, minhashes, strict=True):
        for other in lsh.query(minhash):
            similarity = minhash.jaccard(by_record[other])
            if similarity >= threshold:
                union(other, index)
                pairs.append([other, index, similarity])
        lsh.insert(index, minhash)
        by_record[index] = minhash
    # The clusters and the records kept, as Tailor reports them.
    clusters: dict[int, list[int]] = {}
    for index in range(len(texts)):
        clusters.setdefault(find(index), []).append(index)
    return pairs, lsh.b, lsh.r, len(clusters)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="JSON of {texts, settings, repeats}")
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    with open(arguments.data, encoding="utf-8") as file:
        data = json.load(file)
    seconds, cpu_seconds = [], []
    for _ in range(data["repeats"]):
        started, cpu_started = time.perf_counter(), time.process_time()
        pairs, bands, rows, kept = find_duplicates(data["texts"], data["settings"])
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    # Outside the timing: distinct shingles over all texts, which run.ts checks against its own count.
    settings = data["settings"]
    sizes = settings["shingleSize"], settings["characterShingleSize"]
    total_shingles = sum(len(set(shingles(text, *sizes))) for text in data["texts"])
    with open(arguments.out, "w", encoding="utf-8") as file:
        result = {"seconds": seconds, "pairs": pairs, "bands": bands, "rows": rows, "shingles": total_shingles}
        json.dump({**result, "kept": kept, "cpuSeconds": cpu_seconds}, file)


if __name__ == "__main__":
    main()
