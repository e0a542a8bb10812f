// Ink only writes its last frame when CI is set (is-in-ci, read once when Ink is imported), and
// these tests read every frame the way a person at a terminal sees them. CI runs this suite with
// CI=true, so the variable is cleared before any test file imports Ink.
delete process.env['CI'];
delete process.env['CONTINUOUS_INTEGRATION'];
