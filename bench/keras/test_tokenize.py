"""Check the Keras script's tokenizer against the cases of src/data/tokenize.rs.

Run from this folder with the venv that bench/compare makes:

    python -m unittest test_tokenize

The expected tokens are those of the Rust tests. tokenize() returns words
and scores in no particular order, so the tests compare sorted lists.
"""

import unittest

from imdb_keras import tokenize

CASES = [
    ("GREAT!<br /><br />Loved it.", ["great", "!", "loved", "it"]),
    ("a<br>b<BR/>c<Br  />d", ["a", "b", "c", "d"]),
    ("a<brr>b <b>bold</b>", ["a", "brr", "b", "b", "bold", "b"]),
    ("<br", ["br"]),
    ("Don't 'quote' it’s", ["don", "t", "quote", "it", "s"]),
    ("café's O'NEIL", ["café", "s", "o", "neil"]),
    ("snake_case", ["snake", "case"]),
    ("Why?! Wow!!", ["why", "?", "!", "wow", "!", "!"]),
    ("é!", ["é", "!"]),
    ("7/10, well-made 80s", ["7", "7/10", "10", "well", "made", "80s"]),
    ("10/10!", ["10", "10/10", "10", "!"]),
    ("1/2x 3/ 4 a1/2", ["1", "2x", "3", "4", "a1", "2"]),
    ("8/10é 9/10—", ["8", "10é", "9", "9/10", "10"]),
    ("1/2/3", ["1", "1/2", "2", "2/3", "3"]),
    ("e\u03017/10", ["e\u03017", "10"]),
    ("CAFÉ Ñandú 映画", ["café", "ñandú", "映画"]),
    ("e\u0301t\u0301e \u0301x", ["e\u0301t\u0301e", "x"]),
    ("GREAT—film naïve ABCé", ["great", "film", "naïve", "abcé"]),
    ("", []),
    ("\0\0a\0b\0", ["a", "b"]),
]


class TokenizeTest(unittest.TestCase):
    def test_rust_cases(self):
        for text, expected in CASES:
            with self.subTest(text=text):
                self.assertEqual(sorted(tokenize(text)), sorted(expected))

    def test_long_single_line(self):
        self.assertEqual(tokenize("Word " * 100_000), ["word"] * 100_000)


if __name__ == "__main__":
    unittest.main()
