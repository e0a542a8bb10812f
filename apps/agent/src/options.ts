import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { defaultStateDir, type FileshareNodeInit } from '@fileshare/core';
import { parseDeviceId } from './device-id.js';
import { stderrLogger } from './logger.js';

/** Options every verb that starts a node takes. */
export interface CommonOptions {
  name?: string;
  port: number;
  stateDir?: string;
  interface?: string;
  peer: string[];
  dir?: string;
  json: boolean;
  verbose: boolean;
  channels?: number;
  mdnsTtl?: number;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is 0-65535 (0 = any free port)');
  return port;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return n;
}

/** Repeatable options; commander passes the default (undefined when there is none) first. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function collectId(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseDeviceId(value)];
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--name <name>', 'name shown to other devices (default: host name)')
    .option('--port <port>', 'signaling TCP port, 0 = any free port', parsePort, 0)
    .option('--state-dir <dir>', 'where the device key (and so the device id) and the trusted devices are kept (default: ~/.config/fileshare)')
    .option('--interface <name-or-ip>', 'use only this network interface (default: all usable IPv4 interfaces)')
    .option('--peer <host:port>', 'also reach this peer by address, where multicast does not work (repeatable)', collect, [])
    .option('--dir <folder>', 'receive folder (default: ~/Downloads/fileshare)')
    .addOption(new Option('--channels <n>', 'data channels per transfer').argParser(parsePositive).hideHelp())
    .addOption(new Option('--mdns-ttl <seconds>', 'TTL of our mDNS records').argParser(parsePositive).hideHelp())
    .option('--json', 'print one JSON object per line on stdout', false)
    .option('-v, --verbose', 'log debug details to stderr', false);
}

export function nodeInit(options: CommonOptions, accept: FileshareNodeInit['accept']): FileshareNodeInit {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    port: options.port,
    ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    ...(options.interface !== undefined ? { interface: options.interface } : {}),
    peers: options.peer,
    ...(options.dir !== undefined ? { receiveDir: options.dir } : {}),
    ...(options.channels !== undefined ? { channelsPerTransfer: Math.floor(options.channels) } : {}),
    ...(options.mdnsTtl !== undefined ? { mdnsTtlSeconds: Math.ceil(options.mdnsTtl) } : {}),
    accept,
    logger: stderrLogger(options.verbose ? 'debug' : 'warn', options.json),
  };
}

/** The state folder the node would use: where a running `run` keeps its control socket. */
export function stateDirOf(options: Pick<CommonOptions, 'stateDir'>): string {
  return resolve(options.stateDir ?? defaultStateDir());
}

