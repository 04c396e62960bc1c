"""The search tokenizer (app.search.text): bigram words, one per pair of characters, letters only."""

from __future__ import annotations

from app.search.text import SEPARATOR, document, encode, normalize, terms


def test_normalize_folds_width_and_case():
    assert normalize("ＹＨ２０２４ Ab（二）") == "yh2024 ab(二)"
    assert normalize(None) == "" and normalize("") == ""


def test_every_character_is_six_letters_a_to_p():
    for ch in "配a1%_（🔥 ":
        code = encode(ch)
        assert len(code) == 6 and set(code) <= set("abcdefghijklmnop")
    assert encode("配") == "aajben"  # U+914D: 00914d
    assert encode("配电") == encode("配") + encode("电")


def test_a_field_is_its_bigrams_then_its_last_character_then_a_separator():
    a, b, c = encode("配"), encode("电"), encode("箱")
    assert document(["配电箱"]).split() == [a + b, b + c, c, SEPARATOR]
    assert document(["配", None, "", "电箱"]).split() == [a, SEPARATOR, b + c, c, SEPARATOR]


def test_words_are_plain_ascii_letters_whatever_the_text():
    words = document(["YH2024-000001", "一号车间（东）", "配电箱 未接地，100%_完成！🔥"]).split()
    assert all(w.isascii() and w.isalpha() for w in words)


def test_query_terms():
    a, b, c = encode("配"), encode("电"), encode("箱")
    assert terms("配电箱") == ([a + b, b + c], False)
    assert terms(" 配电 ") == ([encode(" ") + a, a + b, b + encode(" ")], False)  # the caller strips
    assert terms("配") == ([a], True)
    assert terms("Ｙ") == ([encode("y")], True)
    assert terms("") == ([], False)
