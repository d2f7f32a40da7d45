# ruff: noqa: RUF001, RUF002 (words in Arabic script are the point of this file)
"""Search words in the interface languages: what residents type in Urdu, Punjabi, Bengali,
Arabic, Farsi, Polish, Romanian or Slovak (and common romanised spellings of Urdu and
Punjabi), and what it means in the words the listings and the English search use.

REVIEW STATUS: DRAFTED, NEEDS COMMUNITY REVIEW. The development team drafted these
lists from dictionaries and everyday usage; no speaker of each language from our
communities has checked them yet. Please have each language's list reviewed by
people who speak it (ideally with the organisations that serve them) and note the
review here. Add words freely: this is data, and the search reads it as it is.

Shape: WORDS[language][meaning] = words. A meaning is a slug: a support type or a
community (the vocabularies' own slugs) or a common need (depression, loneliness…).
MEANINGS turns a meaning into English words the search understands (and that the
English synonym list expands further); a community slug also finds the services for
that community. A word may be listed under several meanings; words of two or more
words are matched as phrases. Romanised spellings are listed under the language they
romanise. Matching ignores case, Latin accents ("samotnosc" finds "samotność") and the
Arabic and Persian/Urdu forms of yeh, kaf and heh (ي/ی, ك/ک, ه/ہ), which keyboards mix.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Meanings that everyone searching here wants anyway (like "help" and "support" in
# English): such a word alone is ignored rather than required to appear in a listing.
IGNORED = frozenset({"help"})

MEANINGS: dict[str, tuple[str, ...]] = {
    # Support types
    "counselling": ("counselling", "therapy"),
    "bereavement": ("bereavement", "grief"),
    "domestic-abuse": ("domestic abuse", "abuse", "violence"),
    "crisis-support": ("crisis",),
    "family-support": ("family",),
    "befriending": ("befriending", "lonely"),
    # Communities (they also match by slug)
    "pakistani-kashmiri": ("pakistani", "kashmiri"),
    "bangladeshi": ("bangladeshi", "bengali"),
    "indian": ("indian",),
    "arab-middle-eastern": ("arab", "arabic"),
    "central-eastern-european": ("polish", "romanian", "slovak", "european"),
    "gypsy-roma-traveller": ("roma", "gypsy"),
    "refugees-asylum-seekers": ("refugee", "asylum"),
    # Common needs
    "depression": ("depression",),
    "sadness": ("sadness", "low mood"),
    "loneliness": ("loneliness", "isolation"),
    "anxiety": ("anxiety", "worry"),
    "stress": ("stress",),
    "women": ("women",),
    "men": ("men",),
    "help": (),
}

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    # Urdu, then romanised Urdu as people type it in Latin letters.
    "ur": {
        "depression": ("ڈپریشن", "افسردگی", "depression"),
        "sadness": ("اداسی", "اداس", "udasi", "udaasi", "udas", "udaas"),
        "loneliness": ("تنہائی", "اکیلا", "اکیلی", "اکیلاپن", "tanhai", "tanhayi", "akela", "akeli", "akelapan"),
        "bereavement": ("غم", "سوگ", "gham", "ghum", "sog"),
        "counselling": ("مشورہ", "مشاورت", "کونسلنگ", "mashwara", "mashwarah", "mashvara"),
        "anxiety": ("پریشانی", "فکر", "بےچینی", "pareshani", "pareshaani", "preshani", "fikar", "fikr"),
        "stress": ("ذہنی دباؤ", "تناؤ", "tension"),
        "help": ("مدد", "madad"),
        "refugees-asylum-seekers": ("پناہ گزین", "مہاجر", "پناہ", "panah"),
        "domestic-abuse": ("گھریلو تشدد", "تشدد", "gharelu tashaddud"),
        "women": ("خواتین", "عورتیں", "عورت", "khawateen", "aurat", "auraton"),
        "men": ("مرد",),
        "pakistani-kashmiri": ("پاکستانی", "کشمیری", "pakistani", "kashmiri"),
    },
    # Punjabi in Gurmukhi, then romanised Punjabi.
    "pa": {
        "depression": ("ਡਿਪਰੈਸ਼ਨ",),
        "sadness": ("ਉਦਾਸੀ", "ਉਦਾਸ", "udaasi", "udasi"),
        "loneliness": ("ਇਕੱਲਾਪਣ", "ਇਕੱਲਾ", "ਇਕੱਲੀ", "ikalla", "ikkalla", "ikalli"),
        "bereavement": ("ਸੋਗ", "ਦੁੱਖ", "sog", "dukh"),
        "counselling": ("ਸਲਾਹ", "ਕਾਊਂਸਲਿੰਗ"),
        "anxiety": ("ਚਿੰਤਾ", "ਪਰੇਸ਼ਾਨੀ", "chinta", "pareshani"),
        "help": ("ਮਦਦ", "ਸਹਾਇਤਾ", "madad"),
        "refugees-asylum-seekers": ("ਸ਼ਰਨਾਰਥੀ", "ਪਨਾਹ"),
        "domestic-abuse": ("ਘਰੇਲੂ ਹਿੰਸਾ", "ਹਿੰਸਾ"),
        "women": ("ਔਰਤਾਂ", "ਔਰਤ", "ਇਸਤਰੀਆਂ"),
        "men": ("ਮਰਦ", "ਆਦਮੀ"),
        "indian": ("ਭਾਰਤੀ",),
        "pakistani-kashmiri": ("ਪਾਕਿਸਤਾਨੀ", "ਕਸ਼ਮੀਰੀ"),
    },
    "bn": {
        "depression": ("বিষণ্ণতা", "বিষন্নতা", "ডিপ্রেশন", "হতাশা"),
        "sadness": ("দুঃখ", "মন খারাপ"),
        "loneliness": ("একাকীত্ব", "একাকিত্ব", "একা", "নিঃসঙ্গতা"),
        "bereavement": ("শোক",),
        "counselling": ("কাউন্সেলিং", "পরামর্শ"),
        "anxiety": ("দুশ্চিন্তা", "উদ্বেগ"),
        "help": ("সাহায্য", "সহায়তা"),
        "refugees-asylum-seekers": ("শরণার্থী", "আশ্রয়প্রার্থী"),
        "domestic-abuse": ("পারিবারিক সহিংসতা", "গৃহ নির্যাতন", "নির্যাতন"),
        "women": ("মহিলা", "নারী"),
        "men": ("পুরুষ",),
        "bangladeshi": ("বাংলাদেশী", "বাংলাদেশি", "বাঙালি"),
    },
    # Arabic writes the article al- as part of the word: both forms are listed.
    "ar": {
        "depression": ("اكتئاب", "الاكتئاب"),
        "sadness": ("حزن", "الحزن"),
        "loneliness": ("وحدة", "الوحدة", "عزلة", "العزلة"),
        "bereavement": ("حداد", "الحداد", "فقدان"),
        "counselling": ("استشارة", "استشارات", "إرشاد", "الإرشاد", "علاج نفسي"),
        "anxiety": ("قلق", "القلق"),
        "help": ("مساعدة", "المساعدة", "مساعده"),
        "refugees-asylum-seekers": ("لاجئ", "لاجئين", "لاجئون", "اللاجئين", "لجوء", "اللجوء"),
        "domestic-abuse": ("عنف أسري", "العنف الأسري", "عنف منزلي", "العنف المنزلي", "عنف"),
        "women": ("نساء", "النساء", "امرأة"),
        "men": ("رجال", "الرجال"),
        "arab-middle-eastern": ("عرب", "عربي", "العرب"),
    },
    "fa": {
        "depression": ("افسردگی",),
        "sadness": ("غم", "اندوه", "ناراحتی"),
        "loneliness": ("تنهایی",),
        "bereavement": ("سوگ", "داغدیدگی"),
        "counselling": ("مشاوره", "درمان"),
        "anxiety": ("اضطراب", "نگرانی"),
        "help": ("کمک",),
        "refugees-asylum-seekers": ("پناهنده", "پناهجو", "پناهندگی"),
        "domestic-abuse": ("خشونت خانگی", "خشونت"),
        "women": ("زنان", "زن"),
        "men": ("مردان", "مرد"),
        "arab-middle-eastern": ("ایرانی",),
    },
    # Polish nouns change their endings; the commonest forms are listed.
    "pl": {
        "depression": ("depresja", "depresji", "depresją", "depresyjny"),
        "sadness": ("smutek", "smutny", "smutna", "przygnębienie"),
        "loneliness": ("samotność", "samotności", "samotny", "samotna"),
        "bereavement": ("żałoba", "żałoby", "żałobie", "strata"),
        "counselling": ("terapia", "terapii", "terapeuta", "poradnictwo", "porada", "psycholog"),
        "anxiety": ("lęk", "niepokój", "stres"),
        "help": ("pomoc", "pomocy"),
        "refugees-asylum-seekers": ("uchodźca", "uchodźcy", "uchodźców", "azyl"),
        "domestic-abuse": ("przemoc domowa", "przemoc w rodzinie", "przemoc"),
        "women": ("kobiety", "kobiet", "kobieta"),
        "men": ("mężczyźni", "mężczyzn"),
        "central-eastern-european": ("polacy", "polska"),
    },
    "ro": {
        "depression": ("depresie", "depresia"),
        "sadness": ("tristețe", "trist", "tristă"),
        "loneliness": ("singurătate", "singurătatea", "singur", "singură"),
        "bereavement": ("doliu", "pierdere"),
        "counselling": ("consiliere", "terapie", "psiholog"),
        "anxiety": ("anxietate", "îngrijorare", "stres"),
        "help": ("ajutor",),
        "refugees-asylum-seekers": ("refugiat", "refugiați", "refugiaţi", "azil"),
        "domestic-abuse": ("violență domestică", "violență în familie", "violență"),
        "women": ("femei", "femeie"),
        "men": ("bărbați",),
        "central-eastern-european": ("români", "românia"),
        "gypsy-roma-traveller": ("romi", "rromi"),
    },
    "sk": {
        "depression": ("depresia", "depresie"),
        "sadness": ("smútok", "smutný", "smutná"),
        "loneliness": ("osamelosť", "samota", "osamelý", "osamelá"),
        "bereavement": ("smútok", "žiaľ", "strata"),
        "counselling": ("poradenstvo", "terapia", "psychológ"),
        "anxiety": ("úzkosť", "obavy", "stres"),
        "help": ("pomoc",),
        "refugees-asylum-seekers": ("utečenec", "utečenci", "azyl"),
        "domestic-abuse": ("domáce násilie", "násilie v rodine", "násilie"),
        "women": ("ženy", "žena"),
        "men": ("muži",),
        "central-eastern-european": ("slováci", "slovensko"),
        "gypsy-roma-traveller": ("rómovia", "róm", "rómsky"),
    },
}

# Keyboards mix the Arabic and the Persian/Urdu forms of these letters.
_ARABIC_SCRIPT_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ"})


def fold(text: str) -> str:
    """The form words are compared in: case-folded, Arabic-script letter forms unified, and
    accents dropped from Latin letters only (in other scripts the marks are letters)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_ARABIC_SCRIPT_FOLD)
    out = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn" and out and out[-1].isascii():
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _key(word: str) -> str:
    return " ".join(fold(word).split())


@cache
def _index() -> dict[str, frozenset[tuple[str, str]]]:
    """Folded word -> the (language, meaning) pairs it is listed under."""
    index: dict[str, set[tuple[str, str]]] = {}
    for language, meanings in WORDS.items():
        for meaning, words in meanings.items():
            for word in words:
                index.setdefault(_key(word), set()).add((language, meaning))
    return {word: frozenset(pairs) for word, pairs in index.items()}


def meanings_of(word: str) -> frozenset[str]:
    """The meanings (slugs) of a word or phrase typed in any interface language."""
    return frozenset(meaning for _language, meaning in _index().get(_key(word), ()))


def related_words(word: str) -> tuple[str, ...]:
    """The other words listed with the same meaning in the same language ("samotnosc" ->
    samotność, samotny…), so a translated description using any of them is found."""
    related: list[str] = []
    for language, meaning in sorted(_index().get(_key(word), ())):
        related.extend(WORDS[language][meaning])
    return tuple(dict.fromkeys(related))


@cache
def phrases() -> tuple[str, ...]:
    """The listed phrases of two or more words, longest first (folded)."""
    return tuple(sorted((w for w in _index() if " " in w), key=lambda w: -len(w.split())))
