# Pages qui nomment leur mandat ou leur partie.
mandate-title-named = { $types } : { $mandatee } pour { $mandator }
home-title-enterprise = Mandats de { $enterprise }
