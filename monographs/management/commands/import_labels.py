"""Import versions of drug labels (FDA Structured Product Labels), all or nothing.

python manage.py import_labels FILE [FILE ...]
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from monographs import editorial, labels
from monographs.caching import tags as cache_tags
from monographs.caching.purge import purge
from monographs.models import Drug, DrugLabel


class Command(BaseCommand):
    help = (
        "Import drug label versions from SPL XML files, or zips of them: DailyMed's download of a label "
        "(dailymed.nlm.nih.gov, 'Download SPL', one zip per label version, read offline), or an https:// "
        "address of one where a network is available. Every file is read first; a bad one means nothing is "
        "written. A version whose watched sections (boxed warning, indications, dosage, contraindications, "
        "warnings and precautions, recent major changes) differ from the version before marks every live "
        "answer about the drug (by its label set id) to be checked again, and tells the medical reviewers."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="An SPL XML file, a zip of them, or an https URL.")

    def handle(self, *args, files, verbosity, **options):
        try:
            documents = labels.read(files)
        except labels.LabelError as error:
            raise CommandError(f"{error}. Nothing was imported.") from None
        with transaction.atomic():
            lines = [self._import(document) for document in sorted(documents, key=lambda d: (d.set_id, d.version))]
        if verbosity >= 1:
            for line in lines:
                self.stdout.write(line)

    def _import(self, document) -> str:
        said = f"{document.name}: {document.title or document.set_id}, version {document.version}"
        if DrugLabel.objects.filter(set_id=document.set_id, version=document.version).exists():
            return f"{said}: already imported."
        label = DrugLabel.objects.create(
            set_id=document.set_id,
            version=document.version,
            effective_on=document.effective_on,
            title=document.title,
            sections=document.stored_sections(),
        )
        named = list(Drug.objects.filter(label_set_id__iexact=label.set_id).only("pk", "brand_name"))
        drugs = [drug.brand_name for drug in named]
        if not drugs:
            return f"{said}: imported; no drug names this label set id ({label.set_id}) yet."
        newer = DrugLabel.objects.filter(set_id=label.set_id, version__gt=label.version).exists()
        if not newer:  # the drugs' pages show the newest label's boxed warning and date
            purge(cache_tags.for_objects(named))
        previous = label.previous()
        changed = [] if newer else labels.changed_sections(previous and previous.sections, label.sections)
        if previous is None or newer:
            return f"{said} ({', '.join(drugs)}): imported as {'an older version' if newer else 'the first version'}."
        if not changed:
            return f"{said} ({', '.join(drugs)}): imported; no watched section changed."
        marked = editorial.open_label_checks(label, changed)
        sections = ", ".join(labels.WATCHED[code] for code in changed)
        return f"{said} ({', '.join(drugs)}): changed {sections}; {marked} live answer(s) to check again."
