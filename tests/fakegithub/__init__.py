"""The project's single fake GitHub for tests: a real HTTP server that behaves, and refuses, like GitHub.

Use the `fake_github` fixture (tests/conftest.py); teardown fails if anything sent a request GitHub would refuse::

    repo = fake_github.add_repo("octo/demo")                       # the App is installed on it
    pull = repo.add_pull(7, base_files={"a.py": "x = 1\\n"}, changes={"a.py": "x = 2\\n"})
    app_settings = (fake_github.api_url, fake_github.app.id, fake_github.app.private_key_pem)
    delivery = fake_github.webhook("pull_request", "opened", pull=pull)   # signed headers + body
    fake_github.secondary_rate_limit_next("pulls/create-review", retry_after=1)
    ...                                                             # drive the App
    assert fake_github.count("checks/update") == 2
    assert pull.review_comments                                     # what the App wrote

See fake.py for the whole API.
"""

from tests.fakegithub.activity import ReviewComment
from tests.fakegithub.fake import FakeGitHub, running_fake_github
from tests.fakegithub.recording import RecordedRequest
from tests.fakegithub.repository import Pull, PullFile, Repo
from tests.fakegithub.shared import require_shared
from tests.fakegithub.webhooks import WebhookDelivery, load_example, signature_256

__all__ = [
    "FakeGitHub",
    "Pull",
    "PullFile",
    "RecordedRequest",
    "Repo",
    "ReviewComment",
    "WebhookDelivery",
    "load_example",
    "require_shared",
    "running_fake_github",
    "signature_256",
]
