#!/usr/bin/env python3
"""An independent word count for the countwords-mpi integration test.

Same definition as the README, written differently (a regular expression
instead of a state machine): a word is letters (str.isalpha) joined by single
apostrophes (' or U+2019, written as '), lower-cased; everything else separates.

    count_words.py PATH...   ->  "word<TAB>count" lines in code-point order, as
                                 countwords-mpi --counts writes them
Folders are walked recursively, hidden entries skipped, like the program.
"""
import os
import re
import sys
from collections import Counter

WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def files_of(path):
    if not os.path.isdir(path):
        yield path
        return
    found = []
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [os.path.join(root, n) for n in names if not n.startswith(".")]
    yield from sorted(found)


def count(text, counter):
    # Keep letters and apostrophes only, so the pattern's class means "letter".
    kept = "".join(c if c.isalpha() or c in "'\u2019" else " " for c in text)
    for match in WORD.finditer(kept):
        counter[match.group().lower().replace("\u2019", "'")] += 1


def main(paths):
    counter = Counter()
    for path in paths:
        for name in files_of(path):
            with open(name, encoding="utf-8", errors="replace") as f:
                count(f.read(), counter)
    for word in sorted(counter):
        print(f"{word}\t{counter[word]}")


if __name__ == "__main__":
    main(sys.argv[1:])
