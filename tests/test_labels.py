"""Drug labels, watched: a new label version that changes a watched section puts its drug's answers up for review.

The label files in tests/labels/ are written for these tests in the FDA's SPL
format: Besponsa's version 11 and version 12 (version 12 widens the indication
and adds a Recent Major Changes line, as the real label did), and an older-format
label with a plain Warnings section.
"""

import json
import re
import zipfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from monographs import labels
from monographs.models import Article, ArticleEvent, Drug, DrugLabel, LabelCheck

from .support import visible_text
from .test_editorial import ADMIN, change_url, edit, sign_off, submit

pytestmark = pytest.mark.django_db

LABELS = Path(__file__).parent / "labels"
V11, V12, OLD = (str(LABELS / name) for name in ("besponsa-v11.xml", "besponsa-v12.xml", "old-format.xml"))
SET_ID = "8a0f6e2e-6d6c-4a8e-9c2b-3c1f1e4b2a10"
CHECKING = "Being checked again. The label of a drug this answer is about changed on March 1, 2024"


def import_labels(*files) -> str:
    out = StringIO()
    call_command("import_labels", *files, stdout=out)
    return out.getvalue()


# Reading label files


def test_a_current_format_label_is_read_with_its_watched_sections():
    [label] = labels.read([V12])
    assert (label.set_id, label.version, label.effective_on) == (SET_ID, 12, date(2024, 3, 1))
    assert label.title == "BESPONSA (inotuzumab ozogamicin) for injection, for intravenous use"
    assert list(label.sections) == ["34066-1", "43683-2", "34067-9", "34068-7", "34070-3", "43685-7"]
    assert label.sections["43683-2"].text == "RECENT MAJOR CHANGES\nIndications and Usage (1)\n3/2024"
    assert "adult and pediatric patients 1 year and older" in label.sections["34067-9"].text
    # A subsection is part of its section; sections not watched (Adverse reactions) are not kept.
    assert "5.1 Hepatotoxicity" in label.sections["43685-7"].text
    assert "Not watched" not in "".join(section.text for section in label.sections.values())


def test_an_older_format_label_is_read_with_its_warnings_section():
    [label] = labels.read([OLD])
    assert (label.version, label.effective_on, list(label.sections)) == (3, date(2005, 10, 20), ["34067-9", "34071-1"])
    assert (
        label.sections["34071-1"].text
        == "WARNINGS\nDo not exceed the recommended dose. Liver damage may occur with more."
    )


def test_labels_are_read_from_a_zip_as_dailymed_gives_them(tmp_path):
    archive = tmp_path / "besponsa.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(V11, "abc_spl.xml")
        zipped.writestr("image.jpg", b"\xff\xd8 not xml")
    [label] = labels.read([str(archive)])
    assert (label.version, label.name) == (11, f"{archive}:abc_spl.xml")


HOSTILE = {
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    '<document xmlns="urn:hl7-org:v3"><title>&lol2;</title></document>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<document xmlns="urn:hl7-org:v3"><title>&x;</title></document>',
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_xml_is_refused_and_nothing_is_written(tmp_path, kind):
    bad = tmp_path / "hostile.xml"
    bad.write_text(HOSTILE[kind])
    with pytest.raises(CommandError) as refused:
        import_labels(V11, str(bad))
    assert str(refused.value) == (
        f"{bad}: refused: the XML declares a DTD or entities, which a label never needs. Nothing was imported."
    )
    assert not DrugLabel.objects.exists()  # not even the good file before it


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>Not a label</body></html>", "html: not an SPL document (expected <document> in urn:hl7-org:v3)"),
        ('<document xmlns="urn:hl7-org:v3"><title>T</title></document>', "setId: missing (every SPL document has"),
        ("<document", "not well-formed XML"),
        (
            Path(V11).read_text().replace('<versionNumber value="11"/>', '<versionNumber value="eleven"/>'),
            "versionNumber: expected a whole number, found 'eleven'",
        ),
        (
            Path(V11).read_text().replace("20200915", "20201315"),
            "effectiveTime: expected a date like 20240301, found '20201315'",
        ),
    ],
)
def test_a_wrong_file_is_refused_naming_the_file_and_the_element(tmp_path, text, message):
    wrong = tmp_path / "wrong.xml"
    wrong.write_text(text)
    with pytest.raises(CommandError) as refused:
        import_labels(str(wrong))
    assert str(refused.value).startswith(f"{wrong}: {message}")
    assert not DrugLabel.objects.exists()


def test_a_missing_file_is_refused_by_name(tmp_path):
    with pytest.raises(CommandError) as refused:
        import_labels(str(tmp_path / "nope.xml"))
    assert str(refused.value) == f"{tmp_path / 'nope.xml'}: No such file or directory. Nothing was imported."


# A label change opens a re-review


@pytest.fixture
def answers(make_article, drug, settings):
    """Besponsa (named by its label set id) with a live answer and a draft, and a live answer about another drug."""
    drug.label_set_id = SET_ID.upper()  # as DailyMed prints it; kept as label files name it
    drug.save()
    other = Drug.objects.create(brand_name="Blincyto", slug="blincyto")
    made = {
        "live": make_article(question="Who is Besponsa for?", slug="who-is-besponsa-for"),
        "draft": make_article(question="A draft about Besponsa?", state=Article.State.DRAFT),
        "other": make_article(question="Who is Blincyto for?"),
    }
    made["live"].drugs.add(drug)
    made["draft"].drugs.add(drug)
    made["other"].drugs.add(other)
    return made


def test_a_changed_section_marks_exactly_the_live_answers_about_that_drug(
    answers, medical_reviewer, with_email, django_capture_on_commit_callbacks
):
    assert Drug.objects.get(slug="besponsa").label_set_id == SET_ID
    first = import_labels(V11)
    assert "version 11 (Besponsa): imported as the first version." in first
    assert not LabelCheck.objects.exists() and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):  # e-mails go after the commit
        out = import_labels(V12)
    assert (
        "version 12 (Besponsa): changed Recent major changes, Indications and usage; 1 live answer(s) to check again."
        in out
    )
    [check] = LabelCheck.objects.all()
    assert (check.article, check.changed, check.cleared_at) == (answers["live"], ["43683-2", "34067-9"], None)
    assert list(Article.objects.label_changed()) == [answers["live"]]

    # The reviewers hear of it once, with the answers to check.
    [message] = mail.outbox
    assert message.to == ["rita@example.org"] and message.subject.startswith("Label changed: BESPONSA")
    assert "Who is Besponsa for?" in message.body and "Indications and usage" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert "already imported" in import_labels(V12)
    assert len(mail.outbox) == 1 and LabelCheck.objects.count() == 1


def test_no_watched_change_and_an_older_version_mark_nothing(answers):
    import_labels(V12)
    assert "imported as an older version" in import_labels(V11)  # arriving late, it changes nothing
    assert not LabelCheck.objects.exists()
    unwatched = LABELS / "besponsa-v12.xml"
    v13 = unwatched.read_text().replace('<versionNumber value="12"/>', '<versionNumber value="13"/>')
    v13 = v13.replace("this sentence changed", "this sentence changed again")  # Adverse reactions only
    path = Path(answers["live"].slug + ".xml")
    try:
        path.write_text(v13)
        assert "version 13 (Besponsa): imported; no watched section changed." in import_labels(str(path))
    finally:
        path.unlink()
    assert not LabelCheck.objects.exists()


def test_readers_are_told_the_answer_is_being_checked_and_the_page_is_purged(answers, reader, settings):
    settings.DRUGREF_PAGE_CACHE = True
    import_labels(V11)
    url = answers["live"].get_absolute_url()
    assert CHECKING not in visible_text(reader.get(url).content.decode())  # now in the page cache
    import_labels(V12)
    text = visible_text(reader.get(url).content.decode())
    assert f"{CHECKING}; a medical reviewer is checking the answer against it." in text
    assert CHECKING not in visible_text(reader.get(answers["other"].get_absolute_url()).content.decode())


def test_the_drug_page_shows_its_labels_boxed_warning_with_its_date_and_a_link_and_is_purged(
    answers, drug, reader, settings
):
    settings.DRUGREF_PAGE_CACHE = True
    url = drug.get_absolute_url()
    assert "Boxed warning" not in visible_text(reader.get(url).content.decode())  # no label yet; now cached
    import_labels(V11)
    html = reader.get(url).content.decode()
    text = visible_text(html)
    assert (
        "Besponsa Boxed warning The prescribing information (label) for Besponsa carries a boxed warning, the "
        "strongest warning the FDA gives. From the label effective September 15, 2020: "
        "WARNING: HEPATOTOXICITY AND INCREASED RISK OF POST-TRANSPLANT NON-RELAPSE MORTALITY "
        "Hepatotoxicity, including fatal and life-threatening veno-occlusive disease (VOD), occurred in patients "
        "who received BESPONSA."
    ) in text
    assert f'<a href="https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={SET_ID}">Read the full label' in html
    import_labels(V12)  # a newer version: the page says its date
    assert "From the label effective March 1, 2024:" in visible_text(reader.get(url).content.decode())
    import_labels(OLD)  # a label without a boxed warning: the page gives its version, date and link
    Drug.objects.filter(pk=answers["other"].drugs.get().pk).update(label_set_id=labels.read([OLD])[0].set_id)
    other = reader.get(answers["other"].drugs.get().get_absolute_url()).content.decode()
    assert "Boxed warning" not in other
    assert "Prescribing information (label): version 3, effective October 20, 2005." in visible_text(other)


def test_the_reviewer_sees_the_changed_sections_word_by_word_and_signing_off_clears_it(
    answers, editor_client, reviewer_client, reader
):
    import_labels(V11, V12)
    live = answers["live"]
    page = reviewer_client.get(change_url(live)).content.decode()
    assert "Label changed:</strong> BESPONSA" in page and "version 12, effective March 1, 2024" in page
    assert "(before: version 11, effective September 15, 2020)" in page
    assert "<del>adults with </del>" in page and "<ins>CD22-positive </ins>" in page  # the answers' word diff
    assert "<ins>RECENT MAJOR CHANGES</ins>" in page
    # Side by side: the old version with what it lost, the new with what it gained.
    indications = page[re.search(r'id="label-\d+-34067-9"', page).start() :]
    old = indications[indications.index('<div class="diff-old">') : indications.index('<div class="diff-new">')]
    new = indications[indications.index('<div class="diff-new">') : indications.index("</section>")]
    assert "<h4>Version 11</h4>" in old and "<h4>Version 12, effective March 1, 2024</h4>" in new
    assert "<del>adults with </del>" in old and "<ins>" not in old
    assert "<ins>CD22-positive </ins>" in new and "<del>" not in new
    assert "Checked, no change needed" in page

    # The editor changes the answer; the reviewer sees the label beside it when signing off.
    editor_client.post(f"{ADMIN}{live.pk}/start-draft/")
    live = Article.objects.get(pk=live.pk)
    assert (
        edit(editor_client, live.pending_draft, answer="For adults and children 1 year and older.").status_code == 302
    )
    submit(live)
    live = Article.objects.get(pk=live.pk)  # now in review
    sign_off_page = reviewer_client.get(f"{ADMIN}{live.pk}/sign-off/").content.decode()
    assert "The drug's label changed" in sign_off_page and "<del>adults with </del>" in sign_off_page
    assert sign_off(reviewer_client, live).status_code == 302
    check = LabelCheck.objects.get()
    assert check.cleared_how == LabelCheck.Cleared.SIGNED_OFF and check.cleared_at is not None
    assert not Article.objects.label_changed().exists()
    assert CHECKING not in visible_text(reader.get(live.get_absolute_url()).content.decode())


def test_checked_no_change_needed_clears_it_with_a_note_in_the_history(answers, reviewer_client, editor_client, reader):
    import_labels(V11, V12)
    live = answers["live"]
    url = f"{ADMIN}{live.pk}/label-checked/"
    # An editor may not; a reviewer must say what they checked.
    assert editor_client.post(url, {"note": "Fine."}).status_code == 403
    refused = reviewer_client.post(url, {"note": "  "}, follow=True)
    assert "Say what you checked" in visible_text(refused.content.decode())
    assert LabelCheck.objects.get().cleared_at is None

    done = reviewer_client.post(url, {"note": "The answer already covers children."}, follow=True)
    assert "checked against the new label, no change needed (1 cleared)" in visible_text(done.content.decode())
    check = LabelCheck.objects.get()
    assert (check.cleared_how, check.note) == (LabelCheck.Cleared.NO_CHANGE, "The answer already covers children.")
    event = ArticleEvent.objects.get(article=live, kind=ArticleEvent.Kind.LABEL_CHECKED)
    assert event.note == "The answer already covers children."
    history = visible_text(reviewer_client.get(f"{ADMIN}{live.pk}/revisions/").content.decode())
    assert "Checked against a new label: no change needed" in history and "already covers children" in history
    assert CHECKING not in visible_text(reader.get(live.get_absolute_url()).content.decode())
    again = reviewer_client.post(url, {"note": "Again."}, follow=True)
    assert "There is no label change to check on this answer." in visible_text(again.content.decode())


def test_review_due_and_the_admin_list_the_answers_to_check(answers, reviewer_client):
    import_labels(V11, V12)
    out = StringIO()
    call_command("review_due", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "Who is Besponsa for?" in line)
    assert line.startswith("LABEL CHANGED")
    assert "1 label changed." in out.getvalue()
    listed = visible_text(reviewer_client.get(f"{ADMIN}?review=label_changed").content.decode())
    assert "Who is Besponsa for?" in listed and "Who is Blincyto for?" not in listed
    home = reviewer_client.get("/admin/").content.decode()
    assert "Answers whose drug's label changed</a></th><td>1</td>" in home


@override_settings(DRUGREF_PAGE_CACHE=False)
def test_the_answer_page_stays_three_queries_with_its_label_state(answers, reader, django_assert_num_queries):
    import_labels(V11, V12)
    reader.get("/")  # the scheduled-changes check is made once a request either way
    with django_assert_num_queries(4):  # scheduled changes, then the answer page's three
        reader.get(answers["live"].get_absolute_url())


def test_a_drug_names_its_label_in_an_import_and_a_bad_set_id_is_refused_by_line_and_field(tmp_path):
    good = {"kind": "drug", "brand_name": "Besponsa", "label_set_id": SET_ID, "rxcui": "1942936"}
    bad = {"kind": "drug", "brand_name": "Other", "label_set_id": "not a set id!", "rxcui": "12a"}
    path = tmp_path / "subjects.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in (good, bad)) + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())
    assert f"{path}:2: label_set_id: A set id is letters a to f, digits and hyphens." in str(refused.value)
    assert f"{path}:2: rxcui: An RxCUI is digits." in str(refused.value)
    assert not Drug.objects.exists()
    path.write_text(json.dumps(good) + "\n")
    call_command("import_articles", str(path), stdout=StringIO())
    assert Drug.objects.values_list("label_set_id", "rxcui").get() == (SET_ID, "1942936")


# Fetching a label over HTTPS, where a network is available: a real TLS server on this machine.


@pytest.fixture
def https_labels(tmp_path, monkeypatch):
    """Serve tests/labels/ over HTTPS with a certificate made for 127.0.0.1 and trusted for this test only."""
    import shutil
    import ssl
    import subprocess
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # urllib's default context trusts it, and nothing else changes
    handler = partial(SimpleHTTPRequestHandler, directory=str(LABELS))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_label_is_fetched_from_an_https_address(https_labels, answers):
    out = import_labels(f"{https_labels}/besponsa-v11.xml")
    assert f"{https_labels}/besponsa-v11.xml: BESPONSA" in out and "imported as the first version" in out
    assert DrugLabel.objects.get().version == 11


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/no-such-label.xml", "could not be fetched (HTTP Error 404: File not found)"),
        ("http", "only https:// addresses are fetched"),
    ],
)
def test_an_address_that_cannot_be_fetched_is_refused_by_name_and_nothing_is_written(https_labels, path, said):
    url = https_labels.replace("https", "http") + "/besponsa-v11.xml" if path == "http" else https_labels + path
    with pytest.raises(CommandError) as refused:
        import_labels(f"{https_labels}/besponsa-v11.xml", url)  # the good one first: all or nothing
    assert str(refused.value) == f"{url}: {said}. Nothing was imported."
    assert not DrugLabel.objects.exists()
