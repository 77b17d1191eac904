"""``flexplan migrate``: a manifest on legacy Flex Flows rewritten for Flex Conversations.

Everything here works on the manifest's YAML and JSON data as written (``${…}``
left as they are), never on the account: ``source`` reads and writes the files,
``rewrite`` turns each migratable Flex Flow into a Conversations address and
``studio`` rewires Studio definitions to the Incoming Conversation trigger.
The mappings and the pages that state them are in docs/migrating.md.
"""
