"""``/media/``: only the media files that questions reference, never a pack's source (issue:
answers over HTTP). A player can read a question id from its view; no path may lead to the pack
file that holds the correct answer."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from server.packs import PackLibrary

PACK_SOURCES = (
    "/media/baltic-science/pack.yaml",
    "/media/baltic-science/questions/physics.yaml",
    "/media/baltic-science/questions/",
    "/media/baltic-science/",
    "/media/baltic-science",
    "/media/baltic-science/media/",
    "/media/baltic-science/media/../pack.yaml",
    "/media/baltic-science/../baltic-science/pack.yaml",
    "/media/baltic-science/%2e%2e/baltic-science/pack.yaml",
    "/media/baltic-science/media/..%2fpack.yaml",
    "/media/baltic-science//etc/passwd",
    "/media/baltic-science/media/phys-006.svg/",
    "/media/baltic-science/MEDIA/phys-006.svg",
    "/media/nowhere/media/phys-006.svg",
    "/media/",
)


@pytest.mark.parametrize("path", PACK_SOURCES)
def test_pack_sources_and_traversal_are_not_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert "correct" not in response.text and "answer" not in response.text


def test_every_question_file_of_every_pack_is_refused(client: TestClient) -> None:
    library = PackLibrary()
    for pack in library.packs().values():
        for source in sorted(pack.root.rglob("*")):
            if source.is_file() and source.suffix in (".yaml", ".yml", ".json", ".csv", ".md"):
                path = f"/media/{pack.id}/{source.relative_to(pack.root).as_posix()}"
                assert client.get(path).status_code == 404, path


def test_referenced_media_are_served_with_an_allowed_type(client: TestClient) -> None:
    library = PackLibrary()
    pack = library.pack("baltic-science")
    referenced = sorted({q.media.path for q in pack.questions if q.media is not None})
    assert referenced
    for media_path in referenced:
        response = client.get(f"/media/{pack.id}/{media_path}")
        assert response.status_code == 200, media_path
        assert response.headers["content-type"].split(";")[0] in {
            "image/svg+xml",
            "image/png",
            "image/jpeg",
            "image/webp",
        }
        assert response.headers["x-content-type-options"] == "nosniff"
        # an SVG may carry script: it runs nowhere, even when opened on its own
        assert "default-src 'none'" in response.headers["content-security-policy"]


def test_a_file_in_the_media_folder_no_question_references_is_not_served(
    client: TestClient,
) -> None:
    library = PackLibrary()
    pack = library.pack("baltic-science")
    referenced = {q.media.path for q in pack.questions if q.media is not None}
    unreferenced = [
        p.relative_to(pack.root).as_posix()
        for p in (pack.root / "media").iterdir()
        if p.relative_to(pack.root).as_posix() not in referenced
    ]
    for media_path in unreferenced:
        assert client.get(f"/media/{pack.id}/{media_path}").status_code == 404
