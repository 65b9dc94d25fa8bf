"""French figure words: "12 morts", "au moins 15 blessés", "libération de 400 prisonniers"."""

from newswatch.analysis.facts.figure_vocabulary import Vocabulary
from newswatch_schemas import FigureQualifier

VOCABULARY = Vocabulary(
    language="fr",
    attacks="attaque attentat attentats embuscade raid frappe assaut explosion",
    killed=(
        "mort morte mortes tué tuée tuées tués tuant tuer tue tuent décès péri périssent victime "
        "victimes exécuté exécutés"
    ),
    wounded="blessé blessée blessées blessés blessant blesser blessent",
    released=(
        "libération libère libèrent libérera libéreront libéré libérée libérés libérées libérer "
        "libérant relâche relâchent relâché relâchée relâchés relâcher échange"
    ),
    prisoners="prisonnier prisonnière détenu détenue otage captif",
    troops="soldat militaire troupe troupes forces force commando",
    people=(
        "personne civil civile enfant femme homme combattant taliban insurgé policier policiers "
        "membre habitant passager autre autres gens"
    ),
    units=(
        "jour jours semaine semaines mois an ans année années heure heures minute minutes "
        "kilomètre kilomètres km mètre mètres district districts province provinces village "
        "villages maison maisons véhicule véhicules dollar euro afghani pourcent pour fois"
    ),
    months="janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    numbers={
        1: "un une",
        2: "deux",
        3: "trois",
        4: "quatre",
        5: "cinq",
        6: "six",
        7: "sept",
        8: "huit",
        9: "neuf",
        10: "dix",
        11: "onze",
        12: "douze",
        13: "treize",
        14: "quatorze",
        15: "quinze",
        16: "seize",
        30: "trente",
        40: "quarante",
        50: "cinquante",
        60: "soixante",
    },
    multipliers={20: "vingt vingts", 100: "cent cents"},
    scales={1_000: "mille", 1_000_000: "million millions"},
    vague={20: "dizaines", 200: "centaines", 2_000: "milliers"},
    approximate={
        10: "dizaine",
        12: "douzaine",
        20: "vingtaine",
        30: "trentaine",
        100: "centaine",
        1_000: "millier",
    },
    articles="un une",
    connectors="et",
    of_words="de d des",
    conjunctions="et ou",
    range_links="à",
    qualifiers={
        FigureQualifier.AT_LEAST: "au moins|pas moins de|au minimum",
        FigureQualifier.MORE_THAN: "plus de|au-delà de|davantage de",
        FigureQualifier.ABOUT: "environ|quelque|près d'environ|autour de|approximativement",
        FigureQualifier.UP_TO: "près de|presque|jusqu'à|moins de|quasiment",
    },
    group_separators=" \u00a0\u202f.",
    decimal_separators=",",
)
