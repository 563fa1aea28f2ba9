"""Version chains: a file changed in place keeps its old permalinks working (410 with a link
to the current version at that path), and the new version lists the earlier ones. Indexed
with the real command line, as an archivist would."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import pytest

from app import create_app
from archive.catalog import Catalog
from archive.config import Settings
from archive.errors import DocumentGoneError
from archive.versions import version_chain
from cli import main
from tests.conftest import SAMPLE


@pytest.fixture
def collection(tmp_path):
    folder = tmp_path / "collection"
    (folder / "letters").mkdir(parents=True)
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "letters/a.txt")
    shutil.copy(SAMPLE / "letters/letter-012-en-translation.txt", folder / "letters/b.txt")
    (folder / "notes.txt").write_text("First draft of the courier notes.\n")
    return folder


def index(runner, folder, var) -> dict:
    result = runner.invoke(main, ["index", str(folder), "--var", str(var), "--json", "-q",
                                  "--no-ocr", "--no-embeddings"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def doc_id(var, path) -> str:
    catalog = Catalog(var / "catalog.sqlite")
    try:
        return catalog.resolve(path)
    finally:
        catalog.close()


def page(var, url):
    response = create_app(Settings(var=var)).test_client().get(url)
    return response.status_code, response.get_data(as_text=True)


def links(html: str) -> list[str]:
    return re.findall(r'href="/d/([0-9a-f]{16})"', html)


def test_a_file_changed_in_place_keeps_a_chain_of_three_versions(runner, collection, tmp_path):
    var = tmp_path / "var"
    index(runner, collection, var)
    v1 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text("Second draft of the courier notes, longer.\n")
    assert index(runner, collection, var)["updated"] == 1
    v2 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text("Third and final draft of the courier notes.\n")
    index(runner, collection, var)
    v3 = doc_id(var, "notes.txt")
    assert len({v1, v2, v3}) == 3

    for old in (v1, v2):
        status, html = page(var, f"/d/{old}")
        assert status == 410
        assert "No longer in the archive" in html
        assert f"The current version is {v3}" in html
        assert f'The file at <code>notes.txt</code> was changed: the current version is\n' \
               f'    <a href="/d/{v3}">{v3}</a>' in html
    status, html = page(var, f"/d/{v3}")
    assert status == 200
    earlier = html.split('class="earlier-versions"')[1].split("</ul>")[0]
    assert links(earlier) == [v2, v1]  # newest first, each a permalink
    assert "(no longer in the archive)" in earlier
    status, html = page(var, f"/d/{v2}/p/1")  # a page of an old version leads on too
    assert status == 410 and f'href="/d/{v3}"' in html


def test_a_removed_file_answers_410_without_a_link(runner, collection, tmp_path):
    var = tmp_path / "var"
    index(runner, collection, var)
    gone = doc_id(var, "letters/b.txt")
    (collection / "letters/b.txt").unlink()
    assert index(runner, collection, var)["removed"] == 1
    status, html = page(var, f"/d/{gone}")
    assert status == 410
    assert "left the collection" in html
    assert "current version" not in html and "Versions" not in html
    assert links(html) == []


def test_the_chain_reaches_a_removed_end_without_a_current_version(runner, collection,
                                                                    tmp_path):
    var = tmp_path / "var"
    index(runner, collection, var)
    v1 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text("Second draft of the courier notes, longer.\n")
    index(runner, collection, var)
    v2 = doc_id(var, "notes.txt")
    (collection / "notes.txt").unlink()
    index(runner, collection, var)
    status, html = page(var, f"/d/{v1}")
    assert status == 410 and "current version" not in html
    assert links(html.split('class="later-versions"')[1]) == [v2]  # listed, gone too
    status, html = page(var, f"/d/{v2}")
    assert status == 410 and "Versions" in html  # it lists v1 as earlier


def test_a_file_changed_back_leads_to_the_version_at_its_path(runner, collection, tmp_path):
    var = tmp_path / "var"
    original = (collection / "notes.txt").read_text()
    index(runner, collection, var)
    v1 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text("An edit that was later undone, much longer.\n")
    index(runner, collection, var)
    v2 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text(original)
    index(runner, collection, var)
    assert doc_id(var, "notes.txt") == v1
    status, html = page(var, f"/d/{v2}")
    assert status == 410 and f"The current version is {v1}" in html
    assert page(var, f"/d/{v1}")[0] == 200


def test_a_changed_then_moved_file_still_leads_to_its_current_version(runner, collection,
                                                                     tmp_path):
    var = tmp_path / "var"
    index(runner, collection, var)
    v1 = doc_id(var, "notes.txt")
    (collection / "notes.txt").write_text("Second draft of the courier notes, longer.\n")
    index(runner, collection, var)
    v2 = doc_id(var, "notes.txt")
    (collection / "notes.txt").rename(collection / "letters/notes-final.txt")
    assert index(runner, collection, var)["moved"] == 1
    catalog = Catalog(var / "catalog.sqlite")
    with pytest.raises(DocumentGoneError) as gone:
        catalog.document(v1)
    assert gone.value.versions.current.doc_id == v2
    assert version_chain(catalog.conn, v2).earlier[0].doc_id == v1
    assert catalog.document(v2).paths == ("letters/notes-final.txt",)
    catalog.close()


def test_an_unchanged_file_has_no_versions(runner, collection, tmp_path):
    var = tmp_path / "var"
    index(runner, collection, var)
    index(runner, collection, var)
    a = doc_id(var, "letters/a.txt")
    status, html = page(var, f"/d/{a}")
    assert status == 200 and "Earlier versions" not in html


def write_zip(path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def test_a_member_of_a_changed_archive_leads_to_its_new_version(runner, collection, tmp_path):
    var = tmp_path / "var"
    bundle = collection / "bundle.zip"
    write_zip(bundle, {"memo.txt": "The first memo about the courier.\n",
                       "same.txt": "A member that never changes.\n",
                       "dropped.txt": "A member the next bundle leaves out.\n"})
    index(runner, collection, var)
    memo_1, same, dropped = (doc_id(var, f"bundle.zip!/{name}")
                             for name in ("memo.txt", "same.txt", "dropped.txt"))
    write_zip(bundle, {"memo.txt": "The second memo about the courier, rewritten.\n",
                       "same.txt": "A member that never changes.\n"})
    index(runner, collection, var)
    memo_2 = doc_id(var, "bundle.zip!/memo.txt")
    assert memo_2 != memo_1 and doc_id(var, "bundle.zip!/same.txt") == same
    status, html = page(var, f"/d/{memo_1}")
    assert status == 410 and f"The current version is {memo_2}" in html
    status, html = page(var, f"/d/{memo_2}")
    assert links(html.split('class="earlier-versions"')[1].split("</ul>")[0]) == [memo_1]
    status, html = page(var, f"/d/{dropped}")
    assert status == 410 and "current version" not in html
    status, html = page(var, f"/d/{same}")
    assert status == 200 and "Versions" not in html


def test_editors_see_what_they_kept_on_an_earlier_version(runner, collection, tmp_path):
    from archive import editors, findings
    from archive.catalog import connect

    var = tmp_path / "var"
    index(runner, collection, var)
    v1 = doc_id(var, "notes.txt")
    conn = connect(var / "catalog.sqlite")
    editors.set_password(conn, "amira", "a long password")
    findings.add_tags(conn, v1, ["draft"], "amira")
    findings.add_note(conn, v1, 1, "The first draft names the courier", "amira")
    conn.close()
    (collection / "notes.txt").write_text("Second draft of the courier notes, longer.\n")
    index(runner, collection, var)
    v2 = doc_id(var, "notes.txt")
    client = create_app(Settings(var=var)).test_client()
    assert "The first draft names" not in client.get(f"/d/{v2}").get_data(as_text=True)
    csrf = client.get("/login").get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"name": "amira", "password": "a long password",
                                "csrf_token": csrf})
    html = client.get(f"/d/{v2}").get_data(as_text=True)
    kept = html.split('class="earlier-findings"')[1]
    assert f'href="/d/{v1}"' in kept and "draft" in kept
    assert "The first draft names the courier" in kept
