"""Studio's widget library as data: the widget types, and the properties each one requires.

One definition shared by flexplan's own checks (``flexplan.resources.studio.definition``)
and the sandbox's model of Studio (``flexplan.sandbox.studio_check``), so the two can
never disagree about which widgets exist. It imports nothing from flexplan: the sandbox
uses it without importing the resource kinds.

Sources (cited again in docs/sandbox.md):

* the ``type`` enum of Twilio's flow-definition JSON Schema,
  https://www.twilio.com/docs/studio/rest-api/v2/schemas (``add-member-to-chat-channel`` …
  ``connect-virtual-agent-v2``, with ``make-outgoing-call-v1`` and ``-v2``);
* Studio's widget library, https://www.twilio.com/docs/studio/widget-library, and its
  newer pages: Start Conversation (``start-conversation``,
  https://www.twilio.com/docs/studio/widget-library/start-conversation);
* ``send-to-auto-pilot``: older exports still carry it (RJPearson94/terraform-provider-twilio
  has a data source for it); Autopilot is retired, Studio's Validate decides.

Studio adds widgets over time, so flexplan treats a type missing here as a
warning (Twilio's ``POST /v2/Flows/Validate`` is the authority); the sandbox,
like Twilio's schema, refuses it.
"""

from __future__ import annotations

WIDGET_TYPES: frozenset[str] = frozenset(
    {
        # flow control
        "trigger",
        "split-based-on",
        "set-variables",
        # voice
        "say-play",
        "gather-input-on-call",
        "connect-call-to",
        "make-outgoing-call-v1",
        "make-outgoing-call-v2",
        "record-voicemail",
        "record-call",
        "enqueue-call",
        "capture-payments",
        "fork-stream",
        "add-twiml-redirect",
        "connect-virtual-agent",
        "connect-virtual-agent-v2",
        # messaging
        "send-message",
        "send-and-wait-for-reply",
        "start-conversation",
        "add-member-to-chat-channel",
        "create-chat-channel",
        # tools and code
        "run-function",
        "run-function-v2",
        "make-http-request",
        "run-subflow",
        # other Twilio products
        "send-to-flex",
        "create-task",
        "understand",
        "update-sync-object",
        "send-to-auto-pilot",
    }
)

# Properties a widget cannot go without, by widget type, each with the page that says so.
# A property is missing when it is absent, null or an empty string.
REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {
    # "The widget requires a Workflow and a Task Channel" (widget-library/send-flex)
    "send-to-flex": ("workflow", "channel"),
    # "The Studio Flow where the Subflow is located must be specified along with the
    # revision" (widget-library/run-subflow)
    "run-subflow": ("flow_sid", "flow_revision"),
    # "A Message Body … is not auto-populated" (widget-library/send-message)
    "send-message": ("body",),
    # the same Message Body (widget-library/send-wait-reply)
    "send-and-wait-for-reply": ("body",),
    # "three required fields: Request Method, Request URL, and Content Type"
    # (widget-library/http-request)
    "make-http-request": ("method", "url", "content_type"),
    # "only requires one piece of information …: the URL of the Function"
    # (widget-library/run-function)
    "run-function": ("url",),
    # "Variable to test" (widget-library/split-based-on)
    "split-based-on": ("input",),
}

# List-valued properties whose items need a key (widget-library/set-variables: each
# variable is a key and a value).
KEYED_ITEMS: dict[str, str] = {"set-variables": "variables"}
