import { existsSync } from 'node:fs';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { sanitizeDeviceName } from '@fileshare/protocol';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'fileshare');
}

export function defaultReceiveDir(): string {
  const downloads = join(homedir(), 'Downloads');
  return existsSync(downloads) ? join(downloads, 'fileshare') : join(homedir(), 'fileshare');
}

export function defaultDeviceName(): string {
  return sanitizeDeviceName(hostname()) || 'fileshare';
}

/** Parses `host:port` (IPv4 or a name; `[v6]:port` accepted for completeness). */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:]+):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (!match[1] || port < 1 || port > 65535) return undefined;
  return { host: match[1], port };
}

/** The IPv4 address of an interface given by OS name or by address; undefined if none matches. */
export function interfaceIPv4(nameOrAddress: string): string | undefined {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4') continue;
      if (name === nameOrAddress || a.address === nameOrAddress) return a.address;
    }
  }
  return undefined;
}
