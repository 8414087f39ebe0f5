from hypothesis import given
from hypothesis import strategies as st

from spip_desktop.domain.text import fold, name_sort_key, search_document, search_terms


def test_fold_removes_accents_ligatures_case_and_punctuation() -> None:
    assert fold("Hélène") == "helene"
    assert fold("François") == "francois"
    assert fold("Lætitia") == "laetitia"
    assert fold("CŒUR") == "coeur"
    assert fold("Jean-Noël") == "jean noel"
    assert fold("L'Hôpital") == "l hopital"
    assert fold("  d’Arçon  ") == "d arcon"


def test_search_terms_split_like_the_stored_text() -> None:
    assert search_terms("jean noel") == ["jean", "noel"]
    assert search_terms("l'hopital") == ["l", "hopital"]
    assert search_terms("Jean-Noël JEAN") == ["jean", "noel"]
    assert search_terms("  ") == []


def test_every_query_word_prefixes_a_word_of_the_document() -> None:
    cases = {
        "helene": ("Martin", "Hélène"),
        "francois": ("Durand", "François"),
        "laetitia": ("Roux", "Lætitia"),
        "coeur": ("Cœur", "Paul"),
        "jean noel": ("Petit", "Jean-Noël"),
        "l'hopital": ("L'Hôpital", "Marc"),
    }
    for query, (surname, first_name) in cases.items():
        words = search_document(surname, first_name).split()
        for term in search_terms(query):
            assert any(w.startswith(term) for w in words), (query, words)


def test_names_sort_as_a_french_directory() -> None:
    names = ["Zola", "Élie", "eluard", "Ecker", "Dupont", "de La Fontaine", "Œuvray", "Oeil"]
    ordered = sorted(names, key=name_sort_key)
    assert ordered == [
        "de La Fontaine",
        "Dupont",
        "Ecker",
        "Élie",
        "eluard",
        "Oeil",
        "Œuvray",
        "Zola",
    ]


@given(st.text())
def test_fold_is_idempotent_and_ascii(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded.isascii()
    assert folded == folded.strip()
