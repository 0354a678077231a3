"""Interface texts of the admin area and the results page, in Latvian, Lithuanian and English.

These pages (``displays.after``) show the common catalogue (``displays.messages.catalogue``) plus
the keys of ``AfterMessages``; like the common catalogue, ``mypy`` rejects a language that misses a
key, and ``tests/displays/test_after_pages.py`` checks the ``{placeholders}`` agree.
"""

from __future__ import annotations

from typing import TypedDict

from displays.messages.catalogue import Lang


class AfterMessages(TypedDict):
    """The admin area's and the results page's texts."""

    page_admin: str
    page_results: str
    admin_sign_in: str
    admin_token_label: str
    admin_token_hint: str
    admin_sign_in_button: str
    admin_sign_out: str
    admin_contests: str
    admin_upcoming: str
    admin_live: str
    admin_finished: str
    admin_none: str
    admin_new_contest: str
    admin_refresh: str
    admin_open_host: str
    admin_confirm_rotate: str
    admin_results: str
    admin_created: str
    admin_title: str
    admin_starts_at: str
    admin_pack: str
    admin_teams: str
    admin_team_name: str
    admin_team_library: str
    admin_team_city: str
    admin_team_colour: str
    admin_add_team: str
    admin_remove: str
    admin_rounds: str
    admin_round_title: str
    admin_round_kind: str
    admin_points: str
    admin_time_limit: str
    admin_wrong_penalty: str
    admin_choose_by: str
    admin_by_topic: str
    admin_by_hand: str
    admin_topic: str
    admin_any: str
    admin_difficulty: str
    admin_count: str
    admin_preview: str
    admin_add_round: str
    admin_create: str
    admin_creating: str
    admin_links: str
    admin_link_host: str
    admin_link_screen: str
    admin_link_tablet: str
    admin_link_audience: str
    admin_link_agent: str
    admin_link_kiosk: str
    admin_link_results: str
    admin_secret_note: str
    admin_nothing_created: str
    admin_questions_chosen: str
    admin_participation: str
    admin_from: str
    admin_to: str
    admin_show: str
    admin_download: str
    results_podium: str
    results_ranking: str
    results_per_round: str
    results_progression: str
    results_questions: str
    results_players: str
    results_by_team: str
    results_by_city: str
    results_library: str
    results_generation: str
    results_total: str
    results_adjustments: str
    results_correct_share: str
    results_fastest: str
    results_photo_finish: str
    results_skipped: str
    results_print: str
    results_export: str
    results_not_finished: str
    results_sign_in_hint: str
    results_contests: str
    results_teams: str
    results_players_n: str
    results_question: str
    results_topic: str
    results_registration: str
    results_player_list: str
    results_player: str
    error_not_finished: str
    admin_senior_contest: str
    admin_senior_hint: str
    admin_team_senior: str


LV: AfterMessages = {
    "page_admin": "Administrēšana",
    "page_results": "Rezultāti",
    "admin_sign_in": "Pieteikties",
    "admin_token_label": "Administratora atslēga",
    "admin_token_hint": "Ielīmējiet QUIZ_ADMIN_TOKEN vērtību. Tā paliek tikai šajā cilnē.",
    "admin_sign_in_button": "Pieteikties",
    "admin_sign_out": "Iziet",
    "admin_contests": "Konkursi",
    "admin_upcoming": "Gaidāmie",
    "admin_live": "Notiek",
    "admin_finished": "Beigušies",
    "admin_none": "Nav konkursu.",
    "admin_new_contest": "Jauns konkurss",
    "admin_refresh": "Atjaunot",
    "admin_open_host": "Atvērt vadītāja pulti",
    "admin_confirm_rotate": (
        "Tiks izveidots jauns vadītāja noslēpums; vecais vairs nederēs. Turpināt?"
    ),
    "admin_results": "Rezultāti",
    "admin_created": "Izveidots",
    "admin_title": "Nosaukums",
    "admin_starts_at": "Sākums",
    "admin_pack": "Jautājumu komplekts",
    "admin_teams": "Komandas",
    "admin_team_name": "Komanda",
    "admin_team_library": "Bibliotēka",
    "admin_team_city": "Pilsēta",
    "admin_team_colour": "Krāsa",
    "admin_add_team": "Pievienot komandu",
    "admin_remove": "Noņemt",
    "admin_rounds": "Kārtas",
    "admin_round_title": "Kārtas nosaukums",
    "admin_round_kind": "Kārtas veids",
    "admin_points": "Punkti",
    "admin_time_limit": "Laiks (s)",
    "admin_wrong_penalty": "Sods par kļūdu",
    "admin_choose_by": "Jautājumu izvēle",
    "admin_by_topic": "Pēc tēmas un grūtības",
    "admin_by_hand": "Pašrocīgi",
    "admin_topic": "Tēma",
    "admin_any": "jebkura",
    "admin_difficulty": "Grūtība",
    "admin_count": "Skaits",
    "admin_preview": "Priekšskatījums",
    "admin_add_round": "Pievienot kārtu",
    "admin_create": "Izveidot konkursu",
    "admin_creating": "Veido…",
    "admin_links": "Saites",
    "admin_link_host": "Vadītāja pults",
    "admin_link_screen": "Lielais ekrāns",
    "admin_link_tablet": "Komandas planšete",
    "admin_link_audience": "Skatītāji",
    "admin_link_agent": "Pogu aģents",
    "admin_link_kiosk": "Reģistrācijas kiosks",
    "admin_link_results": "Rezultāti",
    "admin_secret_note": "Saglabājiet šīs saites: noslēpumi tiek rādīti tikai tagad.",
    "admin_nothing_created": "Nekas netika izveidots: izlabojiet norādīto un mēģiniet vēlreiz.",
    "admin_questions_chosen": "Izvēlēti jautājumi: {n}",
    "admin_participation": "Dalības pārskats",
    "admin_from": "No",
    "admin_to": "Līdz",
    "admin_show": "Rādīt",
    "admin_download": "Lejupielādēt",
    "results_podium": "Goda pjedestāls",
    "results_ranking": "Gala rezultāti",
    "results_per_round": "Punkti pa kārtām",
    "results_progression": "Punktu gaita",
    "results_questions": "Jautājumu statistika",
    "results_players": "Dalībnieki pa bibliotēkām un paaudzēm",
    "results_by_team": "Pareizās atbildes pa komandām",
    "results_by_city": "Pareizās atbildes pa pilsētām",
    "results_library": "Bibliotēka",
    "results_generation": "Paaudze",
    "results_total": "Kopā",
    "results_adjustments": "Labojumi",
    "results_correct_share": "Pareizi",
    "results_fastest": "Ātrākā poga",
    "results_photo_finish": "Fotofinišs",
    "results_skipped": "izlaists",
    "results_print": "Drukāt",
    "results_export": "Eksportēt",
    "results_not_finished": "Publiskie rezultāti būs redzami, kad konkurss beigsies.",
    "results_sign_in_hint": "Vadītājs vai administrators redz arī eksportus.",
    "results_contests": "Konkursi",
    "results_teams": "Komandas",
    "results_players_n": "Dalībnieki",
    "results_question": "Jautājums",
    "results_topic": "Tēma",
    "results_registration": "Kā dalībnieki reģistrējās",
    "results_player_list": "Dalībnieku saraksts",
    "results_player": "Dalībnieks",
    "error_not_finished": "Konkurss vēl nav beidzies.",
    "admin_senior_contest": "Senioru un pieejamības režīms visām komandām",
    "admin_senior_hint": (
        "Divreiz ilgāks atbildes laiks visu komandu un novērtēšanas kārtās, bez ātruma bonusa. "
        "Vadītājs to var mainīt katrai komandai, arī noņemt laika ierobežojumu."
    ),
    "admin_team_senior": "Senioru režīms",
}

LT: AfterMessages = {
    "page_admin": "Administravimas",
    "page_results": "Rezultatai",
    "admin_sign_in": "Prisijungti",
    "admin_token_label": "Administratoriaus raktas",
    "admin_token_hint": "Įklijuokite QUIZ_ADMIN_TOKEN reikšmę. Ji lieka tik šiame skirtuke.",
    "admin_sign_in_button": "Prisijungti",
    "admin_sign_out": "Atsijungti",
    "admin_contests": "Konkursai",
    "admin_upcoming": "Būsimi",
    "admin_live": "Vyksta",
    "admin_finished": "Pasibaigę",
    "admin_none": "Konkursų nėra.",
    "admin_new_contest": "Naujas konkursas",
    "admin_refresh": "Atnaujinti",
    "admin_open_host": "Atverti vedėjo pultą",
    "admin_confirm_rotate": ("Bus sukurta nauja vedėjo slaptoji frazė; senoji nebegalios. Tęsti?"),
    "admin_results": "Rezultatai",
    "admin_created": "Sukurta",
    "admin_title": "Pavadinimas",
    "admin_starts_at": "Pradžia",
    "admin_pack": "Klausimų rinkinys",
    "admin_teams": "Komandos",
    "admin_team_name": "Komanda",
    "admin_team_library": "Biblioteka",
    "admin_team_city": "Miestas",
    "admin_team_colour": "Spalva",
    "admin_add_team": "Pridėti komandą",
    "admin_remove": "Pašalinti",
    "admin_rounds": "Turai",
    "admin_round_title": "Turo pavadinimas",
    "admin_round_kind": "Turo tipas",
    "admin_points": "Taškai",
    "admin_time_limit": "Laikas (s)",
    "admin_wrong_penalty": "Bauda už klaidą",
    "admin_choose_by": "Klausimų parinkimas",
    "admin_by_topic": "Pagal temą ir sunkumą",
    "admin_by_hand": "Rankiniu būdu",
    "admin_topic": "Tema",
    "admin_any": "bet kuri",
    "admin_difficulty": "Sunkumas",
    "admin_count": "Kiekis",
    "admin_preview": "Peržiūra",
    "admin_add_round": "Pridėti turą",
    "admin_create": "Sukurti konkursą",
    "admin_creating": "Kuriama…",
    "admin_links": "Nuorodos",
    "admin_link_host": "Vedėjo pultas",
    "admin_link_screen": "Didysis ekranas",
    "admin_link_tablet": "Komandos planšetė",
    "admin_link_audience": "Žiūrovai",
    "admin_link_agent": "Mygtukų agentas",
    "admin_link_kiosk": "Registracijos kioskas",
    "admin_link_results": "Rezultatai",
    "admin_secret_note": "Išsaugokite šias nuorodas: slaptieji raktai rodomi tik dabar.",
    "admin_nothing_created": "Niekas nesukurta: pataisykite nurodytą vietą ir bandykite dar kartą.",
    "admin_questions_chosen": "Parinkta klausimų: {n}",
    "admin_participation": "Dalyvavimo ataskaita",
    "admin_from": "Nuo",
    "admin_to": "Iki",
    "admin_show": "Rodyti",
    "admin_download": "Atsisiųsti",
    "results_podium": "Prizininkai",
    "results_ranking": "Galutiniai rezultatai",
    "results_per_round": "Taškai pagal turus",
    "results_progression": "Taškų eiga",
    "results_questions": "Klausimų statistika",
    "results_players": "Dalyviai pagal bibliotekas ir kartas",
    "results_by_team": "Teisingi atsakymai pagal komandas",
    "results_by_city": "Teisingi atsakymai pagal miestus",
    "results_library": "Biblioteka",
    "results_generation": "Karta",
    "results_total": "Iš viso",
    "results_adjustments": "Pataisos",
    "results_correct_share": "Teisingai",
    "results_fastest": "Greičiausias mygtukas",
    "results_photo_finish": "Fotofinišas",
    "results_skipped": "praleistas",
    "results_print": "Spausdinti",
    "results_export": "Eksportuoti",
    "results_not_finished": "Vieši rezultatai bus matomi, kai konkursas baigsis.",
    "results_sign_in_hint": "Vedėjas ar administratorius mato ir eksportus.",
    "results_contests": "Konkursai",
    "results_teams": "Komandos",
    "results_players_n": "Dalyviai",
    "results_question": "Klausimas",
    "results_topic": "Tema",
    "results_registration": "Kaip dalyviai registravosi",
    "results_player_list": "Dalyvių sąrašas",
    "results_player": "Dalyvis",
    "error_not_finished": "Konkursas dar nesibaigė.",
    "admin_senior_contest": "Senjorų ir prieinamumo režimas visoms komandoms",
    "admin_senior_hint": (
        "Dvigubai ilgesnis atsakymo laikas visų komandų ir įvertinimo turuose, be greičio "
        "premijos. Vedėjas gali jį keisti kiekvienai komandai ir panaikinti laiko ribą."
    ),
    "admin_team_senior": "Senjorų režimas",
}

EN: AfterMessages = {
    "page_admin": "Administration",
    "page_results": "Results",
    "admin_sign_in": "Sign in",
    "admin_token_label": "Admin token",
    "admin_token_hint": "Paste the value of QUIZ_ADMIN_TOKEN. It stays in this tab only.",
    "admin_sign_in_button": "Sign in",
    "admin_sign_out": "Sign out",
    "admin_contests": "Contests",
    "admin_upcoming": "Upcoming",
    "admin_live": "Live",
    "admin_finished": "Finished",
    "admin_none": "No contests.",
    "admin_new_contest": "New contest",
    "admin_refresh": "Refresh",
    "admin_open_host": "Open the host console",
    "admin_confirm_rotate": "A new host secret will be made; the old one stops working. Go on?",
    "admin_results": "Results",
    "admin_created": "Created",
    "admin_title": "Title",
    "admin_starts_at": "Starts at",
    "admin_pack": "Question pack",
    "admin_teams": "Teams",
    "admin_team_name": "Team",
    "admin_team_library": "Library",
    "admin_team_city": "City",
    "admin_team_colour": "Colour",
    "admin_add_team": "Add a team",
    "admin_remove": "Remove",
    "admin_rounds": "Rounds",
    "admin_round_title": "Round title",
    "admin_round_kind": "Round type",
    "admin_points": "Points",
    "admin_time_limit": "Time (s)",
    "admin_wrong_penalty": "Wrong-answer penalty",
    "admin_choose_by": "Choose questions",
    "admin_by_topic": "By topic and difficulty",
    "admin_by_hand": "By hand",
    "admin_topic": "Topic",
    "admin_any": "any",
    "admin_difficulty": "Difficulty",
    "admin_count": "Count",
    "admin_preview": "Preview",
    "admin_add_round": "Add a round",
    "admin_create": "Create the contest",
    "admin_creating": "Creating…",
    "admin_links": "Links",
    "admin_link_host": "Host console",
    "admin_link_screen": "Big screen",
    "admin_link_tablet": "Team tablet",
    "admin_link_audience": "Audience",
    "admin_link_agent": "Buzzer agent",
    "admin_link_kiosk": "Registration kiosk",
    "admin_link_results": "Results",
    "admin_secret_note": "Keep these links: the secrets are shown only now.",
    "admin_nothing_created": "Nothing was created: correct what is named and try again.",
    "admin_questions_chosen": "Questions chosen: {n}",
    "admin_participation": "Participation report",
    "admin_from": "From",
    "admin_to": "To",
    "admin_show": "Show",
    "admin_download": "Download",
    "results_podium": "Podium",
    "results_ranking": "Final results",
    "results_per_round": "Points per round",
    "results_progression": "Score progression",
    "results_questions": "Question statistics",
    "results_players": "Players by library and generation",
    "results_by_team": "Correct answers by team",
    "results_by_city": "Correct answers by city",
    "results_library": "Library",
    "results_generation": "Generation",
    "results_total": "Total",
    "results_adjustments": "Adjustments",
    "results_correct_share": "Correct",
    "results_fastest": "Fastest buzz",
    "results_photo_finish": "Photo finish",
    "results_skipped": "skipped",
    "results_print": "Print",
    "results_export": "Export",
    "results_not_finished": "The public results appear when the contest has finished.",
    "results_sign_in_hint": "The host or the admin also sees the exports.",
    "results_contests": "Contests",
    "results_teams": "Teams",
    "results_players_n": "Players",
    "results_question": "Question",
    "results_topic": "Topic",
    "results_registration": "How players registered",
    "results_player_list": "List of players",
    "results_player": "Player",
    "error_not_finished": "The contest has not finished yet.",
    "admin_senior_contest": "Senior and accessible mode for every team",
    "admin_senior_hint": (
        "Twice the answering time in all-play and estimation rounds, and no speed bonus. The host"
        " can change it for each team, also to no time limit."
    ),
    "admin_team_senior": "Senior mode",
}

AFTER: dict[Lang, AfterMessages] = {"lv": LV, "lt": LT, "en": EN}
