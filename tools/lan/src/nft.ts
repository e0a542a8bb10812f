import { HOST_INTERFACE, MULTICAST_RANGE, NFT_TABLE } from './constants.js';
import { LanError } from './errors.js';

export interface FaultState {
  /** 0-100, percent of packets dropped in each direction on the host's link. */
  readonly lossPercent: number;
  readonly multicastBlocked: boolean;
}

export const NO_FAULTS: FaultState = { lossPercent: 0, multicastBlocked: false };

export function validateLoss(percent: number): void {
  if (!Number.isFinite(percent) || !Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new LanError('ERR_LAN_INVALID_ARGUMENT', `Loss must be an integer percent 0-100, got ${percent}.`);
  }
}

/**
 * One nft script that replaces the rig's table in a single transaction: `table` + `delete table`
 * first makes the delete valid whether or not the table exists, so rules never stack up and
 * there is no moment without them. Only the host's link is matched: loopback traffic inside the
 * host is not network traffic and stays untouched.
 */
export function buildRuleset(state: FaultState, iface: string = HOST_INTERFACE): string {
  validateLoss(state.lossPercent);
  const lines = [`table inet ${NFT_TABLE}`, `delete table inet ${NFT_TABLE}`];
  if (state.lossPercent === 0 && !state.multicastBlocked) return lines.join('\n') + '\n';

  const rules = (dir: 'iifname' | 'oifname', addr: 'daddr'): string[] => {
    const out: string[] = [];
    if (state.multicastBlocked) out.push(`    ${dir} "${iface}" ip ${addr} ${MULTICAST_RANGE} drop`);
    if (state.lossPercent >= 100) out.push(`    ${dir} "${iface}" drop`);
    else if (state.lossPercent > 0) out.push(`    ${dir} "${iface}" numgen random mod 100 < ${state.lossPercent} drop`);
    return out;
  };

  lines.push(
    `table inet ${NFT_TABLE} {`,
    `  chain input {`,
    `    type filter hook input priority -300; policy accept;`,
    ...rules('iifname', 'daddr'),
    `  }`,
    `  chain output {`,
    `    type filter hook output priority -300; policy accept;`,
    ...rules('oifname', 'daddr'),
    `  }`,
    `}`,
  );
  return lines.join('\n') + '\n';
}
