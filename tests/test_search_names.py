"""Search finds the drug a reader means: every word narrows, and a drug or condition is found by any of its names."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from monographs.models import Article, Condition, Drug
from monographs.names import key, named_by

pytestmark = pytest.mark.django_db


def found(q):
    return [a.question for a in Article.objects.live().search(q)]


@pytest.fixture
def syndromes(make_article):
    """Answers about two invented conditions that share a word, and one answer about neither."""
    vartorra = Condition.objects.create(name="Vartorra Syndrome", slug="vartorra-syndrome")
    other = Condition.objects.create(name="Kelmish Syndrome", slug="kelmish-syndrome")
    dravorara = Drug.objects.create(brand_name="Dravorara", generic_name="dravoramab", slug="dravorara")
    about_vartorra = make_article(question="How is Vartorra Syndrome treated?", answer="With rest.")
    with_dravorara = make_article(question="Does Dravorara treat it?", answer="Yes, it is used for it.")
    about_vartorra.conditions.add(vartorra)
    with_dravorara.conditions.add(vartorra)
    with_dravorara.drugs.add(dravorara)
    for n in range(5):
        make_article(question=f"Kelmish question {n}?", answer="About a syndrome.").conditions.add(other)
    make_article(question="What is a liver enzyme?", answer="Enzymes of the liver; Dravorara is not one.")
    return about_vartorra, with_dravorara


def test_every_word_must_match_and_a_shared_word_pulls_in_nothing(syndromes):
    about_vartorra, with_dravorara = syndromes
    assert sorted(found("Vartorra Syndrome")) == sorted([about_vartorra.question, with_dravorara.question])
    assert len(found("syndrome")) == 7  # the word alone still finds all
    assert found("dravorara for vartorra syndrome") == [with_dravorara.question]
    # A drug's answers are about it, but a second word must match too.
    assert found("Dravorara liver") == ["What is a liver enzyme?"]


def test_or_and_minus_still_work(syndromes):
    about_vartorra, with_dravorara = syndromes
    assert sorted(found("rest or liver")) == sorted([about_vartorra.question, "What is a liver enzyme?"])
    assert found("vartorra -rest") == [with_dravorara.question]
    assert found("how the") == []  # words that say nothing ask for nothing, and so find nothing


def test_a_word_names_a_subject_by_a_whole_word_only(syndromes):
    names = named_by(["vartorra", "var", "syndromes", "dravoramab's"], Article)
    assert names["vartorra"].conditions and not names["var"]
    assert len(names["syndromes"].conditions) == 2  # plural or singular, the same word
    assert names["dravoramab's"].drugs


def test_name_keys_ignore_case_spacing_hyphens_and_possessives():
    assert key("CD-22's") == key("cd22") == key("CD 22") == "cd22"


def test_any_name_finds_what_the_main_name_finds(make_article):
    tylenol = Drug.objects.create(
        brand_name="Tylenol", generic_name="acetaminophen", slug="tylenol", other_names="paracetamol\nwater tablet"
    )
    linked = make_article(question="Can Tylenol be taken daily?", answer="Ask a pharmacist.")
    linked.drugs.add(tylenol)
    mentions = make_article(question="What helps a fever?", answer="Paracetamol often does.")
    plain = make_article(question="What is a tablet?", answer="A pill.")
    everything = sorted([linked.question, mentions.question])
    for name in ("Tylenol", "acetaminophen", "paracetamol", "Paracetamol's"):
        assert sorted(found(name)) == everything, name
    assert sorted(found('"water tablet"')) == everything
    assert plain.question in found("tablet")  # a word of a name is not the name: no expansion


def test_an_abbreviation_names_its_condition_only_as_written(make_article, condition):
    about = make_article(question="What is B-ALL?", answer="A kind of leukemia.")
    about.conditions.add(condition)
    assert found("ALL") == [about.question]
    assert found("all") == []  # the everyday word asks for nothing


def test_other_names_are_stored_one_a_line_and_shown_on_the_page(client, admin_client, drug):
    response = admin_client.post(
        f"/admin/monographs/drug/{drug.pk}/change/",
        {
            "brand_name": "Besponsa",
            "generic_name": "inotuzumab ozogamicin",
            "other_names": " InO \r\n\r\nCMC-544\r\nino\r\n",
            "slug": "besponsa",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    drug.refresh_from_db()
    assert drug.other_names == "InO\nCMC-544"  # trimmed, empty lines and a repeat in another case left out
    page = client.get(drug.get_absolute_url()).content.decode()
    assert "<dt>Also known as</dt><dd>InO, CMC-544</dd>" in page


def test_a_bad_other_name_is_a_form_error_naming_it(admin_client, drug):
    response = admin_client.post(
        f"/admin/monographs/drug/{drug.pk}/change/",
        {"brand_name": "Besponsa", "other_names": "InO\r\nBesponsa \u202egnp.exe", "slug": "besponsa"},
    )
    assert response.status_code == 200
    error = "One of the names: &#x27;Besponsa \\u202egnp.exe&#x27; contains a direction control"
    assert error in response.content.decode()
    drug.refresh_from_db()
    assert drug.other_names == ""


def test_other_names_go_out_and_come_back_exactly(tmp_path, make_article, condition):
    condition.other_names = "acute lymphoblastic leukaemia\nacute lymphocytic leukemia"
    condition.save()
    tylenol = Drug.objects.create(brand_name="Tylenol", slug="tylenol", other_names="paracetamol\nAPAP")
    article = make_article(question="Is Tylenol safe in ALL?")
    article.drugs.add(tylenol)
    article.conditions.add(condition)
    for fmt in ("jsonl", "markdown"):
        target = tmp_path / fmt
        target.mkdir()
        output = target / "answers.jsonl" if fmt == "jsonl" else target
        call_command("export_articles", "--format", fmt, "--output", str(output), stdout=StringIO())
        if fmt == "jsonl":
            records = [json.loads(line) for line in output.read_text().splitlines()]
            drug_record = next(r for r in records if r["kind"] == "drug")
            assert drug_record["other_names"] == ["paracetamol", "APAP"]
        Drug.objects.filter(pk=tylenol.pk).update(other_names="")
        Condition.objects.filter(pk=condition.pk).update(other_names="old")
        call_command("import_articles", str(target), stdout=StringIO())
        assert Drug.objects.get(pk=tylenol.pk).other_names == "paracetamol\nAPAP"
        assert Condition.objects.get(pk=condition.pk).other_names == condition.other_names


def test_an_imported_other_name_off_one_line_is_refused_with_its_line(tmp_path):
    path = tmp_path / "drugs.jsonl"
    path.write_text(
        json.dumps({"kind": "drug", "brand_name": "Tylenol", "other_names": ["paracetamol"]})
        + "\n"
        + json.dumps({"kind": "drug", "brand_name": "Panadol", "other_names": ["para\u2028cetamol"]})
        + "\n"
    )
    with pytest.raises(Exception) as refused:
        call_command("import_articles", str(path), stdout=StringIO())
    assert "drugs.jsonl:2: other_names: 'para\\u2028cetamol' contains a line break (U+2028)" in str(refused.value)
    assert not Drug.objects.exists()


BESPONSA_QUESTION = "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"


def test_on_the_demo_the_flagship_comes_first_and_a_second_word_narrows(demo):
    assert found("Besponsa")[0] == BESPONSA_QUESTION  # the answer the others lead to
    with_liver = Article.objects.live().search("Besponsa liver")
    assert with_liver and all("liver" in f"{a.question} {a.answer}".lower() for a in with_liver)
    assert len(with_liver) < len(found("Besponsa"))


def test_a_hub_does_not_outrank_an_answer_that_matches_the_words_better(make_article):
    hub = make_article(question="What is a hub?", answer="Many things link here; it mentions zebrafish once.")
    best = make_article(question="Zebrafish: are they safe?", answer="Zebrafish zebrafish.")
    for n in range(3):
        make_article(question=f"Leaf {n}?").readnext_links.create(target=hub)
    assert found("zebrafish") == [best.question, hub.question]


def test_a_word_in_the_summary_counts_more_than_in_the_answer(make_article):
    body = make_article(question="What about tablets?", answer="Take the kelpra tablet with food. " * 3)
    summary = make_article(question="What about pills?", summary="Kelpra is a pill.", answer="Take it with food.")
    assert found("kelpra") == [summary.question, body.question]
