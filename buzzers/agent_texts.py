"""What the venue agent tells the operator, in the venue's language (Latvian, Lithuanian, English).

Only the messages a librarian acts on are translated (the connection, the token, the teams, the
boxes, refused presses); the technical log lines stay English. ``text(lang, key, **fields)``
formats one; every key exists in every language (a test checks it).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "connected": "Connected to the contest server ({url}); teams: {teams}.",
        "disconnected": "Lost the contest server: {reason}. Presses are kept; reconnecting.",
        "unauthorized": (
            "The contest server refused the agent token ({reason}). Ask the host for a new agent "
            "token for this venue and put it in the configuration. Retrying every {seconds} s."
        ),
        "no_contest": "The contest server does not know this contest. Retrying every {seconds} s.",
        "team_not_served": (
            "Configured team(s) {teams} are not served by this agent token: their presses "
            "would be refused. Check the channels in the configuration."
        ),
        "box_open": "Buzzer box {box} connected on {port} ({channels} channels).",
        "box_down": "Buzzer box on {port} is gone: {reason}. Trying to reopen it.",
        "box_rebooted": "Buzzer box on {port} restarted; synchronising its clock again.",
        "press_refused": "A press of team {team} was refused: {reason}.",
        "press_expired": "A press of team {team} was not delivered in time and was dropped.",
        "outbox": "{count} presses are waiting for the server.",
    },
    "lv": {
        "connected": "Savienots ar konkursa serveri ({url}); komandas: {teams}.",
        "disconnected": (
            "Zaudēts savienojums ar konkursa serveri: {reason}. Spiedieni tiek saglabāti; "
            "savienojas no jauna."
        ),
        "unauthorized": (
            "Konkursa serveris noraidīja aģenta žetonu ({reason}). Palūdziet vadītājam jaunu "
            "aģenta žetonu šai vietai un ierakstiet to konfigurācijā. Atkārto ik pēc {seconds} s."
        ),
        "no_contest": "Konkursa serveris nezina šo konkursu. Atkārto ik pēc {seconds} s.",
        "team_not_served": (
            "Konfigurētās komandas {teams} šim aģenta žetonam nepieder: to spiedieni tiks "
            "noraidīti. Pārbaudiet kanālus konfigurācijā."
        ),
        "box_open": "Pogu kaste {box} pievienota pie {port} ({channels} kanāli).",
        "box_down": "Pogu kaste pie {port} pazudusi: {reason}. Mēģina to atvērt no jauna.",
        "box_rebooted": "Pogu kaste pie {port} restartējās; tās pulkstenis tiek sinhronizēts.",
        "press_refused": "Komandas {team} spiediens noraidīts: {reason}.",
        "press_expired": "Komandas {team} spiediens netika laikus nosūtīts un ir atmests.",
        "outbox": "{count} spiedieni gaida serveri.",
    },
    "lt": {
        "connected": "Prisijungta prie konkurso serverio ({url}); komandos: {teams}.",
        "disconnected": (
            "Nutrūko ryšys su konkurso serveriu: {reason}. Paspaudimai išsaugomi; jungiamasi "
            "iš naujo."
        ),
        "unauthorized": (
            "Konkurso serveris atmetė agento žetoną ({reason}). Paprašykite vedėjo naujo šios "
            "vietos agento žetono ir įrašykite jį į konfigūraciją. Kartojama kas {seconds} s."
        ),
        "no_contest": "Konkurso serveris nežino šio konkurso. Kartojama kas {seconds} s.",
        "team_not_served": (
            "Sukonfigūruotos komandos {teams} nepriklauso šiam agento žetonui: jų paspaudimai "
            "bus atmesti. Patikrinkite kanalus konfigūracijoje."
        ),
        "box_open": "Mygtukų dėžė {box} prijungta prie {port} ({channels} kanalai).",
        "box_down": "Mygtukų dėžė prie {port} dingo: {reason}. Bandoma ją atidaryti iš naujo.",
        "box_rebooted": "Mygtukų dėžė prie {port} persikrovė; jos laikrodis vėl derinamas.",
        "press_refused": "Komandos {team} paspaudimas atmestas: {reason}.",
        "press_expired": "Komandos {team} paspaudimas nebuvo laiku išsiųstas ir atmestas.",
        "outbox": "{count} paspaudimai laukia serverio.",
    },
}


def text(lang: str, key: str, **fields: object) -> str:
    """The operator message ``key`` in ``lang`` (English if the language is unknown)."""
    return TEXTS.get(lang, TEXTS["en"])[key].format(**fields)
