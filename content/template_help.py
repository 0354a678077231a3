"""The ``help`` sheet of the spreadsheet template: what each column means, in lv, lt and en."""

from __future__ import annotations

_HELP: tuple[tuple[str, str, str, str], ...] = (
    (
        "id",
        "Unikāls jautājuma identifikators: mazie burti, cipari un defises, piemēram, phys-001.",
        "Unikalus klausimo identifikatorius: mažosios raidės, skaitmenys ir brūkšneliai, "
        "pvz., phys-001.",
        "Unique question id: lowercase letters, digits and hyphens, e.g. phys-001.",
    ),
    (
        "type",
        "Jautājuma veids: single_choice, multiple_choice, true_false, numeric, ordering, "
        "open_text vai estimation.",
        "Klausimo tipas: single_choice, multiple_choice, true_false, numeric, ordering, "
        "open_text arba estimation.",
        "Question type: single_choice, multiple_choice, true_false, numeric, ordering, "
        "open_text or estimation.",
    ),
    (
        "topic",
        "Tēma: physics, chemistry, biology, earth_science, astronomy, human_body vai ecology.",
        "Tema: physics, chemistry, biology, earth_science, astronomy, human_body arba ecology.",
        "Topic: physics, chemistry, biology, earth_science, astronomy, human_body or ecology.",
    ),
    (
        "difficulty",
        "1 — viegls, 2 — vidējs, 3 — grūts.",
        "1 — lengvas, 2 — vidutinis, 3 — sunkus.",
        "1 easy, 2 medium, 3 hard.",
    ),
    (
        "audience",
        "Auditorija: children (bērni), everyone (visi) vai adults (pieaugušie).",
        "Auditorija: children (vaikai), everyone (visi) arba adults (suaugusieji).",
        "Audience: children, everyone or adults.",
    ),
    (
        "text_<lang>",
        "Jautājuma teksts katrā valodā.",
        "Klausimo tekstas kiekviena kalba.",
        "The question in each language.",
    ),
    (
        "option_<a–f>_<lang>",
        "Izvēles jautājumu atbilžu varianti vai sakārtošanas jautājuma elementi tādā secībā, "
        "kādā tos rāda.",
        "Pasirenkamųjų klausimų atsakymų variantai arba rikiavimo klausimo elementai ta tvarka, "
        "kuria jie rodomi.",
        "The options of a choice question, or the items of an ordering question in the order "
        "they are shown.",
    ),
    (
        "answer",
        "Pareizā atbilde: varianta burts (b); ar komatiem atdalīti burti jautājumiem "
        "multiple_choice (a, c); pareizā secība jautājumiem ordering (c, a, b); true vai false; "
        "skaitlis jautājumiem numeric un estimation.",
        "Teisingas atsakymas: varianto raidė (b); kableliais atskirtos raidės klausimams "
        "multiple_choice (a, c); teisinga tvarka klausimams ordering (c, a, b); true arba false; "
        "skaičius klausimams numeric ir estimation.",
        "The correct answer: an option letter (b); letters separated by commas for "
        "multiple_choice (a, c); the correct order for ordering (c, a, b); true or false; "
        "a number for numeric and estimation.",
    ),
    (
        "answer_<lang>",
        "Tikai open_text: pieņemamās atbildes katrā valodā, atdalītas ar ; (pirmo parāda, "
        "atklājot atbildi).",
        "Tik open_text: priimami atsakymai kiekviena kalba, atskirti ; (pirmasis rodomas "
        "atskleidus atsakymą).",
        "open_text only: the accepted answers in each language, separated by ; (the first is "
        "shown at the reveal).",
    ),
    (
        "tolerance",
        "numeric un estimation: pieļaujamā novirze no atbildes mērvienībās (tukšs = 0).",
        "numeric ir estimation: leistinas nuokrypis nuo atsakymo matavimo vienetais (tuščia = 0).",
        "numeric and estimation: how far from the answer still counts as right, in the unit "
        "(empty = 0).",
    ),
    (
        "unit_<lang>",
        "numeric un estimation: mērvienība katrā valodā (var būt tas pats simbols, piemēram, °C).",
        "numeric ir estimation: matavimo vienetas kiekviena kalba (gali būti tas pats "
        "simbolis, pvz., °C).",
        "numeric and estimation: the unit in each language (may be the same symbol, e.g. °C).",
    ),
    (
        "explanation_<lang>",
        "Skaidrojums vai interesants fakts, ko parāda pēc atbildes atklāšanas, katrā valodā.",
        "Paaiškinimas arba įdomus faktas, rodomas atskleidus atsakymą, kiekviena kalba.",
        "An explanation or fun fact shown after the reveal, in each language.",
    ),
    (
        "source",
        "Kur faktu var pārbaudīt (grāmata, raksts, tīmekļa vietne).",
        "Kur galima patikrinti faktą (knyga, straipsnis, svetainė).",
        "Where the fact can be checked (book, article, website).",
    ),
    (
        "media_path",
        "Neobligāts attēls, ceļš no paketes mapes, piemēram, media/phys-001.svg; pirms "
        "importēšanas iekopējiet failu tur.",
        "Neprivalomas paveikslėlis, kelias nuo paketo aplanko, pvz., media/phys-001.svg; "
        "prieš importuodami nukopijuokite failą ten.",
        "Optional image, relative to the pack folder, e.g. media/phys-001.svg; copy the file "
        "there before importing.",
    ),
    (
        "media_alt_<lang>",
        "Attēla apraksts tiem, kuri to neredz, katrā valodā.",
        "Paveikslėlio aprašymas tiems, kurie jo nemato, kiekviena kalba.",
        "What the image shows, for those who cannot see it, in each language.",
    ),
    ("media_credit", "Attēla autors.", "Paveikslėlio autorius.", "Who made the image."),
    (
        "media_licence",
        "Attēla licence, piemēram, CC-BY-SA-4.0.",
        "Paveikslėlio licencija, pvz., CC-BY-SA-4.0.",
        "The image's licence, e.g. CC-BY-SA-4.0.",
    ),
    (
        "time_limit",
        "Neobligāti: atbildes laiks sekundēs raunda noklusējuma vietā.",
        "Neprivaloma: atsakymo laikas sekundėmis vietoj numatytojo raundo laiko.",
        "Optional: seconds to answer, instead of the round's default.",
    ),
    (
        "points",
        "Neobligāti: punkti par pareizu atbildi raunda noklusējuma vietā.",
        "Neprivaloma: taškai už teisingą atsakymą vietoj numatytųjų raundo taškų.",
        "Optional: points for a correct answer, instead of the round's default.",
    ),
    (
        "kids",
        "Neobligāti: true, ja jautājums der pašiem jaunākajiem spēlētājiem.",
        "Neprivaloma: true, jei klausimas tinka patiems jauniausiems žaidėjams.",
        "Optional: true when the question suits the youngest players.",
    ),
    (
        "shuffle",
        "Neobligāti (izvēles un secības jautājumi): false — sacensībās rādīt atbilžu variantus "
        "rakstītajā secībā, nevis sajauktus.",
        "Neprivaloma (pasirinkimo ir eiliškumo klausimai): false — varžybose rodyti atsakymų "
        "variantus parašyta tvarka, o ne sumaišytus.",
        "Optional (choice and ordering questions): false keeps the written order of the options "
        "in a contest instead of shuffling them.",
    ),
    (
        "fixed_options",
        "Neobligāti: variantu burti, kas paliek savā vietā, kad pārējos sajauc (piemēram, d "
        "variantam „Visas minētās”).",
        "Neprivaloma: variantų raidės, kurios lieka savo vietoje, kai kiti sumaišomi (pvz., d "
        "variantui „Visi išvardyti“).",
        "Optional: option ids that keep their place while the others are shuffled (e.g. d for "
        "a last option 'All of the above').",
    ),
    (
        "strict_diacritics",
        "Neobligāti (open_text): true — atbildei jābūt ar pareizajām garumzīmēm un mīkstinājuma "
        "zīmēm (kazas nav kāzas).",
        "Neprivaloma (open_text): true — atsakymas turi būti su teisingais diakritiniais ženklais.",
        "Optional (open_text): true when a typed answer must have the right diacritics (kazas "
        "is not kāzas); by default they may be left out.",
    ),
    (
        "pack (sheet)",
        "Lapa pack satur pack.yaml laukus: id, version, title, description, authors "
        "(atdalīti ar ;), licence, languages (lv, lt, en). Atstājiet to tukšu, lai saglabātu "
        "paketes esošo pack.yaml.",
        "Lape pack yra pack.yaml laukai: id, version, title, description, authors "
        "(atskirti ;), licence, languages (lv, lt, en). Palikite ją tuščią, kad liktų esamas "
        "paketo pack.yaml.",
        "The pack sheet holds the pack.yaml fields: id, version, title, description, authors "
        "(separated by ;), licence, languages (lv, lt, en). Leave it empty to keep the pack's "
        "own pack.yaml.",
    ),
)


def help_rows() -> list[list[str | int | float | bool | None]]:
    """The rows of the help sheet, header first."""
    rows: list[list[str | int | float | bool | None]] = [["column", "lv", "lt", "en"]]
    rows += [list(row) for row in _HELP]
    return rows
