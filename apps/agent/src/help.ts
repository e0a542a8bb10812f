/** Help texts shown after commander's option lists (`--help` of the program and of each verb). */

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (sent: every receiver verified every file; received: the transfer verified)
  1  unexpected error
  2  usage error: bad option, missing or unreadable path (nothing was started)
  3  peer not found, or not connected within --timeout
  4  declined by the receiver (also: it is busy with too many offers)
  5  cancelled or interrupted (Ctrl-C, the other side cancelled)
  6  transfer failed (integrity, disk full, peer gone, receiver error)
  7  could not start: port in use, state folder unusable or insecure, bad --peer
  send to several peers: 0 when all verified, else the code of the first failed --to
  (in command-line order); each peer's own outcome is a "send-result" JSON line.`;

export const PROGRAM_HELP = `
Examples:
  fileshare-agent peers                                  # who is on the LAN (3 s)
  fileshare-agent receive --once                         # one transfer, asking on this terminal
  fileshare-agent receive --once --accept all --dir ~/in # one transfer from anyone, for scripts
  fileshare-agent send --to desk-pc report.pdf photos/   # exits 0 once verified
  fileshare-agent send --to desk-pc --to lab-1 big.iso   # several receivers at once
  tar c src | fileshare-agent send --to desk-pc - --as src.tar
  fileshare-agent send --to desk-pc --text "meeting at 3"
  fileshare-agent run --accept trusted                   # a daemon; send/peers use its id
${EXIT_CODES_HELP}`;

export const SEND_HELP = `
Every path is checked before anything starts: a missing or unreadable one exits 2 at once.
When a \`fileshare-agent run\` is running on the same state folder, send asks it to do the
work (through its control socket), so the receiver sees that agent's device id; --no-daemon
starts a separate node instead (it gets a temporary id while the daemon holds the folder).

Examples:
  fileshare-agent send --to desk-pc report.pdf photos/
  fileshare-agent send --to desk-pc --to 3fa9 --json big.iso   # one send-result line per peer
  pg_dump db | fileshare-agent send --to backup-box - --as db.sql
  fileshare-agent send --to desk-pc --text "build 1423 is green"
  git log -1 | fileshare-agent send --to desk-pc --text -
${EXIT_CODES_HELP}`;

export const RECEIVE_HELP = `
Which offers are taken (--accept):
  ask      ask on this terminal for each offer from an untrusted device: y accept, n decline,
           t trust the device (after comparing the verification code) and accept.
           Trusted devices are accepted without asking. Default when run on a terminal.
  trusted  accept trusted devices only; decline the rest without asking
  all      accept from any device that proves its id (never a look-alike of a trusted one)
Without a terminal (a script, a pipe) there is no one to ask: give --accept all or trusted.

With --once, the first transfer (or text) accepted, or declined by you, decides the exit
code; offers the policy declines by itself do not count. Without --once it receives until
Ctrl-C (exit 5 if a transfer was interrupted, else 0).

Examples:
  fileshare-agent receive --once                          # ask here, then exit
  fileshare-agent receive --once --accept all --json --dir ~/in
  fileshare-agent receive --accept trusted                # until Ctrl-C
${EXIT_CODES_HELP}`;

export const RUN_HELP = `
run is the long-lived node: it opens a control socket (agent.sock in the state folder, 0600)
so that \`send\` and \`peers\` on the same state folder use this node and its device id.
With the default --accept none it declines every offer and says once how to accept.

Examples:
  fileshare-agent run --accept trusted --dir ~/inbox
  fileshare-agent run --accept all --json --state-dir /srv/fileshare
  fileshare-agent run --accept ask                        # ask on this terminal
${EXIT_CODES_HELP}`;

export const PEERS_HELP = `
Lists the devices found on the LAN within --wait seconds, with their state: connected
(a live connection), verified (it proved its device key), trusted (in the trust file).
Uses a running \`fileshare-agent run\` on the same state folder when there is one.

Examples:
  fileshare-agent peers
  fileshare-agent peers --wait 10 --json | jq -r 'select(.verified) | .peerId'
${EXIT_CODES_HELP}`;
