"""The three city teams of every demonstration: id, name, venue (its library) and colour."""

TEAMS: tuple[tuple[str, str, str, str], ...] = (
    ("jelgava", "Jelgava", "Jelgavas pilsētas bibliotēka", "#c8102e"),
    ("liepaja", "Liepāja", "Liepājas Centrālā zinātniskā bibliotēka", "#0072ce"),
    ("siauliai", "Šiauliai", "Šiaulių miesto savivaldybės viešoji biblioteka", "#f2a900"),
)
