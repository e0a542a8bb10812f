/** Key bindings as the help screen lists them; the handlers live in hooks/useKeyboard.ts. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  k j', 'choose a peer (or a transfer, after tab)'],
  ['enter', 'send files or folders to the chosen peer'],
  ['tab', 'switch between peers and transfers; complete a path'],
  ['c', 'cancel the chosen transfer'],
  ['a  d  t', 'incoming offer: accept, decline, always accept from that peer'],
  ['esc', 'go back, close a dialog, clear a message'],
  ['?', 'this help (esc closes it)'],
  ['q  ctrl+c', 'quit'],
];
