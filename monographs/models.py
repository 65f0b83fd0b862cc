"""drugref's domain: drugs, conditions, reviewers, support groups and answers."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower, Upper
from django.utils import timezone

from . import search
from .rendering import plain_text, render_markdown
from .slugs import SLUG_MAX_LENGTH, fixed_url, url_for_slug
from .text import name_list, validate_name_list, validate_single_line

OTHER_NAMES_HELP = (
    "Other names readers search for, one a line: US and UK spellings, international and lay names "
    "(e.g. {example}). Search finds by any of them what it finds by the main name."
)


class OtherNames:
    """A drug's or condition's other names, stored one a line (text.name_list)."""

    MAIN_NAMES: tuple[str, ...]  # the fields of its own names, main first

    def save(self, *args, **kwargs):
        self.other_names = name_list(self.other_names)
        super().save(*args, **kwargs)

    def other_name_list(self) -> list[str]:
        return self.other_names.split("\n") if self.other_names else []

    def all_names(self) -> list[str]:
        """Every name it is known by: the main name(s) first, then the others."""
        return [name for field in self.MAIN_NAMES if (name := getattr(self, field))] + self.other_name_list()


class Condition(OtherNames, models.Model):
    MAIN_NAMES = ("name", "abbreviation")

    name = models.CharField(
        max_length=200,
        unique=True,
        validators=[validate_single_line],
        help_text="Full name, e.g. “Acute Lymphoblastic Leukemia”.",
    )
    abbreviation = models.CharField(
        max_length=30,
        blank=True,
        validators=[validate_single_line],
        help_text="Short form readers know, e.g. “ALL”. Optional.",
    )
    other_names = models.TextField(
        "other names",
        blank=True,
        validators=[validate_name_list],
        help_text=OTHER_NAMES_HELP.format(example="“leukaemia” for leukemia, “ALL” spelled out another way"),
    )
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The condition page's address.")
    summary = models.TextField(blank=True, help_text="A few plain sentences shown on the condition page.")

    class Meta:
        ordering = ["name"]
        # The A to Z (browse.py): names in their listed order.
        indexes = [
            models.Index(Lower("name"), F("name"), name="condition_name_az_idx"),
            # Search asks whether a word is an abbreviation (names.named_by): without this, every condition is read.
            models.Index(Upper("abbreviation"), name="condition_iabbrev_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def get_absolute_url(self):
        return url_for_slug("monographs:condition", self.slug)

    def meta(self) -> dict:
        return {"title": str(self), "description": self.summary[:300]}

    def structured_data(self, absolute) -> dict:
        """Return schema.org MedicalCondition data; `absolute` makes a path a full URL."""
        data = {"@context": "https://schema.org", "@type": "MedicalCondition", "name": self.name}
        if others := self.all_names()[1:]:
            data["alternateName"] = others if len(others) > 1 else others[0]
        return data | {"url": absolute(self.get_absolute_url())}


class Drug(OtherNames, models.Model):
    MAIN_NAMES = ("brand_name", "generic_name")

    brand_name = models.CharField(
        max_length=200,
        unique=True,
        validators=[validate_single_line],
        help_text="The name on the pack, e.g. “Besponsa”.",
    )
    generic_name = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="The active ingredient, e.g. “inotuzumab ozogamicin”.",
    )
    other_names = models.TextField(
        "other names",
        blank=True,
        validators=[validate_name_list],
        help_text=OTHER_NAMES_HELP.format(example="“paracetamol” and “Tylenol” for acetaminophen, “water tablet”"),
    )
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The drug page's address.")
    drug_class = models.CharField("drug class", max_length=200, blank=True, help_text="e.g. “antibody-drug conjugate”.")
    summary = models.TextField(blank=True, help_text="A few plain sentences shown on the drug page.")
    conditions = models.ManyToManyField(
        Condition, blank=True, related_name="drugs", help_text="The conditions this drug treats."
    )
    label_set_id = models.CharField(
        "label set id",
        max_length=64,
        blank=True,
        db_index=True,
        validators=[RegexValidator(r"^[0-9A-Fa-f-]{8,64}$", "A set id is letters a to f, digits and hyphens.")],
        help_text="The set id of the drug's FDA Structured Product Label (on DailyMed), e.g. "
        "“8a0f6e2e-6d6c-4a8e-9c2b-3c1f1e4b2a10”: a new version of that label puts this drug's answers up for "
        "re-review (manage.py import_labels).",
    )
    rxcui = models.CharField(
        "RxCUI",
        max_length=16,
        blank=True,
        validators=[RegexValidator(r"^[0-9]+$", "An RxCUI is digits.")],
        help_text="The drug's RxNorm concept id, where known.",
    )

    class Meta:
        ordering = ["brand_name"]
        indexes = [
            models.Index(fields=["generic_name"], name="drug_generic_name_idx"),
            # The A to Z (browse.py): brand and generic names in their listed order.
            models.Index(Lower("brand_name"), F("brand_name"), name="drug_brand_name_az_idx"),
            models.Index(
                Lower("generic_name"), F("generic_name"), name="drug_generic_name_az_idx", condition=~Q(generic_name="")
            ),
        ]

    def __str__(self):
        return self.brand_name

    def save(self, *args, **kwargs):
        self.label_set_id = self.label_set_id.strip().lower()  # as labels.py reads set ids from label files
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for_slug("monographs:drug", self.slug)

    def meta(self) -> dict:
        title = f"{self.brand_name} ({self.generic_name})" if self.generic_name else self.brand_name
        return {"title": title, "description": self.summary[:300]}

    def structured_data(self, absolute) -> dict:
        """Return schema.org Drug data; `absolute` makes a path a full URL."""
        data = {"@context": "https://schema.org", "@type": "Drug", "name": self.brand_name}
        if self.generic_name:
            data["nonProprietaryName"] = self.generic_name
        if others := self.other_name_list():
            data["alternateName"] = others
        if self.drug_class:
            data["drugClass"] = {"@type": "DrugClass", "name": self.drug_class}
        return data | {"url": absolute(self.get_absolute_url())}


class Reviewer(models.Model):
    name = models.CharField(
        max_length=200, validators=[validate_single_line], help_text="As printed in the byline, e.g. “Judith Stewart”."
    )
    credentials = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text="Qualifications printed after the name, e.g. “BPharm”. Leave empty for an organisation "
        "or a name that carries none: the byline then reads “Medically reviewed by NAME.”",
    )
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The reviewer page's address.")
    bio = models.TextField(blank=True, help_text="A short biography shown on the reviewer page.")
    job_title = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="Shown with the name on the team page, e.g. “Clinical pharmacist, oncology”.",
    )
    # Readers can check a reviewer's standing: the licence or registration, and where it can be looked up.
    registration_body = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="The body that licenses or registers them, e.g. “General Pharmaceutical Council” or "
        "“California State Board of Pharmacy”.",
    )
    registration_number = models.CharField(
        max_length=100, blank=True, validators=[validate_single_line], help_text="Their licence or registration number."
    )
    registration_url = models.URLField(
        blank=True, help_text="Where readers can look the registration up, e.g. the body's public register."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer",
        help_text="The admin account this reviewer signs in with, if any.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "credentials"], name="reviewer_unique_name_credentials"),
        ]

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def get_absolute_url(self):
        return url_for_slug("monographs:reviewer", self.slug)

    def credentials_spelled_out(self) -> list[tuple[str, str]]:
        """Return each credential with what it stands for, where drugref knows: ("BPharm", "Bachelor of Pharmacy")."""
        parts = [part.strip(" .") for part in re.split(r"[,;/]", self.credentials) if part.strip(" .")]
        return [(part, CREDENTIALS.get(part.replace(".", "").casefold(), "")) for part in parts]

    def structured_data(self, absolute) -> dict:
        """Return schema.org Person data for the reviewer page."""
        data = {"@context": "https://schema.org", **self.person(absolute)}
        if self.bio:
            data["description"] = self.bio
        if self.job_title:
            data["jobTitle"] = self.job_title
        if self.registration_body:
            licence = {
                "@type": "EducationalOccupationalCredential",
                "credentialCategory": "license",
                "recognizedBy": {"@type": "Organization", "name": self.registration_body},
            }
            if self.registration_number:
                licence["identifier"] = self.registration_number
            if self.registration_url:
                licence["url"] = self.registration_url
            data["hasCredential"] = [*data.get("hasCredential", []), licence]
        return data

    def person(self, absolute) -> dict:
        """Return the reviewer as a schema.org Person, the same on every page that names them."""
        data = {"@type": "Person", "name": self.name}
        if self.credentials:
            # As the byline writes them, and each spelled out where drugref knows what it stands for.
            data["honorificSuffix"] = self.credentials
            data["hasCredential"] = [
                {"@type": "EducationalOccupationalCredential", "name": meaning or short}
                for short, meaning in self.credentials_spelled_out()
            ]
        return data | {"url": absolute(self.get_absolute_url())}


# What a reviewer's credentials stand for, by their lower-case letters without dots.
CREDENTIALS = {
    "bpharm": "Bachelor of Pharmacy",
    "mpharm": "Master of Pharmacy",
    "pharmd": "Doctor of Pharmacy",
    "rph": "Registered Pharmacist",
    "bcps": "Board Certified Pharmacotherapy Specialist",
    "md": "Doctor of Medicine",
    "do": "Doctor of Osteopathic Medicine",
    "mbbs": "Bachelor of Medicine, Bachelor of Surgery",
    "rn": "Registered Nurse",
    "np": "Nurse Practitioner",
    "phd": "Doctor of Philosophy",
    "msc": "Master of Science",
    "bsc": "Bachelor of Science",
    "mph": "Master of Public Health",
}


class SupportGroup(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The group page's address.")
    description = models.TextField(blank=True, help_text="Who the group is for and what it offers.")
    url = models.URLField("external link", blank=True, help_text="The group's own website, if it has one. Optional.")
    conditions = models.ManyToManyField(Condition, blank=True, related_name="support_groups")
    drugs = models.ManyToManyField(Drug, blank=True, related_name="support_groups")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url_for_slug("monographs:support_group", self.slug)


def effective_review_interval(days: int | None) -> int:
    """Return the days between reviews: an answer's own interval, never longer than the site's."""
    default = settings.DRUGREF_REVIEW_INTERVAL_DAYS
    return min(days or default, default)


def _review_due_before(day) -> Q:
    """Match answers whose next review falls before `day`, in SQL on any database."""
    q = Q(review_interval_days__isnull=True, reviewed_on__lt=day - timedelta(days=effective_review_interval(None)))
    for days in Article.ReviewInterval.values:
        q |= Q(review_interval_days=days, reviewed_on__lt=day - timedelta(days=effective_review_interval(days)))
    return q


class ArticleQuerySet(models.QuerySet):
    def live(self):
        """Return the answers readers may see: every public path starts here."""
        return self.filter(state=Article.State.PUBLISHED)

    def canonical(self):
        """Return the answers themselves, leaving out pending drafts of live answers."""
        return self.filter(draft_of__isnull=True)

    def label_changed(self):
        """Return live answers to check again against a new version of their drug's label (editorial)."""
        open_checks = LabelCheck.objects.filter(article=OuterRef("pk"), cleared_at__isnull=True)
        return self.live().filter(Exists(open_checks))

    def overdue(self, today=None):
        """Return live answers whose next medical review date has passed."""
        return self.live().filter(_review_due_before(today or timezone.localdate()))

    def awaiting_sign_off(self):
        """Return answers submitted for review, directly or through their pending draft."""
        in_review = Article.State.IN_REVIEW
        return self.canonical().filter(Q(state=in_review) | Q(pending_draft__state=in_review))

    def waiting_for(self, user):
        """Return the submitted answers `user` may sign off: all of them but those with text they wrote.

        "Wrote" means any revision since the answer's last sign-off (editorial.authors_since_sign_off);
        with DRUGREF_SAME_PERSON_SIGN_OFF a reviewer may sign off their own text, so nothing is left out.
        """
        waiting = self.awaiting_sign_off()
        if settings.DRUGREF_SAME_PERSON_SIGN_OFF:
            return waiting
        last_signed = (
            Revision.objects.filter(article=OuterRef("article"), sign_off__isnull=False)
            .order_by("-number")
            .values("number")[:1]
        )
        mine = Revision.objects.filter(article=OuterRef("pk"), created_by=user).filter(
            number__gt=Coalesce(Subquery(last_signed), 0)
        )
        return waiting.exclude(Exists(mine))

    def due_soon(self, today=None):
        """Return live answers due for review within the next DRUGREF_REVIEW_DUE_SOON_DAYS days, that day included."""
        today = today or timezone.localdate()
        after_soon = today + timedelta(days=settings.DRUGREF_REVIEW_DUE_SOON_DAYS + 1)
        return self.live().filter(_review_due_before(after_soon) & ~_review_due_before(today))

    def for_page(self):
        """Fetch an answer and its reviewer for its page; answer_page.load() fetches the rest."""
        return self.select_related("reviewer").defer("answer")

    def for_list(self):
        """Return only what a list of answer links needs."""
        return self.only("question", "slug", "reviewed_on", "updated_at")

    def search(self, q):
        """Return answers matching a web-search query `q`, best first, with snippets; blank `q` gives none."""
        return search.search(self, q)

    def matching(self, q):
        """Return answers matching a web-search query `q`, unranked (for the admin's list)."""
        return search.matching(self, q)


class Article(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        # Signed off ahead of its "publish at": it goes live then (ScheduledChange).
        SCHEDULED = "scheduled", "Signed off, scheduled"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class ReviewInterval(models.IntegerChoices):
        MONTH = 30, "Every month"
        QUARTER = 91, "Every 3 months"
        HALF_YEAR = 182, "Every 6 months"

    question = models.CharField(
        max_length=255,
        validators=[validate_single_line],
        help_text="The question as readers ask it; it is the page's heading.",
    )
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        help_text="The answer's address: /medical-answers/SLUG/. When a published answer's slug "
        "changes, its old address redirects to the new one.",
    )
    answer = models.TextField(
        help_text="The official answer, in Markdown: blank lines separate paragraphs; "
        "**bold**, *italic*, lists and [links](https://example.org) work."
    )
    answer_html = models.TextField(editable=False, help_text="The answer as HTML, made from the Markdown on save.")
    answer_text = models.TextField(
        editable=False,
        default="",
        help_text="The answer as plain text (structured data for search engines), made on save.",
    )
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences for search results and the page's meta description.",
    )
    sources = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        editable=False,  # edited as rows of their own in the admin (admin/forms.SourceFormSet)
        help_text="The references the answer rests on, in order: each with a title and optionally a publisher "
        "or author, a web address, dates published and accessed, and a section (monographs/sources.py).",
    )
    drugs = models.ManyToManyField(
        Drug, blank=True, related_name="articles", help_text="The drugs this answer is about."
    )
    conditions = models.ManyToManyField(
        Condition, blank=True, related_name="articles", help_text="The conditions this answer is about."
    )
    support_groups = models.ManyToManyField(
        SupportGroup,
        blank=True,
        related_name="articles",
        help_text="Listed under “Related support groups”.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        "review interval",
        choices=ReviewInterval,
        null=True,
        blank=True,
        help_text="How often this answer must be medically reviewed again. Empty: the site's default "
        "(a year). An answer can be due sooner than the default, never later.",
    )
    reviewer = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="Set by the last sign-off: the pharmacist named in the byline. Not typed by hand.",
    )
    reviewed_on = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
        help_text="Set by the last sign-off: printed as “Last updated on”. Not typed by hand.",
    )
    state = models.CharField(
        max_length=20,
        choices=State,
        default=State.DRAFT,
        help_text="Only published answers are public. An answer is published when a medical reviewer "
        "signs it off; editors submit it for review.",
    )
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text="Optional: when this version should go live. A medical reviewer may sign it off before then; "
        "readers see it from this time on. Empty: as soon as it is signed off.",
    )
    # NULL, not "", for "none": the unique constraint must ignore answers without one.
    external_id = models.CharField(  # noqa: DJ001
        "external ID",
        max_length=100,
        null=True,
        blank=True,
        help_text="A stable key from the system this answer was imported from; re-imports match on it.",
    )
    draft_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="pending_draft",
        help_text="For a pending draft: the answer it will replace once signed off.",
    )
    change_log = models.JSONField(
        default=list,
        db_default=[],
        editable=False,
        help_text="The public notes of past sign-offs, newest first ({on, note}); each sign-off with a note adds one.",
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="The number of the latest revision; checked on save so no edit overwrites another.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "answer"
        ordering = ["-reviewed_on", "question"]
        get_latest_by = "reviewed_on"
        indexes = [
            # Home, feeds and related medical questions: live answers, newest review first.
            models.Index(fields=["state", "-reviewed_on"], name="article_state_reviewed_idx"),
            # The A to Z index: live answers by question.
            models.Index(fields=["question"], condition=Q(state="published"), name="article_live_question_idx"),
            # Search goes straight to an answer whose question is typed exactly (question__iexact).
            models.Index(Upper("question"), condition=Q(state="published"), name="article_live_iquestion_idx"),
            # The admin's answer list: answers (not pending drafts), newest review first.
            models.Index(
                fields=["-reviewed_on", "question"], condition=Q(draft_of__isnull=True), name="article_admin_list_idx"
            ),
        ]
        constraints = [
            # Principle 2: nothing unreviewed reaches readers, even through a
            # raw update or a bulk load.
            models.CheckConstraint(
                condition=~Q(state="published") | Q(reviewer__isnull=False, reviewed_on__isnull=False),
                name="article_published_is_reviewed",
                violation_error_message="A published answer needs a reviewer and a review date.",
            ),
            # A pending draft shares its answer's slug until it is signed off.
            models.UniqueConstraint(fields=["slug"], condition=Q(draft_of__isnull=True), name="article_unique_slug"),
            # Re-imports match on the external ID, so two answers may not share one.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(draft_of__isnull=True, external_id__isnull=False),
                name="article_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(draft_of__isnull=True) | Q(state__in=["draft", "in_review", "scheduled"]),
                name="article_pending_draft_is_unpublished",
            ),
        ]
        permissions = [
            ("sign_off_article", "Can sign off and publish answers"),
            ("withdraw_article", "Can withdraw published answers"),
            ("preview_article", "Can preview unpublished answers"),
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer_html = self.html_for(self.answer)
        self.answer_text = self.text_for(self.answer_html)
        if kwargs.get("update_fields") is not None and "answer" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "answer_html", "answer_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for_slug("monographs:article", self.slug)

    @staticmethod
    def html_for(answer: str) -> str:
        """The answer as readers get it: sanitised HTML made from the Markdown editors write.

        Every write path renders through here: `save()`, and the importer for the rows it writes in bulk.
        """
        return render_markdown(answer)

    @staticmethod
    def text_for(answer_html: str) -> str:
        """The answer as plain text, for structured data: made once with the HTML, not on every page view."""
        return plain_text(answer_html)  # blocks apart ("Boxed warning" then "The prescribing…"); "&amp;" is "&"

    def meta(self) -> dict:
        return {"title": self.question, "description": self.summary, "type": "article"}

    @property
    def change_notes(self) -> list[tuple[date, str]]:
        """Return the public change notes, newest first, as (date, note)."""
        return [(date.fromisoformat(entry["on"]), entry["note"]) for entry in self.change_log]

    @property
    def canonical_pk(self):
        """Return the pk of the answer itself: a pending draft stands in for its answer."""
        return self.draft_of_id or self.pk

    @property
    def is_live(self):
        return self.state == self.State.PUBLISHED

    @property
    def review_due_on(self):
        """Return the date the next medical review is due, if the answer was ever reviewed."""
        if self.reviewed_on is None:
            return None
        return self.reviewed_on + timedelta(days=effective_review_interval(self.review_interval_days))

    def overdue_from(self):
        """Return when this answer becomes overdue for review (the start of the day after it is due), or None."""
        due = self.review_due_on
        if due is None:
            return None
        return timezone.make_aware(datetime.combine(due + timedelta(days=1), time.min))

    def review_status(self, today=None) -> str:
        """Return "overdue", "due soon" or "" for a live answer."""
        due = self.review_due_on
        if not self.is_live or due is None:
            return ""
        today = today or timezone.localdate()
        if due < today:
            return "overdue"
        if due <= today + timedelta(days=settings.DRUGREF_REVIEW_DUE_SOON_DAYS):
            return "due soon"
        return ""


class ArticleLink(models.Model):
    """An ordered, curated link from one answer to another."""

    source = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="%(class)s_links")
    target = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", help_text="The answer to link to.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="%(class)s_unique_link"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="%(class)s_not_self"),
        ]

    def __str__(self):
        return f"{self.source} → {self.target}"


class RelatedQuestion(ArticleLink):
    class Meta(ArticleLink.Meta):
        verbose_name = "related question"


class ReadNext(ArticleLink):
    class Meta(ArticleLink.Meta):
        verbose_name = "read next link"
        verbose_name_plural = "read next links"


class ImportBatch(models.Model):
    """One run of import_articles: who ran it, when, on which files, with what result."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.CharField(max_length=150, blank=True, help_text="The system user who ran the import.")
    files = models.JSONField(default=list)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # What it did to drugs, conditions, reviewers and support groups, so that an undo can put them back:
    # [{"kind", "pk", "created": true} or {"kind", "pk", "fields": {name: [before, after]},
    #   "relations": {name: [ids before, ids after]}}].
    subjects = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"Import batch {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class Revision(models.Model):
    """A saved state of an answer's content: who saved it, when, and why."""

    class Source(models.TextChoices):
        ADMIN = "admin", "Edited in the admin"
        IMPORT = "import", "Imported"
        RESTORE = "restore", "Restored"
        UNDO = "undo", "Import undone"
        NORMALISE = "normalise", "Text normalised"
        MERGE = "merge", "Import taken into the draft"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="1 for the first revision of the answer, then 2, 3, …")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.ADMIN)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions")
    note = models.CharField(max_length=200, blank=True, help_text="What changed and why, for other editors.")
    content = models.JSONField(help_text="The answer's content as saved: text, subjects and links.")

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number"),
        ]

    def __str__(self):
        return f"Revision {self.number} of “{self.article}”"


class SignOff(models.Model):
    """A medical reviewer's approval of exactly one revision."""

    revision = models.OneToOneField(Revision, on_delete=models.RESTRICT, related_name="sign_off")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sign_offs")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="sign_offs")
    reviewed_on = models.DateField(help_text="Printed as “Last updated on”.")
    signed_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account that signed off; empty for imported sign-offs.",
    )
    change_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional public note on what changed, listed under the answer, e.g. “Added the "
        "paediatric indication”.",
    )

    draft_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The pending draft this sign-off published (and removed): its old admin address leads here.",
    )
    same_person = models.BooleanField(
        default=False,
        db_default=False,  # imports write sign-offs with COPY, naming only the columns they know
        help_text="The reviewer also wrote part of what they signed off (allowed by DRUGREF_SAME_PERSON_SIGN_OFF).",
    )

    class Meta:
        ordering = ["-signed_at", "-pk"]
        get_latest_by = "signed_at"
        verbose_name = "sign-off"

    def __str__(self):
        return f"{self.reviewer} signed off revision {self.revision.number} on {self.reviewed_on}"


class ContentChange(models.Model):
    """One change to what readers see of an answer, in commit order: the API's changes feed (changefeed.py).

    Its id is the feed's cursor. The answer is named by id, not by a foreign key: a feed keeps the
    tombstone of an answer that was deleted (an undone import's).
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published"
        UPDATED = "updated", "Updated"
        ADDRESS_CHANGED = "address_changed", "Address changed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        RESTORED = "restored", "Restored"

    id = models.BigAutoField(primary_key=True)
    article_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH)
    previous_slug = models.CharField(max_length=SLUG_MAX_LENGTH, blank=True)
    revision = models.PositiveIntegerField(null=True, blank=True)  # the revision readers see after it
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["article_id", "-id"], name="change_article_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.slug}"


class ArticleEvent(models.Model):
    """A step in an answer's review that is neither a saved revision nor a sign-off: who, when and why."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        ADDRESS_RELEASED = "address_released", "Old address released"
        IMPORT_CONFLICT = "import_conflict", "An import changed what the draft changes"
        SIGNED_OFF_AHEAD = "signed_off_ahead", "Signed off ahead of its publish time"
        TAKE_DOWN_SCHEDULED = "take_down_scheduled", "Take-down scheduled"
        SCHEDULE_CANCELLED = "schedule_cancelled", "Schedule cancelled"
        LABEL_CHECKED = "label_checked", "Checked against a new label: no change needed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind)
    revision_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The revision the step was about, when there was one."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Why: the reviewer's comment, the reason for a withdrawal.")
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="For a change request: when the editor submitted the answer again."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "kind"], name="event_article_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: “{self.article}”"


class ScheduledChange(models.Model):
    """A change to what readers see that waits for its time: a signed-off version going live, or a take-down.

    Written and carried out by `editorial` only (at the time, by whichever comes first: an app
    server, `manage.py carry_out_schedules`, or a reader's request for a public page).
    """

    class Kind(models.TextChoices):
        PUBLISH = "publish", "Goes live"
        TAKE_DOWN = "take_down", "Taken down"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="scheduled_changes")
    kind = models.CharField(max_length=20, choices=Kind)
    at = models.DateTimeField(help_text="When readers see the change.")
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="What goes live."
    )
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Its byline."
    )
    reviewed_on = models.DateField(null=True, blank=True)
    change_note = models.CharField(max_length=300, blank=True)
    same_person = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, help_text="For a take-down: the reason, recorded with the withdrawal.")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="scheduled_change_at_idx")]
        constraints = [
            models.UniqueConstraint(fields=["article", "kind"], name="scheduled_change_one_of_each_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}: “{self.article}”"


class DrugLabel(models.Model):
    """One version of a drug's label as imported (labels.py): the text of each watched section, and its fingerprint."""

    set_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    effective_on = models.DateField()
    title = models.TextField(blank=True)
    sections = models.JSONField(default=dict)  # LOINC code -> {"title", "text", "fingerprint"}
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["set_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["set_id", "version"], name="label_unique_version")]

    def __str__(self):
        return f"{self.title or self.set_id}, version {self.version} ({self.effective_on:%Y-%m-%d})"

    BOXED_WARNING = "34066-1"  # its LOINC code (labels.WATCHED)

    @property
    def boxed_warning(self) -> list[str]:
        """The lines of the label's boxed warning; none if it carries none."""
        text = (self.sections.get(self.BOXED_WARNING) or {}).get("text", "")
        return [line for line in text.split("\n") if line.strip()]

    @property
    def url(self) -> str:
        """The label's page at DailyMed, the National Library of Medicine's home of the FDA's labels."""
        return f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={quote(self.set_id)}"

    @classmethod
    def newest_for(cls, drug) -> "DrugLabel | None":
        """Return the newest imported version of `drug`'s label, if it names one."""
        if not drug.label_set_id:
            return None
        return cls.objects.filter(set_id__iexact=drug.label_set_id).order_by("-version").first()

    def previous(self):
        """Return the version of the same label just before this one, if imported."""
        return DrugLabel.objects.filter(set_id=self.set_id, version__lt=self.version).order_by("-version").first()


class LabelCheck(models.Model):
    """A live answer to check again because a new version of its drug's label changed a watched section.

    Opened by the label's import, cleared by the answer's next sign-off or by a reviewer's "checked, no change
    needed" (editorial owns both).
    """

    class Cleared(models.TextChoices):
        SIGNED_OFF = "signed_off", "Signed off again"
        NO_CHANGE = "no_change", "Checked, no change needed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="label_checks")
    label = models.ForeignKey(DrugLabel, on_delete=models.CASCADE, related_name="checks")
    changed = models.JSONField(default=list)  # the watched sections that changed: LOINC codes
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    cleared_how = models.CharField(max_length=16, choices=Cleared.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["article", "label"], name="label_check_once")]
        indexes = [models.Index(fields=["article"], condition=Q(cleared_at__isnull=True), name="label_check_open_idx")]

    def __str__(self):
        return f"“{self.article}” against {self.label}"


class ReaderReport(models.Model):
    """A reader's report that something in an answer seems wrong, and what the medical team did about it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved", "Resolved"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reader_reports")
    revision_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The revision the reader saw: the one live when they reported."
    )
    message = models.TextField(help_text="What the reader says seems wrong, as they wrote it.")
    email = models.EmailField(blank=True, help_text="Where the reader would like an answer, if they gave one.")
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    resolution = models.TextField(blank=True, help_text="What was done, for the record (not sent to the reader).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_idx")]

    def __str__(self):
        return f"Report on “{self.article}” ({self.created_at:%Y-%m-%d})"


class ArticleRedirect(models.Model):
    """An old address of a published answer, kept so that links to it still work."""

    old_slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"/{self.old_slug}/ → {self.article.slug}"


class PendingPurge(models.Model):
    """Cached pages a committed change still has to purge, and the caches that have not yet acknowledged it.

    Written in the change's own transaction (a transactional outbox), so a purge is
    never lost with a cache that blinked: `caching/outbox.py` delivers it after the
    commit and retries until every target has answered, then deletes the row.
    """

    tags = models.JSONField(help_text="The cache tags to purge.")
    targets = models.JSONField(help_text="What has yet to acknowledge: the page cache, and front caches by URL.")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Purge of {len(self.tags)} tags from {', '.join(self.targets)}"


# Site pages with an address of their own (slug -> URL name); /pages/SLUG/ leads there with a 301.
PAGE_ADDRESSES = {"about": "about", "editorial-policy": "editorial_policy", "medical-disclaimer": "medical_disclaimer"}


class Publisher(models.Model):
    """Who publishes the site and how readers reach them: one record, edited in the admin (the About page shows it)."""

    name = models.CharField(
        max_length=200, default="drugref", validators=[validate_single_line], help_text="The publisher's name."
    )
    email = models.EmailField(blank=True, help_text="Where readers write to the editors.")
    phone = models.CharField(max_length=50, blank=True, validators=[validate_single_line])
    address = models.TextField(blank=True, help_text="The publisher's postal address, one line each.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "publisher"
        # One publisher: a row with a fixed key, made by the migrations.
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="publisher_one_row")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return fixed_url("monographs:about")

    @classmethod
    def current(cls) -> "Publisher":
        return cls.objects.get_or_create(pk=1)[0]


class Page(models.Model):
    """A page of the site's own: about, editorial policy, medical disclaimer."""

    slug = models.SlugField(max_length=100, unique=True, help_text="The page's address: /SLUG/.")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="In Markdown, like answers.")
    body_html = models.TextField(editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.slug in PAGE_ADDRESSES:
            return fixed_url(f"monographs:{PAGE_ADDRESSES[self.slug]}")
        return url_for_slug("monographs:page", self.slug)


@dataclass(frozen=True)
class SubjectKind:
    """A kind of subject an answer is about or credited to, as every part of drugref knows it."""

    name: str  # as import files and tags spell it: "drug"
    model: type[models.Model]
    name_field: str  # the field that names one: a drug's brand name
    relation: str | None  # the answer's field that lists them ("drugs"); reviewers are a byline instead
    fields: tuple[str, ...]  # the other fields import and export carry
    lists: tuple[str, ...] = ()  # those of `fields` that name subjects of other kinds ("conditions")

    def key(self, name: str, credentials: str = ""):
        """What identifies one: a reviewer by name and credentials, any other by its name in any case."""
        return (name, credentials) if self.model is Reviewer else name.lower()


# In the order import files and the docs list them.
SUBJECT_KINDS = {
    kind.name: kind
    for kind in (
        SubjectKind(
            "drug",
            Drug,
            "brand_name",
            "drugs",
            ("generic_name", "other_names", "drug_class", "summary", "label_set_id", "rxcui", "conditions"),
            ("conditions",),
        ),
        SubjectKind("condition", Condition, "name", "conditions", ("abbreviation", "other_names", "summary")),
        SubjectKind(
            "reviewer",
            Reviewer,
            "name",
            None,
            ("credentials", "bio", "job_title", "registration_body", "registration_number", "registration_url"),
        ),
        SubjectKind(
            "support_group",
            SupportGroup,
            "name",
            "support_groups",
            ("url", "description", "conditions", "drugs"),
            ("conditions", "drugs"),
        ),
    )
}
# Subject fields that hold a list of plain names (one a line), carried as lists by import and export.
NAME_LISTS = ("other_names",)
# The kind an answer's (or a subject's) list field names: "drugs" → the drug kind.
KIND_OF_LIST = {kind.relation: kind for kind in SUBJECT_KINDS.values() if kind.relation}


# Partners of the content API and their keys live in partners.py; they are this app's models too.
from .partners import ApiKey, Partner  # noqa: E402, F401
