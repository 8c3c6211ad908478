"""The policy, one module per area. Importing this package registers every handler and job."""
from handlers import general  # noqa: F401
from handlers import approvals  # noqa: F401
from handlers import meetings  # noqa: F401
from handlers import reports  # noqa: F401
