/**
 * The first frame: the main screen's header line, "fileshare  starting…" (bold cyan, dim), which
 * fills in (device id, addresses) once the node runs. It is written straight to the terminal,
 * not through Ink: loading Ink and React alone takes a good part of the start-up time.
 */
export const STARTING_LINE = '\u001b[1;36mfileshare\u001b[22;39m  \u001b[2mstarting…\u001b[22m';

/** Back to the start of that line, erased, so that Ink draws its first frame in its place. */
export const ERASE_STARTING_LINE = '\r\u001b[2K';
