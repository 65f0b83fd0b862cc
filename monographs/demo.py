"""The demo content: the Besponsa answer page and what its sections link to.

Every sentence in it restates the Besponsa answer page; nothing adds a medical
claim of its own. It is a set of import files (content/demo/): the answers in
Markdown with front matter (the Besponsa answer with its boxed warning set
apart, its source and its curated links), and the drug, condition, reviewer
and support groups as JSON Lines. Loading it is an import like any other, so
running it again changes nothing, and it puts back what an editor changed.
"""

from pathlib import Path

from .interchange.run import import_paths
from .models import Article

CONTENT_DIR = Path(__file__).resolve().parent / "content" / "demo"
BESPONSA_SLUG = "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"
# To try the review loop locally (load_demo --demo-accounts, debug only): one writes, two can sign off.
DEMO_ACCOUNTS = [
    {"email": "editor@example.org", "role": "editor", "name": "Erin Editor", "username": "editor"},
    {"email": "judith@example.org", "role": "reviewer", "name": "Judith Stewart", "credentials": "BPharm"},
    {"email": "alex@example.org", "role": "reviewer", "name": "Alex Morgan", "credentials": "PharmD"},
]


def load_demo() -> Article:
    """Import the demo content; return the Besponsa answer."""
    import_paths([CONTENT_DIR])
    return Article.objects.canonical().get(slug=BESPONSA_SLUG)
