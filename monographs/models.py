"""drugref's domain: drugs, conditions, reviewers, support groups and answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from .rendering import render_markdown
from .slugs import SLUG_MAX_LENGTH


class Condition(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Full name, e.g. “Acute Lymphoblastic Leukemia”.")
    abbreviation = models.CharField(
        max_length=30, blank=True, help_text="Short form readers know, e.g. “ALL”. Optional."
    )
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The condition page's address.")
    summary = models.TextField(blank=True, help_text="A few plain sentences shown on the condition page.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def get_absolute_url(self):
        return reverse("monographs:condition", kwargs={"slug": self.slug})


class Drug(models.Model):
    brand_name = models.CharField(max_length=200, unique=True, help_text="The name on the pack, e.g. “Besponsa”.")
    generic_name = models.CharField(
        max_length=200, blank=True, help_text="The active ingredient, e.g. “inotuzumab ozogamicin”."
    )
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The drug page's address.")
    drug_class = models.CharField("drug class", max_length=200, blank=True, help_text="e.g. “antibody-drug conjugate”.")
    summary = models.TextField(blank=True, help_text="A few plain sentences shown on the drug page.")
    conditions = models.ManyToManyField(
        Condition, blank=True, related_name="drugs", help_text="The conditions this drug treats."
    )

    class Meta:
        ordering = ["brand_name"]
        indexes = [models.Index(fields=["generic_name"], name="drug_generic_name_idx")]

    def __str__(self):
        return self.brand_name

    def get_absolute_url(self):
        return reverse("monographs:drug", kwargs={"slug": self.slug})


class Reviewer(models.Model):
    name = models.CharField(max_length=200, help_text="As printed in the byline, e.g. “Judith Stewart”.")
    credentials = models.CharField(max_length=100, help_text="Qualifications printed after the name, e.g. “BPharm”.")
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, help_text="The reviewer page's address.")
    bio = models.TextField(blank=True, help_text="A short biography shown on the reviewer page.")
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
        return f"{self.name}, {self.credentials}"

    def get_absolute_url(self):
        return reverse("monographs:reviewer", kwargs={"slug": self.slug})


class SupportGroup(models.Model):
    name = models.CharField(max_length=200, unique=True)
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
        return reverse("monographs:support_group", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def live(self):
        """Return the answers readers may see: every public path starts here."""
        return self.filter(state=Article.State.PUBLISHED)

    def for_page(self):
        """Fetch what an answer page shows in a fixed number of queries."""
        live_targets = Article.objects.live()
        return self.select_related("reviewer").prefetch_related(
            "drugs",
            "conditions",
            "support_groups",
            *(
                models.Prefetch(
                    f"{link_model._meta.model_name}_links",
                    queryset=link_model.objects.filter(target__in=live_targets)
                    .select_related("target")
                    .only("source_id", "position", "target__question", "target__slug"),
                )
                for link_model in (RelatedQuestion, ReadNext)
            ),
        )

    def sharing_subjects_with(self, article):
        """Return answers about one of `article`'s drugs or conditions, not itself."""
        drug_ids = [drug.pk for drug in article.drugs.all()]
        condition_ids = [condition.pk for condition in article.conditions.all()]
        by_drug = Article.drugs.through.objects.filter(drug_id__in=drug_ids).values("article_id")
        by_condition = Article.conditions.through.objects.filter(condition_id__in=condition_ids).values("article_id")
        return self.filter(Q(pk__in=by_drug) | Q(pk__in=by_condition)).exclude(pk=article.pk)

    def for_list(self):
        """Return only what a list of answer links needs."""
        return self.only("question", "slug", "reviewed_on")


class Article(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    question = models.CharField(max_length=255, help_text="The question as readers ask it; it is the page's heading.")
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        help_text="The answer's address: /medical-answers/<slug>/. Changing it breaks links to it.",
    )
    answer = models.TextField(
        help_text="The official answer, in Markdown: blank lines separate paragraphs; "
        "**bold**, *italic*, lists and [links](https://example.org) work."
    )
    answer_html = models.TextField(editable=False, help_text="The answer as HTML, made from the Markdown on save.")
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences for search results and the page's meta description.",
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
    reviewer = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The pharmacist who medically reviewed this answer, named in the byline.",
    )
    reviewed_on = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
        help_text="The date of the last medical review, printed as “Last updated on”.",
    )
    state = models.CharField(
        max_length=20,
        choices=State,
        default=State.DRAFT,
        help_text="Only published answers are public, and only a reviewed answer can be published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_on", "question"]
        get_latest_by = "reviewed_on"
        indexes = [models.Index(fields=["state", "-reviewed_on"], name="article_state_reviewed_idx")]
        constraints = [
            # Principle 2: nothing unreviewed reaches readers, even through a
            # raw update or a bulk load.
            models.CheckConstraint(
                condition=~Q(state="published") | Q(reviewer__isnull=False, reviewed_on__isnull=False),
                name="article_published_is_reviewed",
                violation_error_message="A published answer needs a reviewer and a review date.",
            ),
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer_html = render_markdown(self.answer)
        if kwargs.get("update_fields") is not None and "answer" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "answer_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("monographs:article", kwargs={"slug": self.slug})

    @property
    def related_questions(self):
        """Return the live related questions, in order (prefetched by for_page)."""
        return [link.target for link in self.relatedquestion_links.all()]

    @property
    def read_next(self):
        """Return the live read-next answers, in order (prefetched by for_page)."""
        return [link.target for link in self.readnext_links.all()]


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
