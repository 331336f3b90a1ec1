"""Run in a separate venv with grimoire-elk (GPL-3.0): Perceval items → enriched documents.

    python enrich.py KIND ITEMS.jsonl OUT.jsonl

mdm never imports grimoire-elk (it needs pandas < 3, and it is GPL): the contract test runs this
file with ``MDM_GRIMOIRE_ELK_PYTHON``, as GrimoireLab would enrich, without SortingHat or a
cluster: the raw layer's dates first, then each enricher's ``get_rich_item`` (Discourse's
answers and the person fields Discourse and mbox add only with SortingHat, added as its base
class would).
"""

import json
import sys

from grimoirelab_toolkit.datetime import unixtime_to_datetime

kind, source, target = sys.argv[1:4]
if kind == "git":
    from grimoire_elk.enriched.git import GitEnrich as Enrich
elif kind == "github":
    from grimoire_elk.enriched.github import GitHubEnrich as Enrich
elif kind == "discourse":
    from grimoire_elk.enriched.discourse import DiscourseEnrich as Enrich
else:
    from grimoire_elk.enriched.mbox import MBoxEnrich as Enrich

enricher = Enrich()
with open(source, encoding="utf-8") as lines:
    items = [json.loads(line) for line in lines if line.strip()]
if kind == "discourse":  # category names would be fetched from the forum
    enricher.categories = {item["data"]["category_id"]: "General" for item in items}
    enricher.categories_tree = {0: {}}
with open(target, "w", encoding="utf-8") as out:
    for item in items:
        item["metadata__updated_on"] = unixtime_to_datetime(item["updated_on"]).isoformat()
        item["metadata__timestamp"] = unixtime_to_datetime(item["timestamp"]).isoformat()
        rich = [enricher.get_rich_item(item)]
        if kind == "mbox":
            rich[0].update(enricher.get_item_sh(item))
        if kind == "discourse":
            posts = item["data"]["post_stream"]["posts"]
            rich[0].update(enricher.get_item_sh(posts[0], date_field="created_at"))
            answers = enricher.get_rich_item_answers(item)
            for post, answer in zip(posts, answers, strict=True):
                answer.update(enricher.get_item_sh(post, date_field="created_at"))
            rich += answers
        for document in rich:
            out.write(json.dumps(document, default=str) + "\n")
