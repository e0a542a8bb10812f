/** Characters of a device id shown in lists; the full id is on the help screen. */
export const SHORT_ID_LENGTH = 8;

/** Finished transfers kept, on screen (the newest that fit) and in `history.jsonl` across restarts. */
export const HISTORY_LIMIT = 200;

/** File names listed in an incoming offer before "and N more". */
export const OFFER_FILES_SHOWN = 5;

/** Completion candidates listed under the path input before "and N more". */
export const COMPLETION_CANDIDATES_SHOWN = 6;

/** Width of a progress bar in cells. */
export const PROGRESS_BAR_WIDTH = 24;

/** Assumed terminal size when the output stream does not report one (pipes, tests). */
export const DEFAULT_COLUMNS = 80;
export const DEFAULT_ROWS = 24;

/**
 * How long `close()` of the node may take on exit before the process leaves anyway: a user who
 * pressed `q` must get the shell back even if a peer never answers the goodbye.
 */
export const CLOSE_DEADLINE_MS = 5000;

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_SIGHUP = 129;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/** After everything is closed, how long the process may linger on a stray handle before it exits. */
export const EXIT_GRACE_MS = 2000;

/**
 * `fileshare --to NAME`: after this long with no peer matching NAME, the status line says so and
 * suggests the closest peer names (it keeps waiting). Mid-way between mDNS's first answers (about
 * a second) and the patience of someone looking at the screen.
 */
export const CLI_SEND_SUGGEST_AFTER_MS = 10_000;

/**
 * How long `--to` waits for its peer: until the user quits or chooses another peer. The longest
 * delay a Node timer takes (about 24.8 days); the node's own default would give up after 30 s.
 */
export const CLI_SEND_WAIT_MS = 2_147_483_647;
