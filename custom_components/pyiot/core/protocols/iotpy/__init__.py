"""Remote IOTpy servers (iotpy.md §4-§8): the HTTP client, the `/variables` parser and the view.

For the Home Assistant side: `ServerAddress.parse(url, prefix)` (config flow), `IotpyServerClient`
(`fetch()` in a `DataUpdateCoordinator`, `write()` for entities and actions), `ServerView` (`apply()`
each answer, `get(name)` per entity), `fingerprint`/`parse_variables` (pure, for validation and tests).
"""

from .client import (
    DEFAULT_PORT,
    AddressError,
    Fetched,
    FetchProblem,
    IotpyServerClient,
    IotpyServerError,
    ServerAddress,
)
from .variables import (
    RemoteVariable,
    ServerFormat,
    VariablesDocument,
    VariablesError,
    decode,
    fingerprint,
    parse_variables,
)
from .view import ServerView, VariableView, ViewChanges

__all__ = [
    "DEFAULT_PORT",
    "AddressError",
    "FetchProblem",
    "Fetched",
    "IotpyServerClient",
    "IotpyServerError",
    "RemoteVariable",
    "ServerAddress",
    "ServerFormat",
    "ServerView",
    "VariableView",
    "VariablesDocument",
    "VariablesError",
    "ViewChanges",
    "decode",
    "fingerprint",
    "parse_variables",
]
