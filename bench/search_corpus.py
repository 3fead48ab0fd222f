"""Text for the search benchmark: messages and source files over a Zipf vocabulary.

Words are made up (no dictionary ships with the machine) but distributed as a language's
are: the word of rank r is used in proportion to 1/r, so a few words are in most texts
and most words in few, as in real chats. About 2% of words carry an accent, so that
folding is exercised. Everything is seeded: every run writes the same corpus.
"""

import itertools
import random
import string

VOCABULARY_SIZE = 20_000
ACCENTS = str.maketrans("aeiou", "áéíóú")


def vocabulary(size: int = VOCABULARY_SIZE, seed: int = 1) -> list[str]:
    chance = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(chance.choices(string.ascii_lowercase, k=chance.randint(3, 10))))
    return sorted(words, key=lambda word: chance.random())


class Corpus:
    def __init__(self, seed: int = 2) -> None:
        self.words = vocabulary()
        self.chance = random.Random(seed)
        self._weights = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def _pick(self, count: int) -> list[str]:
        picked = self.chance.choices(self.words, cum_weights=self._weights, k=count)
        return [w.translate(ACCENTS) if self.chance.random() < 0.02 else w for w in picked]

    def message(self) -> str:
        """A chat message of 5 to 60 words, in sentences."""
        words = self._pick(self.chance.randint(5, 60))
        sentences = [words[i : i + 12] for i in range(0, len(words), 12)]
        return " ".join(" ".join(s).capitalize() + "." for s in sentences)

    def source_file(self) -> bytes:
        """A source-like file of 20 to 120 lines of identifiers, comments and strings."""
        lines = []
        for _ in range(self.chance.randint(20, 120)):
            a, b, c, d = self._pick(4)
            lines.append(
                self.chance.choice(
                    [
                        f"def {a}_{b}({c}):",
                        f"    return {a}.{b}({c}, {d})",
                        f"    # {a} {b} {c} {d}",
                        f'    {a} = "{b} {c} {d}"',
                        f"class {a.capitalize()}{b.capitalize()}:",
                    ]
                )
            )
        return ("\n".join(lines) + "\n").encode()

    def word_of_rank(self, rank: int) -> str:
        """The word used in proportion to 1/rank (rank 1 the commonest)."""
        return self.words[rank - 1]

    def two_word_queries(self, count: int, ranks: range) -> list[str]:
        """Queries of two words drawn evenly from the ranks given: what people search for
        are the words that tell texts apart, not the commonest."""
        pick = self.chance.choice
        return [
            f"{self.word_of_rank(pick(ranks))} {self.word_of_rank(pick(ranks))}"
            for _ in range(count)
        ]

    def prefix_queries(self, count: int, ranks: range) -> list[str]:
        """Queries of one prefix (a word's first three letters, then `*`)."""
        return [f"{self.word_of_rank(self.chance.choice(ranks))[:3]}*" for _ in range(count)]
