from tests.documents.helpers import docs_bot, start_docs_bot, storage_dir  # noqa: F401  (the fixtures)
