"""What in an author list is not a person: placeholders, institutions, venues and the note's own writer.

A note's author line may hold values the writer never filled in (`TBD`, `Author info`, `N/A`,
`Unknown`), an affiliation (`New York University`, `Google Research`, `DeepMind`, `MIT`,
`Max Planck Institute for Intelligent Systems`, `Université de Montréal`), a venue the venue table does
not know in that case (`Iclr 2019`, `arXiv preprint`, `CVPR submission`, `ICML workshop 2020`) or the
writer's own credit (`Notes by X`). `not_a_person` names which of these a value is; the author reader
keeps the rest and reports what it dropped. The word lists are general (institution words in many
languages, placeholder words, venue words), never one file's values.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.venues import known_venue, short_venue_any_case
from store.text.folding import fold

# Values a writer leaves in a template instead of names (folded, punctuation dropped).
_PLACEHOLDER_VALUES = """
author|authors|author info|author information|authors info|author names|author name|author list|authors list|
names|name|tbd|tba|tbc|todo|to do|to be determined|to be announced|to be added|fixme|xxx|xx|na|n a|none|nil|
null|nobody|unknown|unknown authors|unknown author|anonymous|anon|anonymous authors|anonymous author|
anonymous submission|various|various authors|multiple|multiple authors|several|see paper|see below|see above|
see link|et al|others|and others|etc|same as above|first author|first author et al|firstname lastname|
first name last name|first last|your name|name here|author here|authors here|placeholder|lorem ipsum|autor|
autoren|autores|auteur|auteurs|autore|autori|inconnu|inconnue|anonyme|unbekannt|anonym|desconocido|anonimo|
sconosciuto|作者|未知|匿名|佚名|不明|著者|저자|미상
"""
PLACEHOLDERS = frozenset(v.strip() for v in _PLACEHOLDER_VALUES.split("|"))

# Words that make a value an organisation, in many languages (folded: no case, no accents).
_INSTITUTION_WORDS_TEXT = """
university universities univ uni college school academy institute institution institutes laboratory laboratories
lab labs research center centre department dept faculty division group team foundation society association
consortium council ministry agency hospital clinic corporation corp company inc incorporated ltd limited llc
gmbh srl plc polytechnic polytechnique politecnico politecnica polytechnical technion
universitat universitaet universite universidad universidade universita universiteit uniwersytet universitet
yliopisto egyetem universitatea hochschule fachhochschule ecole escuela escola scuola institut instituto istituto
instytut laboratoire laboratorio laboratorium centro zentrum centrum akademie academie academia accademia
fakultat faculte facultad departement departamento dipartimento stiftung fondation fundacion fondazione
大学 学院 研究所 研究院 实验室 研究室 公司 大學 實驗室 대학교 연구소
"""
_INSTITUTION_WORDS = frozenset(_INSTITUTION_WORDS_TEXT.split())
# Companies, labs and schools known by a name that holds no institution word ("DeepMind", "MIT", "Google Brain").
_ORGANISATIONS_TEXT = """
google deepmind openai anthropic facebook fair meta microsoft msr ibm nvidia amazon aws apple baidu alibaba
tencent huawei bytedance samsung intel adobe salesforce uber twitter netflix sensetime megvii naver kakao
yandex cohere huggingface mila inria cnrs csail bair sail ai2 riken kaist postech mit cmu nyu ucl ucla ucsd ucsb
usc uiuc uw epfl eth ethz kth tum lmu cuhk hkust nus ntu sjtu ustc zju pku snu iisc iit iiit
"""
_ORGANISATIONS = frozenset(_ORGANISATIONS_TEXT.split())
# Universities' place names, which are organisations when they stand alone ("Stanford", "Tsinghua").
_SCHOOL_NAMES_TEXT = """
stanford berkeley harvard oxford cambridge princeton yale cornell columbia caltech toronto montreal mcgill
tsinghua peking fudan zhejiang tokyo kyoto edinburgh imperial purdue stanford's
"""
_SCHOOL_NAMES = frozenset(_SCHOOL_NAMES_TEXT.split())
# Words that make a short value a venue or a publication state rather than a name.
_VENUE_WORDS_TEXT = """
arxiv preprint preprints workshop workshops submission submitted conference proceedings journal symposium
review tech report technical thesis dissertation accepted appear press findings oral spotlight poster
track main paper version draft camera ready openreview corr biorxiv medrxiv ssrn
"""
_VENUE_WORDS = frozenset(_VENUE_WORDS_TEXT.split())
_VENUE_FILLER_TEXT = "at in to of the on for under and a an with version v1 v2 v3 long short"
_VENUE_FILLER = frozenset(_VENUE_FILLER_TEXT.split())
_YEAR = re.compile(r"^['’]?(?:19|20)\d\d[a-z]?$|^['’]\d\d$")
_ARXIV_ID = re.compile(r"^(?:arxiv:)?\d{4}\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)
# The writer's own credit ("Summarized by X", "Notes by X", "Notizen von X").
WRITER_PREFIX = re.compile(
    r"^\s*(?:\(|_|\*)*\s*(?:(?:paper\s+)?(?:summari[sz]ed|summary|notes?|written|reviewed|annotated|compiled|"
    r"prepared|presented|review|write-?up|post)\s+(?:and\s+\w+\s+)?by|notizen\s+von|zusammengefasst\s+von|"
    r"notes\s+de|résumé\s+par|resumido\s+por|notas\s+de|notas\s+por)\s*:?\s+", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def _words(value: str) -> list[str]:
    return [fold(w) for w in _WORDS.findall(value)]


def is_placeholder(value: str) -> bool:
    """`TBD`, `Author info`, `N/A`, `Unknown`, `Anonymous`, a lone `et al.`, in any case."""
    words = _words(value)
    if not words:
        return bool(value.strip())  # "?", "-", "..." with nothing else
    return " ".join(words) in PLACEHOLDERS or (len(words) == 1 and len(words[0]) == 1 and not value.strip()[1:])


def is_institution(value: str) -> bool:
    """An organisation: a word of an institution in any of many languages, or a known organisation's name."""
    words = _words(value)
    if not words:
        return False
    if any(w in _INSTITUTION_WORDS for w in words) or any(w in _ORGANISATIONS for w in words):
        return True
    if any(w.endswith(("大学", "学院", "研究所", "大學", "公司", "대학교")) for w in words):
        return True
    return all(w in _SCHOOL_NAMES or w in {"the", "of", "at"} for w in words)


def venue_in(value: str) -> tuple[str | None, int | None] | None:
    """(venue, year) when `value` is nothing but a venue, year or publication state, in any case
    ("Iclr 2019", "arXiv preprint", "CVPR submission", "ICML workshop 2020", "2019"); else None."""
    tokens = [t for t in re.split(r"[\s,()\[\]:;'’-]+", value) if t]
    if not tokens or len(tokens) > 8:
        return None
    venue: str | None = None
    year: int | None = None
    strong = False
    for token in tokens:
        folded = fold(token).rstrip(".")
        if _ARXIV_ID.match(token):
            venue, strong = venue or "arXiv", True
        elif _YEAR.match(folded):
            digits = folded.strip("'’").rstrip("abcdefghijklmnopqrstuvwxyz")
            year = year or (int(digits) if len(digits) == 4 else 2000 + int(digits))
            strong = True
        elif (short := short_venue_any_case(token.rstrip("."))) is not None:
            venue, strong = venue or short, True
        elif folded in _VENUE_WORDS:
            strong = strong or folded not in {"oral", "spotlight", "poster", "track", "main", "paper", "version",
                                              "draft", "review", "press", "appear", "accepted"}
        elif folded not in _VENUE_FILLER:
            return None
    if not strong:
        whole = known_venue(value)
        return (whole, None) if whole else None
    return venue, year


def not_a_person(value: str) -> str | None:
    """Why `value` is not a person's name ("a placeholder", "an institution", "a venue", "the writer"), or
    None when it may be one."""
    if WRITER_PREFIX.match(value):
        return "the writer"
    if is_placeholder(value):
        return "a placeholder"
    if is_institution(value):
        return "an institution"
    if venue_in(value) is not None:
        return "a venue"
    return None
