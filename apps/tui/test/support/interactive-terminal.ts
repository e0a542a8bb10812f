// These tests read every frame the way a person at a terminal sees them, and CI runs them with
// CI=true: clear it before any test file imports Ink.
import { allowInteractiveRendering } from '../../src/interactive-rendering.js';

allowInteractiveRendering();
