"""Studio flows: the kind (``kind``), definition checks, placeholders and normal form
(``definition``) and the per-widget diff (``diff``). Studio's widget library as data is
``flexplan.studio_widgets``, below every layer, because the sandbox checks definitions
against it too and must not import the resource kinds."""
