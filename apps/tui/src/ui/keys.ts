/**
 * Key bindings as the help screen lists them, by where they work; the handlers live in
 * hooks/useKeyboard.ts and (for the path line) input/line-keys.ts. The help screen wraps and
 * scrolls, so a narrow or short terminal shows all of it.
 */
export type KeyHelp = readonly (readonly [string, string])[];

export const KEY_HELP: KeyHelp = [
  ['↑ ↓  k j', 'choose a peer (or a transfer or history entry, after tab)'],
  ['enter', 'send files or folders to the chosen peer'],
  ['m', 'send the chosen peer a text message'],
  ['tab', 'switch between the peers, the transfers and the history'],
  ['c', 'cancel the chosen transfer (asks: y cancels, n or esc keeps it)'],
  ['v', "show the chosen peer's verification code, to compare and trust it"],
  ['esc  ?', 'go back, close a dialog, clear a message; ? is this help'],
  ['q  ctrl+c', 'quit'],
];

export const OFFER_KEY_HELP: KeyHelp = [
  ['a  d  b', 'accept, decline, decline and block it until you quit'],
  ['t', 'always accept = trust, after comparing the code'],
  ['esc', 'in another dialog, when a banner announces an offer: show it now'],
];

export const PATH_KEY_HELP: KeyHelp = [
  ['tab', 'complete the path; enter adds it; enter on an empty line sends'],
  ['← → home end', 'move; ctrl+a and ctrl+e also go to the start and the end'],
  ['ctrl+u ctrl+k', 'delete to the start, to the end of the line'],
  ['ctrl+w', 'delete the part of the path before the cursor, up to a /'],
  ['ctrl+y', 'put back what was deleted last (also a removed path)'],
  ['backspace', 'twice on an empty line: remove the last chosen path'],
  ['paste', "paths as a file manager pastes them: 'quoted', back\\ slashed, file://; several at once"],
];

export const MESSAGE_KEY_HELP: KeyHelp = [
  ['enter', 'writing: send it; alt+enter or ctrl+j start a new line; esc keeps it for later'],
  ['↑ ↓  pgup pgdn', 'received: scroll it (also home, end, space)'],
  ['c', 'received: copy it (terminal clipboard, OSC 52) and save it as text-<time>.txt in the receive folder'],
];

export const HISTORY_KEY_HELP: KeyHelp = [
  ['↑ ↓', 'choose an entry (tab to the history first); it is shown in full below the list'],
  ['enter  o', 'open the folder it landed in (or show its path where no file manager can be opened)'],
];

export const HELP_SECTIONS: readonly (readonly [string, KeyHelp])[] = [
  ['Main screen', KEY_HELP],
  ['Incoming offer', OFFER_KEY_HELP],
  ['Messages', MESSAGE_KEY_HELP],
  ['History (kept across restarts in history.jsonl in the state folder)', HISTORY_KEY_HELP],
  ['Path line (send dialog)', PATH_KEY_HELP],
];
