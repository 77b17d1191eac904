"""Studio flows: the kind (``kind``), definition checks, placeholders and normal form
(``definition``), Studio's widget library as data (``widgets``) and the per-widget diff
(``diff``)."""
