"""The book's repository URL (``repository: url:`` in _config.yml) wherever the website needs it.

Loaded through ``sphinx.local_extensions`` in _config.yml, at ``config-inited``:

* the pages may write ``{{ repository_url }}`` (a link) and ``{{ rnnlab_install }}`` (the pip command that
  installs rnnlab with its stored results from the repository): MyST substitutions made from the URL;
* a repository outside github.com (a course's own, set by ``python3 tools/fork.py --repo URL``) still builds:
  sphinx-book-theme knows only github.com, gitlab.com and bitbucket.org addresses, so another host is
  declared a GitLab-style forge (``/OWNER/NAME``, issues at ``/issues``; Binder uses its generic git
  launcher for it), and the Colab button is dropped, since Colab opens notebooks from GitHub only.
"""
from __future__ import annotations

from urllib.parse import urlparse

KNOWN_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


def use_repository(app, config):
    opts = config.html_theme_options
    url = (opts.get("repository_url") or "").rstrip("/")
    if not url:
        return
    subs = dict(config.myst_substitutions or {})
    subs.setdefault("repository_url", f"<{url}>")
    subs.setdefault("rnnlab_install", f'`pip install "rnnlab @ git+{url}"`')
    config.myst_substitutions = subs
    host = urlparse(url).netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    if host not in KNOWN_HOSTS and not opts.get("repository_provider"):
        opts["repository_provider"] = "gitlab"
    if host != "github.com":
        launch = dict(opts.get("launch_buttons") or {})
        launch.pop("colab_url", None)
        opts["launch_buttons"] = launch


def setup(app):
    app.connect("config-inited", use_repository)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
