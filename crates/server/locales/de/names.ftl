# Seiten, die ihr Mandat oder ihre Partei beim Namen nennen.
mandate-title-named = { $types }: { $mandatee } für { $mandator }
home-title-enterprise = Mandate von { $enterprise }
