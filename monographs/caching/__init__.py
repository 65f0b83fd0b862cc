"""Caching of public pages: what a page shows (tags), the app's page cache, the front cache, and purging both.

- `tags`: the names of what a page shows, and of what a change touches.
- `pages`: the `public_page` view decorator and the middleware that serves and fills the page cache.
- `store`: the page cache itself, in the configured Django cache, with tag versions.
- `front`: purging a front cache (Varnish or a CDN) by tag.
- `purge`: the one call every change makes (and again after its transaction commits).
- `signals`: purges for edits of drugs, conditions, reviewers, support groups and site pages.
"""
