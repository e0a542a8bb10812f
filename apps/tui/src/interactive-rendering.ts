/**
 * Lets Ink draw every frame. Ink shows nothing but its final frame when CI or
 * CONTINUOUS_INTEGRATION is set (is-in-ci reads them once, when Ink is imported), so a TUI
 * started from a CI job, or from a shell that exports CI, would sit on a blank screen. Call this
 * before Ink is first imported.
 */
export function allowInteractiveRendering(): void {
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
}
