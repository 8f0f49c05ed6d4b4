# Pagina's die hun mandaat of hun partij bij naam noemen.
mandate-title-named = { $types }: { $mandatee } voor { $mandator }
home-title-enterprise = Mandaten van { $enterprise }
