# Pages that name their mandate or their party.
mandate-title-named = { $types }: { $mandatee } for { $mandator }
home-title-enterprise = Mandates of { $enterprise }
