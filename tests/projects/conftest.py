from tests.projects.helpers import project_bot  # noqa: F401  (the fixture)
