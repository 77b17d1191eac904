"""Resource kinds, one module each (Studio: one package), listed here once.

The order of ``KINDS`` is the reading order of plans (``rank``, then section).
Adding a kind means adding its module and one line below; nothing outside this
package names a kind.
"""

from __future__ import annotations

from flexplan.resources import (
    channel_configs,
    conversations_addresses,
    conversations_configuration,
    conversations_webhooks,
    flex_configuration,
    flex_flows,
    task_channels,
    task_queues,
    workflows,
)
from flexplan.resources.base import AnyKind
from flexplan.resources.studio import kind as studio_flows

KINDS: list[AnyKind] = sorted(
    [
        studio_flows.KIND,
        flex_flows.KIND,
        conversations_addresses.KIND,
        channel_configs.KIND,
        flex_configuration.KIND,
        task_queues.KIND,
        workflows.KIND,
        task_channels.KIND,
        conversations_configuration.KIND,
        conversations_webhooks.KIND,
    ],
    key=lambda k: (k.rank, k.section),
)
BY_SECTION: dict[str, AnyKind] = {k.section: k for k in KINDS}
