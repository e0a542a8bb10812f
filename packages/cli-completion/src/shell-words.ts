import type { CommandSpec, ValueCompletion } from './spec.js';

/** The program and every command below it, depth first. */
export function allCommands(command: CommandSpec): CommandSpec[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** `fileshare-agent` -> `_fileshare_agent`: a shell function name that cannot clash with a command. */
export function functionName(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** One shell word, quoted (unless plain) so that nothing in it is expanded. */
export function shellWord(text: string): string {
  return /^[\w.,:@%+/=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Choices are offered through the shells' word lists, which split on white space and expand
 * some characters; a choice that is not a plain word is left out rather than offered wrong.
 */
const PLAIN_WORD = /^[\w.,:@%+/-]+$/;

/** A value completion as the generated scripts pass it around: `choices:a b`, `files`, ... */
export function valueCode(value: ValueCompletion): string {
  if (value.kind !== 'choices') return value.kind;
  return `choices:${value.choices.filter((c) => PLAIN_WORD.test(c)).join(' ')}`;
}
