/**
 * Key bindings as the help screen lists them; the handlers live in hooks/useKeyboard.ts. Eight
 * lines, so the help screen still fits a 24-row terminal with a message shown.
 */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  k j', 'choose a peer (or a transfer, after tab)'],
  ['enter', 'send files or folders to the chosen peer'],
  ['tab  c', 'switch peers/transfers, complete a path; c cancels a transfer'],
  ['v', "show the chosen peer's verification code, to compare and trust it"],
  ['a  d  b', 'incoming offer: accept, decline, decline and block it until you quit'],
  ['t', 'incoming offer: always accept = trust, after comparing the code'],
  ['esc  ?', 'go back, close a dialog, clear a message; ? is this help'],
  ['q  ctrl+c', 'quit'],
];
