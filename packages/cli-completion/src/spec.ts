import type { Argument, Command, Option } from 'commander';

/** What a value (of an option or a positional argument) completes to. */
export type ValueCompletion =
  | { kind: 'choices'; choices: readonly string[] }
  | { kind: 'files' }
  | { kind: 'directories' }
  /** A free value (a name, a port): the shell offers nothing rather than unrelated file names. */
  | { kind: 'none' };

export interface OptionSpec {
  /** `-v`, `--verbose`: every spelling of the option. */
  names: readonly string[];
  description: string;
  /** Undefined when the option is a flag; otherwise what its value completes to. */
  value?: ValueCompletion;
  /** The `folder` of `--dir <folder>`; undefined for a flag. */
  placeholder?: string;
  /** Hidden options are never offered, but a typed one must still swallow its value. */
  hidden: boolean;
  /** May be given more than once (zsh offers it again). */
  repeatable: boolean;
}

export interface CommandSpec {
  /** The words that lead here from the program: [] for the program, ['trust', 'add'] below. */
  path: readonly string[];
  name: string;
  description: string;
  options: readonly OptionSpec[];
  commands: readonly CommandSpec[];
  /** What the positional arguments complete to, in order; the last one repeats when variadic. */
  positionals: readonly ValueCompletion[];
  /** Their names as in `--help` (`paths` of `[paths...]`). */
  positionalNames: readonly string[];
  variadic: boolean;
}

/**
 * Placeholder names (the `<folder>` in `--dir <folder>`) that name files or folders. Every other
 * placeholder is a free value. Commander does not know what a value means, so its name is the
 * one hint there is; a program names its placeholders accordingly.
 */
const DIRECTORY_PLACEHOLDER = /^(dir|directory|folder)s?$|-(dir|folder)$/i;
const FILE_PLACEHOLDER = /^(file|path)s?$|-(file|path)s?$/i;

function valueCompletion(placeholder: string, choices: readonly string[] | undefined): ValueCompletion {
  if (choices !== undefined && choices.length > 0) return { kind: 'choices', choices };
  if (DIRECTORY_PLACEHOLDER.test(placeholder)) return { kind: 'directories' };
  if (FILE_PLACEHOLDER.test(placeholder)) return { kind: 'files' };
  return { kind: 'none' };
}

function optionSpec(option: Option, repeatable: boolean): OptionSpec {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined);
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]?.replace(/\.\.\.$/, '');
  const spec: OptionSpec = { names, description: option.description, hidden: option.hidden, repeatable };
  if (placeholder !== undefined) {
    spec.value = valueCompletion(placeholder, option.argChoices);
    spec.placeholder = placeholder;
  }
  return spec;
}

function positional(argument: Argument): ValueCompletion {
  return valueCompletion(argument.name(), argument.argChoices);
}

/**
 * Reads a commander program into what completion needs. Uses commander's own Help to list what
 * `--help` lists (so the implicit help option, `--version` and the `help` command are included
 * exactly when commander accepts them), plus hidden options for parsing only.
 */
export function describeProgram(program: Command): CommandSpec {
  return describe(program, []);
}

function describe(command: Command, path: readonly string[]): CommandSpec {
  const help = command.createHelp();
  const visible = help.visibleOptions(command);
  const all = [...visible, ...command.options.filter((o) => !visible.includes(o))];
  const options = all.map((o) => optionSpec(o, isRepeatable(o)));
  const commands = help.visibleCommands(command).map((sub) => describe(sub, [...path, sub.name()]));
  // The implicit `help [command]` takes the name of a sibling command.
  const names = commands.map((c) => c.name).filter((n) => n !== 'help');
  for (const [i, sub] of commands.entries()) {
    if (sub.name === 'help' && sub.commands.length === 0 && sub.positionals.length === 1) {
      commands[i] = { ...sub, positionals: [{ kind: 'choices', choices: names }] };
    }
  }
  const args = command.registeredArguments;
  return {
    path,
    name: command.name(),
    description: command.description(),
    options,
    commands,
    positionals: args.map(positional),
    positionalNames: args.map((a) => a.name()),
    variadic: args.at(-1)?.variadic ?? false,
  };
}

/** Commander has no flag for "repeatable"; an option that collects into an array default is one. */
function isRepeatable(option: Option): boolean {
  return option.variadic || Array.isArray(option.defaultValue);
}
