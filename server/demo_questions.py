"""A small built-in question set in Latvian, Lithuanian and English, for demos and smoke tests.

The shipped pack (``content/packs/baltic-science``) is the real question source; these few
questions keep ``quiz demo`` working on a bare install and cover every round type.
"""

from __future__ import annotations

from game.questions import Estimation, Numeric, OpenText, Option, SingleChoice, TrueFalse


def _opt(oid: str, lv: str, lt: str, en: str) -> Option:
    return Option(id=oid, text={"lv": lv, "lt": lt, "en": en})


STORK = SingleChoice(
    id="demo-stork",
    text={
        "lv": "Kur pārziemo lielākā daļa Latvijas un Lietuvas balto stārķu?",
        "lt": "Kur žiemoja dauguma Latvijos ir Lietuvos baltųjų gandrų?",
        "en": "Where do most white storks from Latvia and Lithuania spend the winter?",
    },
    options=(
        _opt("a", "Skandināvijā", "Skandinavijoje", "In Scandinavia"),
        _opt("b", "Āfrikā", "Afrikoje", "In Africa"),
        _opt("c", "Islandē", "Islandijoje", "In Iceland"),
        _opt("d", "Paliek tepat", "Lieka čia pat", "They stay at home"),
    ),
    correct="b",
    explanation={
        "lv": "Baltie stārķi rudenī aizlido uz Āfriku, daudzi līdz pat tās dienvidu daļai.",
        "lt": "Baltieji gandrai rudenį išskrenda į Afriką, daugelis net į jos pietus.",
        "en": "White storks fly to Africa in autumn, many as far as its southern part.",
    },
    topic="biology",
    difficulty=1,
)

WATER = Numeric(
    id="demo-water",
    text={
        "lv": "Cik grādos pēc Celsija jūras līmenī vārās tīrs ūdens?",
        "lt": "Kokioje temperatūroje jūros lygyje verda grynas vanduo?",
        "en": "At what temperature does pure water boil at sea level?",
    },
    value=100.0,
    tolerance=0.0,
    unit={"lv": "°C", "lt": "°C", "en": "°C"},
    explanation={
        "lv": "Kalnos spiediens ir mazāks, tāpēc ūdens tur vārās zemākā temperatūrā.",
        "lt": "Kalnuose slėgis mažesnis, todėl vanduo ten verda žemesnėje temperatūroje.",
        "en": "Air pressure is lower on mountains, so water boils at a lower temperature there.",
    },
    topic="physics",
    difficulty=1,
)

SUN = TrueFalse(
    id="demo-sun",
    text={
        "lv": "Saule ir zvaigzne.",
        "lt": "Saulė yra žvaigždė.",
        "en": "The Sun is a star.",
    },
    correct=True,
    explanation={
        "lv": "Saule ir tuvākā zvaigzne Zemei — gāzu lode, kas spīd kodolsintēzes dēļ.",
        "lt": (
            "Saulė yra artimiausia Žemei žvaigždė — dujų rutulys, šviečiantis dėl "
            "termobranduolinės sintezės."
        ),
        "en": "The Sun is the star nearest to Earth, a ball of gas that shines by nuclear fusion.",
    },
    topic="astronomy",
    difficulty=1,
)

OXYGEN = OpenText(
    id="demo-oxygen",
    text={
        "lv": "Kuru gāzi augi izdala fotosintēzes laikā?",
        "lt": "Kokias dujas augalai išskiria fotosintezės metu?",
        "en": "Which gas do plants give off during photosynthesis?",
    },
    accepted={
        "lv": ("Skābekli", "Skābeklis", "O2"),
        "lt": ("Deguonį", "Deguonis", "O2"),
        "en": ("Oxygen", "O2"),
    },
    explanation={
        "lv": "Augi uzņem ogļskābo gāzi un ūdeni un gaismā izdala skābekli.",
        "lt": "Augalai sugeria anglies dioksidą bei vandenį ir šviesoje išskiria deguonį.",
        "en": "Plants take in carbon dioxide and water and, in light, release oxygen.",
    },
    topic="biology",
    difficulty=1,
)

AMBER = SingleChoice(
    id="demo-amber",
    text={
        "lv": "Kas ir dzintars?",
        "lt": "Kas yra gintaras?",
        "en": "What is amber?",
    },
    options=(
        _opt("a", "Pārakmeņojušies koku sveķi", "Suakmenėję medžių sakai", "Fossilised tree resin"),
        _opt("b", "Vulkāniskais stikls", "Vulkaninis stiklas", "Volcanic glass"),
        _opt("c", "Kristalizēta jūras sāls", "Kristalizuota jūros druska", "Crystallised sea salt"),
    ),
    correct="a",
    explanation={
        "lv": "Baltijas dzintars radies no skuju koku sveķiem pirms aptuveni 40 miljoniem gadu.",
        "lt": "Baltijos gintaras susidarė iš spygliuočių sakų maždaug prieš 40 milijonų metų.",
        "en": "Baltic amber formed from conifer resin about 40 million years ago.",
    },
    topic="earth_science",
    difficulty=1,
)

BONES = Estimation(
    id="demo-bones",
    text={
        "lv": "Cik kaulu ir pieauguša cilvēka skeletā?",
        "lt": "Kiek kaulų yra suaugusio žmogaus skelete?",
        "en": "How many bones are there in an adult human skeleton?",
    },
    value=206.0,
    unit={"lv": "kauli", "lt": "kaulai", "en": "bones"},
    explanation={
        "lv": "Jaundzimušajam kaulu ir vairāk — augot daļa no tiem saaug kopā.",
        "lt": "Naujagimis turi daugiau kaulų — augant dalis jų suauga.",
        "en": "A newborn has more bones; some of them fuse together as the child grows.",
    },
    topic="human_body",
    difficulty=2,
)

BUZZER_QUESTIONS = (STORK, AMBER, SUN)
ALL_PLAY_QUESTIONS = (OXYGEN, WATER)
ESTIMATION_QUESTIONS = (BONES,)
