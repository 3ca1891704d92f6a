"""Settings for the type checker (mypy's Django plugin): the app registry without a database.

mypy reads the models, not the data; naming a database keeps settings from starting the embedded server.
Nothing connects to it.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://typecheck@127.0.0.1:5432/typecheck")

from .base import *  # noqa: E402, F403
