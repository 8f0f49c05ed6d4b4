-- A mandator's mandates to one mandatee, found without reading all of the mandator's (an
-- accounting office's thousands): for bulk files, which know rows by their parties.
CREATE INDEX mandates_pair ON mandates (mandator, mandatee);
