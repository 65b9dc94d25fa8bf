"""Figures in Dari/Persian, Pashto, Urdu, Arabic, Russian and French: headlines and summary
sentences in each language's news style, with the figures expected (kind, value, qualifier,
span text), and sentences whose numbers count nothing (years, dates, districts, money, days,
percentages)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.analysis.facts.extract import extract
from newswatch.analysis.facts.figures import figures_in
from newswatch.analysis.facts.figures_multilingual import figures_in_language
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch_schemas import Figure, TextField

GAZETTEER = compile_gazetteer()

Expected = list[tuple[str, int, str, str]]


def figures(text: str) -> Expected:
    """(kind, value, qualifier, text) of every figure in ``text`` as a summary; every span
    points at its text."""
    found = extract(GAZETTEER, "", text).figures
    for figure in found:
        assert figure.field is TextField.SUMMARY
        assert text[figure.start : figure.end] == figure.text
    return [(f.kind.value, f.value, f.qualifier.value, f.text) for f in found]


PERSIAN: list[tuple[str, Expected]] = [
    (
        "حداقل ۲۰ تن کشته و ۱۵ تن دیگر زخمی شدند",
        [("killed", 20, "at_least", "حداقل ۲۰"), ("wounded", 15, "exact", "۱۵")],
    ),
    ("۱۵ سرباز اردوی ملی در این حمله زخمی شدند", [("wounded", 15, "exact", "۱۵")]),
    (
        "طالبان بیش از ۴۵۰۰ حمله در ولایت‌های کشور انجام داده‌اند",
        [("attacks", 4500, "more_than", "بیش از ۴۵۰۰")],
    ),
    ("آزادی ۵۰۰ زندانی طالبان آغاز شد", [("prisoners_released", 500, "exact", "۵۰۰")]),
    ("پنج هزار زندانی طالبان آزاد می‌شوند", [("prisoners_released", 5000, "exact", "پنج هزار")]),
    ("حدود ۱۲ هزار سرباز آمریکایی در افغانستان", [("troops", 12000, "about", "حدود ۱۲ هزار")]),
    ("طالبان ۱٬۰۰۰ زندانی را در بازداشت دارند", [("prisoners", 1000, "exact", "۱٬۰۰۰")]),
    ("ده‌ها تن در انفجار کشته شدند", [("killed", 20, "vague", "ده‌ها")]),
    ("بیست و پنج غیرنظامی جان باختند", [("killed", 25, "exact", "بیست و پنج")]),
    ("کشته شدن ۱۰ نفر در کابل", [("killed", 10, "exact", "۱۰")]),
    ("۱۰ تا ۱۵ تن کشته شدند", [("killed", 10, "at_least", "۱۰ تا ۱۵")]),
    ("دو صد زندانی آزاد شد", [("prisoners_released", 200, "exact", "دو صد")]),
    ("۱۲ نفر کشته و زخمی شدند", []),
    ("در سال ۱۳۹۹ حمله‌ها افزایش یافت", []),
    ("حمله در ۱۵ اسد ۱۴۰۰ رخ داد", []),
    ("طالبان ۳ ولسوالی را پس از حمله تصرف کردند", []),
    ("۵ روز پس از حمله انتحاری", []),
    ("حملات ۷۰٪ افزایش یافت", []),
]

PASHTO: list[tuple[str, Expected]] = [
    ("په دې برید کې ۲۰ تنه ووژل شول", [("killed", 20, "exact", "۲۰")]),
    (
        "لږ تر لږه ۱۵ سرتیري ټپیان شول",
        [("wounded", 15, "at_least", "لږ تر لږه ۱۵")],
    ),
    ("۵۰۰ طالب بندیان خوشې شول", [("prisoners_released", 500, "exact", "۵۰۰")]),
    ("طالبانو ۳۰ بریدونه وکړل", [("attacks", 30, "exact", "۳۰")]),
    ("شاوخوا ۱۲ زره امریکايي سرتیري", [("troops", 12000, "about", "شاوخوا ۱۲ زره")]),
    ("پنځه ملکیان ووژل شول", [("killed", 5, "exact", "پنځه")]),
    ("لسګونه کسان ټپیان شول", [("wounded", 20, "vague", "لسګونه")]),
    ("د ۴۰۰ بندیانو خوشې کول", [("prisoners_released", 400, "exact", "۴۰۰")]),
    ("طالبانو ۱۰۰۰ بندیان ساتلي دي", [("prisoners", 1000, "exact", "۱۰۰۰")]),
    ("۵ ورځې وروسته برید وشو", []),
    ("په ۱۳۹۹ کال کې بریدونه زیات شول", []),
    ("طالبانو ۳ ولسوالۍ ونیولې او ووژل", []),
]

URDU: list[tuple[str, Expected]] = [
    ("کم از کم 12 افراد ہلاک ہو گئے", [("killed", 12, "at_least", "کم از کم 12")]),
    ("دھماکے میں 15 افراد زخمی ہوئے", [("wounded", 15, "exact", "15")]),
    (
        "500 سے زیادہ قیدیوں کو رہا کر دیا گیا",
        [("prisoners_released", 500, "more_than", "500 سے زیادہ")],
    ),
    ("طالبان نے 30 حملے کیے", [("attacks", 30, "exact", "30")]),
    ("افغانستان میں 12 ہزار امریکی فوجی موجود ہیں", [("troops", 12000, "exact", "12 ہزار")]),
    ("درجنوں افراد ہلاک ہو گئے", [("killed", 24, "vague", "درجنوں")]),
    ("پانچ فوجی شہید ہو گئے", [("killed", 5, "exact", "پانچ")]),
    ("طالبان کے پاس 1,000 قیدی ہیں", [("prisoners", 1000, "exact", "1,000")]),
    ("حملہ 2020 میں ہوا", []),
    ("حملے کے 5 دن بعد", []),
    ("طالبان نے 3 اضلاع پر حملہ کیا", []),
    ("10 ڈالر کی امداد زخمی افراد کو", []),
    ("10 سے 15 افراد ہلاک", [("killed", 10, "at_least", "10 سے 15")]),
]

ARABIC: list[tuple[str, Expected]] = [
    ("مقتل 20 شخصا في هجوم انتحاري", [("killed", 20, "exact", "20")]),
    (
        "مقتل 20 شخصا على الأقل وإصابة 15 آخرين",
        [("killed", 20, "at_least", "20"), ("wounded", 15, "exact", "15")],
    ),
    ("إطلاق سراح 100 سجين من طالبان", [("prisoners_released", 100, "exact", "100")]),
    ("ما لا يقل عن 12 جنديا قتلوا", [("killed", 12, "at_least", "ما لا يقل عن 12")]),
    ("شنت الحركة أكثر من 4500 هجوم", [("attacks", 4500, "more_than", "أكثر من 4500")]),
    ("نحو 12 ألف جندي أمريكي في أفغانستان", [("troops", 12000, "about", "نحو 12 ألف")]),
    ("الإفراج عن خمسة آلاف سجين", [("prisoners_released", 5000, "exact", "خمسة آلاف")]),
    ("عشرات القتلى والجرحى", []),
    ("سقوط عشرات القتلى في قندهار", [("killed", 20, "vague", "عشرات")]),
    ("تحتجز الحركة 1000 معتقل", [("prisoners", 1000, "exact", "1000")]),
    (
        "سقوط 20 قتيلا و30 جريحا",
        [("killed", 20, "exact", "20"), ("wounded", 30, "exact", "30")],
    ),
    ("خمسة وعشرون قتيلا", [("killed", 25, "exact", "خمسة وعشرون")]),
    ("وقع الهجوم في عام 2020", []),
    ("هجوم في 15 مارس", []),
    ("سيطرت طالبان على 3 مديريات بعد الهجوم", []),
    ("5 ملايين دولار للسجناء المفرج عنهم", []),
]

RUSSIAN: list[tuple[str, Expected]] = [
    ("В результате нападения погибли 12 человек", [("killed", 12, "exact", "12")]),
    (
        "Не менее 15 военнослужащих были ранены",
        [("wounded", 15, "at_least", "Не менее 15")],
    ),
    ("Освобождены 500 заключенных", [("prisoners_released", 500, "exact", "500")]),
    ("Талибы совершили более 4500 атак", [("attacks", 4500, "more_than", "более 4500")]),
    ("около 12 тысяч американских военных", [("troops", 12000, "about", "около 12 тысяч")]),
    (
        "более пяти тысяч заключенных освобождены",
        [("prisoners_released", 5000, "more_than", "более пяти тысяч")],
    ),
    ("десятки человек погибли", [("killed", 20, "vague", "десятки")]),
    ("талибы удерживают 1 000 пленных", [("prisoners", 1000, "exact", "1 000")]),
    (
        "погибли 12 и ранены 15 человек",
        [("killed", 12, "exact", "12"), ("wounded", 15, "exact", "15")],
    ),
    ("12 убитых и раненых", []),
    ("Двенадцать человек погибли", [("killed", 12, "exact", "Двенадцать")]),
    ("погибли двое военных", [("killed", 2, "exact", "двое")]),
    ("нападение произошло в 2020 году", []),
    ("нападение 15 марта", []),
    ("талибы захватили 3 уезда после нападения", []),
    ("через 5 дней после теракта", []),
]

FRENCH: list[tuple[str, Expected]] = [
    ("Attentat à Kaboul : 12 morts", [("killed", 12, "exact", "12")]),
    (
        "au moins 12 morts et 15 blessés",
        [("killed", 12, "at_least", "au moins 12"), ("wounded", 15, "exact", "15")],
    ),
    (
        "la libération de 5 000 prisonniers talibans",
        [("prisoners_released", 5000, "exact", "5 000")],
    ),
    ("plus de 4 500 attaques depuis mars", [("attacks", 4500, "more_than", "plus de 4 500")]),
    ("environ 12 000 soldats américains", [("troops", 12000, "about", "environ 12 000")]),
    ("deux cents soldats ont été tués", [("killed", 200, "exact", "deux cents")]),
    ("des dizaines de civils blessés", [("wounded", 20, "vague", "dizaines")]),
    ("une dizaine de soldats tués", [("killed", 10, "about", "une dizaine")]),
    (
        "quatre-vingt-dix prisonniers libérés",
        [("prisoners_released", 90, "exact", "quatre-vingt-dix")],
    ),
    ("les talibans détiennent 1 000 prisonniers", [("prisoners", 1000, "exact", "1 000")]),
    ("12 morts ou blessés", []),
    ("vingt-deux soldats tués", [("killed", 22, "exact", "vingt-deux")]),
    ("L’attaque a fait 12 morts", [("killed", 12, "exact", "12")]),
    ("5 000 dollars pour les prisonniers libérés", []),
    ("l'attaque a eu lieu en 2020", []),
    ("attaque le 15 mars", []),
    ("les talibans ont pris 3 districts après l'attaque", []),
    ("5 jours après l'attentat", []),
]

CASES = [
    pytest.param(text, expected, id=f"{language}-{number}")
    for language, cases in (
        ("fa", PERSIAN),
        ("ps", PASHTO),
        ("ur", URDU),
        ("ar", ARABIC),
        ("ru", RUSSIAN),
        ("fr", FRENCH),
    )
    for number, (text, expected) in enumerate(cases)
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_figures_in_each_language(text: str, expected: Expected) -> None:
    assert figures(text) == expected


def test_every_kind_in_every_language() -> None:
    kinds = {"attacks", "killed", "wounded", "prisoners_released", "prisoners", "troops"}
    for cases in (PERSIAN, PASHTO, URDU, ARABIC, RUSSIAN, FRENCH):
        assert {kind for _, expected in cases for kind, _, _, _ in expected} == kinds


def test_a_field_without_a_cue_word_is_not_read() -> None:
    assert extract(GAZETTEER, "۲۰ تن در کابل", "двенадцать человек, 5 000 personnes").figures == ()


def test_persian_and_arabic_indic_digits_read_alike() -> None:
    for digits in ("۱۲", "١٢", "12"):
        assert figures(f"{digits} سرباز کشته شدند") == [("killed", 12, "exact", digits)]


def test_the_cue_names_the_deciding_word() -> None:
    [figure] = extract(GAZETTEER, "", "Освобождены 500 заключенных").figures
    assert (figure.cue, figure.start, figure.end) == ("Освобождены", 12, 15)


def test_english_figures_win_where_another_language_reads_the_same_number() -> None:
    text = "Taliban free 500 prisoners; طالبان ۵۰۰ زندانی را آزاد کردند"
    assert figures(text) == [
        ("prisoners_released", 500, "exact", "500"),
        ("prisoners_released", 500, "exact", "۵۰۰"),
    ]
    assert [f.cue for f in extract(GAZETTEER, "", text).figures] == ["free", "آزاد"]


_VOCABULARY = (
    "۱۲ ١٢ 5 000 5٬000 ۵۰۰۰ 1,5 ۲۰ تا ۱۵ - – حداقل دست کم بیش از تن نفر کشته زخمی و آزاد "
    "زندانی سرباز حمله ده‌ها هزار پنج صد روز ۱۳۹۹ اسد مقتل وإصابة إطلاق سراح سجين جنديا "
    "عشرات آلاف خمسة وعشرون على الأقل و30 ہلاک زخمی سے زیادہ رہا قیدیوں درجنوں ووژل ټپیان "
    "погибли ранены освобождены заключенных более пяти тысяч десятки году morts blessés "
    "libération de prisonniers au moins quatre-vingt-dix une dizaine jours % ٪ . , ، ؛ ( "
    "\u200c ـ"
)
_PIECES = st.sampled_from(_VOCABULARY.split())
_TEXTS = st.lists(_PIECES, max_size=30).map(" ".join) | st.text(max_size=80)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_any_text_gives_figures_whose_spans_point_into_it(text: str) -> None:
    figures(text)


def test_arabic_marks_and_tatweel_do_not_split_words() -> None:
    assert figures("مَقتَل 20 شَخصًا") == [("killed", 20, "exact", "20")]
    assert figures("قُتِلَ 12 جنديًّا") == [("killed", 12, "exact", "12")]
    assert figures("۳۰ حــمله‌ی طالبان") == [("attacks", 30, "exact", "۳۰")]


_FRENCH = next(lexicon for lexicon in GAZETTEER.lexicons if lexicon.language == "fr")


def _french(text: str, taken: tuple[Figure, ...] = ()) -> list[tuple[int, str]]:
    found = figures_in_language(_FRENCH, text, TextField.SUMMARY, 0, len(text), taken=taken)
    return [(figure.value, figure.text) for figure in found]


def test_another_language_keeps_clear_of_the_figures_taken() -> None:
    text = "12 soldats tués et 5 otages libérés"
    [twelve, five] = figures_in_language(_FRENCH, text, TextField.SUMMARY, 0, len(text))
    assert _french(text) == [(12, "12"), (5, "5")]
    assert _french(text, (twelve,)) == [(5, "5")]
    assert _french(text, (five,)) == [(12, "12")]
    assert _french(text, (twelve, five)) == []


_MIXED = (
    "12 5 2,500 4 000 at least au moins more than plus de forces force raid raids explosion "
    "troops soldiers soldats killed tués wounded blessés prisoners otages freed libérés of de "
    "the security les and et dozens dizaines deux cents three hundred , . ; ( -"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MIXED.split()), max_size=30).map(" ".join))
def test_skipping_a_reading_covered_by_english_figures_changes_nothing(text: str) -> None:
    english = tuple(figures_in(text, TextField.SUMMARY, 0, len(text)))
    every = figures_in_language(_FRENCH, text, TextField.SUMMARY, 0, len(text))
    kept = [f for f in every if not any(e.start < f.end and f.start < e.end for e in english)]
    assert (
        figures_in_language(_FRENCH, text, TextField.SUMMARY, 0, len(text), taken=english) == kept
    )
