"""Bridge settings: which libraries to ask, how, and the secret that hashes card numbers.

Theory of operation
-------------------
``BridgeSettings.from_environ(environ)`` reads the environment mapping it is given (never
``os.environ`` behind the caller's back, never at import time) and builds one frozen, validated
object; everything after that trusts it. Two variables matter:

* ``QUIZ_LIBRARIES`` — the libraries, as inline JSON (a value starting with ``{``) or the path of a
  ``.json`` or ``.toml`` file. The top level maps each library's name (``Jelgava``, ``Liepāja``,
  ``Šiauliai`` …) to its table of keys (``LIBRARY_KEYS``, documented in
  ``docs/settings.md``).
* ``QUIZ_CARD_HASH_SECRET`` — the HMAC key for card numbers; required once a library is configured.

A password can stay out of the file: ``password_env`` names another variable of the same
mapping that holds it (likewise ``terminal_password_env``). Unknown keys are refused, so a typo
such as ``pin_requried`` is an error rather than a silently ignored setting. Every error names the
library and the key, never a secret's value. Secrets are excluded from ``repr``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from circulation_bridge.errors import ConfigurationError, EncodeError, UnknownLibrary
from circulation_bridge.frames import ENCODINGS, MAX_FIELD_BYTES, codec_name
from circulation_bridge.messages import PATRON_STATUS_FIELDS, PatronFlag
from circulation_bridge.privacy import MIN_SECRET_BYTES

LIBRARIES_VARIABLE: Final = "QUIZ_LIBRARIES"
SECRET_VARIABLE: Final = "QUIZ_CARD_HASH_SECRET"

DEFAULT_BLOCKED_WHEN: Final = frozenset(
    {PatronFlag.CHARGE_PRIVILEGES_DENIED, PatronFlag.CARD_REPORTED_LOST}
)

_ENCODING_ALIASES: Final = {
    "utf8": "utf-8",
    "utf_8": "utf-8",
    "windows-1257": "cp1257",
    "iso8859-13": "iso-8859-13",
    "iso_8859_13": "iso-8859-13",
    "latin-7": "iso-8859-13",
}
_FIELD_ID: Final = re.compile(r"[A-Z0-9]{2}")
_LABEL: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
_MAX_TIMEOUT: Final = 300.0


def _fold(name: str) -> str:
    """Fold a library name for matching: case and diacritics ignored ("liepaja" = "Liepāja")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


@dataclass(frozen=True)
class LibrarySettings:
    """How to reach one library's circulation system over SIP2.

    Attributes are the keys of a library's table in ``QUIZ_LIBRARIES`` (see
    ``docs/settings.md`` for each one's meaning and default).
    """

    name: str
    host: str
    port: int
    institution_id: str
    user: str
    password: str = dataclasses.field(repr=False)
    location: str = ""
    terminal_password: str = dataclasses.field(default="", repr=False)
    encoding: str = "utf-8"
    pin_required: bool = False
    tls: bool = False
    tls_ca_file: str | None = None
    error_detection: bool = True
    language: str = "000"
    connect_timeout: float = 5.0
    login_timeout: float = 10.0
    response_timeout: float = 10.0
    blocked_when: frozenset[PatronFlag] = DEFAULT_BLOCKED_WHEN
    patron_fields: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        where = f"library {self.name!r}"
        if not self.name.strip() or len(self.name) > 64:
            raise ConfigurationError("a library name must be 1 to 64 characters")
        if not self.host or any(ch.isspace() for ch in self.host):
            raise ConfigurationError(f"{where}: host must be a host name or address")
        if not 1 <= self.port <= 65535:
            raise ConfigurationError(f"{where}: port must be between 1 and 65535")
        encoding = _ENCODING_ALIASES.get(self.encoding.lower(), self.encoding.lower())
        if encoding not in ENCODINGS:
            raise ConfigurationError(
                f"{where}: encoding must be one of {', '.join(ENCODINGS)}, not {self.encoding!r}"
            )
        object.__setattr__(self, "encoding", encoding)
        for key in ("institution_id", "user", "password", "location", "terminal_password"):
            _check_wire_text(where, key, getattr(self, key), encoding)
        if not self.institution_id:
            raise ConfigurationError(f"{where}: institution_id must not be empty")
        if not self.user:
            raise ConfigurationError(f"{where}: user (the SIP2 login user) must not be empty")
        if self.tls_ca_file is not None and not self.tls:
            raise ConfigurationError(f"{where}: tls_ca_file is set but tls is off")
        if not re.fullmatch(r"[0-9]{3}", self.language):
            raise ConfigurationError(f"{where}: language must be a three-digit SIP2 code")
        for key in ("connect_timeout", "login_timeout", "response_timeout"):
            value = getattr(self, key)
            if not 0 < value <= _MAX_TIMEOUT:
                raise ConfigurationError(
                    f"{where}: {key} must be more than 0 and at most {_MAX_TIMEOUT:g} seconds"
                )
        labels = [label for label, _ in self.patron_fields]
        if len(set(labels)) != len(labels):
            raise ConfigurationError(f"{where}: patron_fields has a label twice")
        for label, identifier in self.patron_fields:
            if not _LABEL.fullmatch(label):
                raise ConfigurationError(
                    f"{where}: patron_fields label {label!r} must be lower-case letters, "
                    "digits and '_', starting with a letter"
                )
            if not _FIELD_ID.fullmatch(identifier) or identifier in ("AY", "AZ"):
                raise ConfigurationError(
                    f"{where}: patron_fields {label!r} must name a two-character SIP2 field "
                    f"identifier (upper-case letters or digits, not AY or AZ), not {identifier!r}"
                )

    @property
    def needs_patron_information(self) -> bool:
        """Whether a configured patron field is one a Patron Status Response (24) lacks."""
        return any(field_id not in PATRON_STATUS_FIELDS for _, field_id in self.patron_fields)

    @classmethod
    def from_table(
        cls, name: str, table: Mapping[str, Any], environ: Mapping[str, str]
    ) -> LibrarySettings:
        """Build one library's settings from its table in ``QUIZ_LIBRARIES``.

        Args:
            name: the library's name (the table's key).
            table: the table's keys and values.
            environ: where ``password_env`` and ``terminal_password_env`` are looked up.

        Raises:
            ConfigurationError: a key is unknown, missing or of the wrong type.
        """
        where = f"library {name!r}"
        if not isinstance(table, Mapping):
            raise ConfigurationError(f"{where}: settings must be a table of keys")
        unknown = sorted(set(table) - set(LIBRARY_KEYS))
        if unknown:
            raise ConfigurationError(
                f"{where}: unknown key(s) {', '.join(unknown)}; known keys: "
                f"{', '.join(LIBRARY_KEYS)}"
            )
        values: dict[str, Any] = {"name": unicodedata.normalize("NFC", name)}
        for key in ("host", "institution_id", "user", "location", "encoding", "language"):
            if key in table:
                values[key] = _typed(where, key, table[key], str)
        if "tls_ca_file" in table:
            ca_file = _typed(where, "tls_ca_file", table["tls_ca_file"], str)
            if not Path(ca_file).is_file():
                raise ConfigurationError(f"{where}: tls_ca_file {ca_file!r} is not a file")
            values["tls_ca_file"] = ca_file
        for key in ("pin_required", "tls", "error_detection"):
            if key in table:
                values[key] = _typed(where, key, table[key], bool)
        if "port" in table:
            values["port"] = _typed(where, "port", table["port"], int)
        for key in ("connect_timeout", "login_timeout", "response_timeout"):
            if key in table:
                values[key] = float(_typed(where, key, table[key], (int, float)))
        for key in ("password", "terminal_password"):
            secret = _secret(where, key, table, environ)
            if secret is not None:
                values[key] = secret
        if "blocked_when" in table:
            values["blocked_when"] = _flags(where, table["blocked_when"])
        if "patron_fields" in table:
            fields = table["patron_fields"]
            if not isinstance(fields, Mapping) or not all(
                isinstance(v, str) for v in fields.values()
            ):
                raise ConfigurationError(
                    f"{where}: patron_fields must map labels to SIP2 field identifiers"
                )
            values["patron_fields"] = tuple((str(k), v) for k, v in fields.items())
        missing = [k for k in ("host", "port", "institution_id", "user") if k not in values]
        if "password" not in values:
            missing.append("password (or password_env)")
        if missing:
            raise ConfigurationError(f"{where}: missing {', '.join(missing)}")
        return cls(**values)


# Every key a library table may hold (the dataclass fields, less ``name``, plus the *_env keys).
LIBRARY_KEYS: Final[tuple[str, ...]] = (
    *(f.name for f in dataclasses.fields(LibrarySettings) if f.name != "name"),
    "password_env",
    "terminal_password_env",
)


def _typed(where: str, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    # bool is an int in Python; a port of `true` is a mistake, not 1.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        expected = {"str": "text", "int": "a whole number", "bool": "true or false"}.get(names)
        raise ConfigurationError(f"{where}: {key} must be {expected or names}")
    return value


def _secret(where: str, key: str, table: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    env_key = f"{key}_env"
    if key in table and env_key in table:
        raise ConfigurationError(f"{where}: give {key} or {env_key}, not both")
    if env_key in table:
        variable = _typed(where, env_key, table[env_key], str)
        if variable not in environ:
            raise ConfigurationError(f"{where}: {env_key} names {variable}, which is not set")
        return environ[variable]
    if key in table:
        return _typed(where, key, table[key], str)
    return None


def _flags(where: str, value: Any) -> frozenset[PatronFlag]:
    known = {flag.value for flag in PatronFlag}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in known for v in value):
        raise ConfigurationError(
            f"{where}: blocked_when must be a list of patron status flags: {', '.join(known)}"
        )
    return frozenset(PatronFlag(v) for v in value)


def _check_wire_text(where: str, key: str, value: str, encoding: str) -> None:
    if "|" in value or any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ConfigurationError(f"{where}: {key} must not hold '|' or control characters")
    try:
        encoded = value.encode(codec_name(encoding))
    except (UnicodeEncodeError, EncodeError):
        raise ConfigurationError(f"{where}: {key} holds a character {encoding} lacks") from None
    if len(encoded) > MAX_FIELD_BYTES:
        raise ConfigurationError(f"{where}: {key} is longer than {MAX_FIELD_BYTES} bytes")


@dataclass(frozen=True)
class BridgeSettings:
    """Every library the bridge may ask, and the card-hash secret."""

    libraries: tuple[LibrarySettings, ...] = ()
    card_hash_secret: bytes | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        folded = [_fold(library.name) for library in self.libraries]
        if len(set(folded)) != len(folded):
            raise ConfigurationError(
                "two libraries have the same name (names are compared without case or accents)"
            )
        if self.card_hash_secret is not None and len(self.card_hash_secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"{SECRET_VARIABLE} must be at least {MIN_SECRET_BYTES} bytes long"
            )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> BridgeSettings:
        """Read ``QUIZ_LIBRARIES`` and ``QUIZ_CARD_HASH_SECRET`` from ``environ``.

        Raises:
            ConfigurationError: with the variable, library and key that are wrong.
        """
        secret_text = environ.get(SECRET_VARIABLE)
        secret = secret_text.encode() if secret_text else None
        source = environ.get(LIBRARIES_VARIABLE, "").strip()
        tables = _load_libraries(source) if source else {}
        libraries = tuple(
            LibrarySettings.from_table(name, table, environ) for name, table in tables.items()
        )
        if libraries and secret is None:
            raise ConfigurationError(
                f"{SECRET_VARIABLE} must be set when libraries are configured: "
                "card numbers are kept only as hashes keyed with it"
            )
        return cls(libraries=libraries, card_hash_secret=secret)

    def library(self, name: str) -> LibrarySettings:
        """Return the library called ``name`` (case and accents ignored: "liepaja" finds Liepāja).

        Raises:
            UnknownLibrary: no such library is configured.
        """
        wanted = _fold(name)
        for library in self.libraries:
            if _fold(library.name) == wanted:
                return library
        known = ", ".join(library.name for library in self.libraries) or "none"
        raise UnknownLibrary(f"no library called {name!r} is configured (configured: {known})")


def _load_libraries(source: str) -> dict[str, Any]:
    where = LIBRARIES_VARIABLE
    try:
        if source.startswith(("{", "[")):
            loaded: Any = json.loads(source)
        else:
            path = Path(source)
            suffix = path.suffix.lower()
            if suffix not in (".json", ".toml"):
                raise ConfigurationError(
                    f"{where}: {source} must be inline JSON or a file ending in .json or .toml"
                )
            text = path.read_text(encoding="utf-8")
            loaded = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except OSError as exc:
        raise ConfigurationError(f"{where}: cannot read {source}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{where}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{where}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{where}: {source} is not UTF-8 text") from None
    if not isinstance(loaded, dict):
        raise ConfigurationError(f"{where}: the top level must map library names to tables")
    return loaded
