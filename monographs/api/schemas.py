"""What the API returns, as pydantic schemas: they validate every body it builds and make its OpenAPI schema."""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field


class Link(Schema):
    """Another answer, linked from this one."""

    slug: str
    question: str
    url: str = Field(description="The answer's page on the site.")
    api_url: str


class Subject(Schema):
    """A drug, condition or support group an answer is about or points to."""

    slug: str
    name: str
    url: str
    api_url: str | None = None
    generic_name: str | None = None


class Registration(Schema):
    body: str
    number: str
    url: str


class Credential(Schema):
    short: str
    meaning: str = Field(description="What it stands for, where drugref knows; empty otherwise.")


class Reviewer(Schema):
    slug: str
    name: str
    credentials: str = Field(description="As the byline writes them, e.g. “BPharm”.")
    byline_name: str = Field(description="The name with its credentials, as the byline prints it.")
    url: str
    api_url: str


class ReviewerDetail(Reviewer):
    credentials_spelled_out: list[Credential]
    job_title: str
    bio: str
    registration: Registration | None
    attribution: str


class Source(Schema):
    number: int
    title: str
    url: str | None = None
    publisher: str | None = None
    section: str | None = None
    published_on: date | None = None
    accessed_on: date | None = None


class AnswerWarning(Schema):
    label: str = Field(description="As the writer headed it, e.g. “Boxed warning”.")
    html: str = Field(description="Sanitised HTML.")
    text: str


class AnswerSummary(Schema):
    id: int
    slug: str
    question: str
    summary: str
    revision: int | None = Field(description="The revision readers see.")
    reviewed_on: date | None
    url: str
    api_url: str


class AnswerDetail(AnswerSummary):
    answer_html: str = Field(description="The answer as sanitised HTML, as the page shows it (citations linked).")
    answer_text: str = Field(description="The answer as plain text, its paragraphs apart.")
    warnings: list[AnswerWarning] = Field(description="Safety warnings in the answer, shown first on the page.")
    sources: list[Source]
    reviewer: Reviewer | None
    byline: str = Field(description="“Medically reviewed by … Last updated on …”, as the page prints it.")
    first_published_on: date | None
    next_review_due: date | None
    review_status: str = Field(description="current, due_soon or overdue.")
    label_changed_on: date | None = Field(
        description="Set while the answer is being checked again after its drug's label changed on this date."
    )
    updated_at: datetime
    drugs: list[Subject]
    conditions: list[Subject]
    support_groups: list[Subject]
    related_questions: list[Link]
    read_next: list[Link]
    related_medical_questions: list[Link]
    attribution: str


class Page(Schema):
    """A page of a list: follow `next` until it is null. Lists are paged by position, never counted."""

    next: str | None
    attribution: str


class AnswerList(Page):
    results: list[AnswerSummary]


class Drug(Schema):
    slug: str
    name: str = Field(description="The brand name.")
    generic_name: str
    other_names: list[str]
    url: str
    api_url: str


class DrugDetail(Drug):
    drug_class: str
    summary: str
    conditions: list[Subject]
    answers: list[AnswerSummary] = Field(description="The first answers about it; `answers/?drug=` has them all.")
    answers_url: str
    label_set_id: str
    rxcui: str
    attribution: str


class DrugList(Page):
    results: list[Drug]


class Condition(Schema):
    slug: str
    name: str
    abbreviation: str
    other_names: list[str]
    url: str
    api_url: str


class ConditionDetail(Condition):
    summary: str
    drugs: list[Subject]
    answers: list[AnswerSummary]
    answers_url: str
    attribution: str


class ConditionList(Page):
    results: list[Condition]


class Change(Schema):
    id: int = Field(description="The cursor: ask for `changes/?after=` this id to go on from here.")
    kind: str = Field(description="published, updated, address_changed, withdrawn or restored.")
    answer_id: int
    slug: str
    previous_slug: str | None = Field(description="Where the answer was, for address_changed.")
    revision: int | None = Field(description="The revision readers now see; none for withdrawn.")
    at: datetime
    url: str
    api_url: str


class ChangeList(Schema):
    results: list[Change]
    next: str = Field(description="Where to go on from; the same cursor again when there is nothing new yet.")
    attribution: str


class Error(Schema):
    class Detail(Schema):
        code: str
        message: str

    error: Detail
    attribution: str
