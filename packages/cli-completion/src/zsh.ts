import { allCommands, functionName, shellWord, valueCode } from './shell-words.js';
import type { CommandSpec, OptionSpec, ValueCompletion } from './spec.js';

/**
 * A zsh completion script for the program: one `_arguments` function per command, so zsh shows
 * each option's and command's description, and offers an option again only when it repeats.
 */
export function zshScript(program: CommandSpec): string {
  const root = functionName(program.name);
  const fn = (c: CommandSpec) => [root, ...c.path.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_'))].join('_');
  const functions = allCommands(program).map((c) => commandFunction(c, fn));
  return `#compdef ${program.name}
# zsh completion for ${program.name}, generated from its command definitions.
# Load it in this shell (after compinit):  source <(${program.name} completion zsh)
# or for every new shell: save it as _${program.name} in a folder of $fpath, e.g.
#   ${program.name} completion zsh > ~/.zfunc/_${program.name}   (with fpath+=(~/.zfunc) before compinit)

${functions.join('\n\n')}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  # Autoloaded from $fpath: this file is the completion function itself.
  ${root} "$@"
else
  compdef ${root} ${program.name}
fi
`;
}

function commandFunction(command: CommandSpec, fn: (c: CommandSpec) => string): string {
  const specs = command.options.filter((o) => !o.hidden).flatMap(optionSpecs);
  const lines = [`${fn(command)}() {`];
  if (command.commands.length > 0) {
    const described = command.commands.map((c) => shellWord(`${c.name}:${c.description}`));
    lines.push(
      '  local curcontext=$curcontext state state_descr line ret=1',
      '  typeset -A opt_args',
      `  _arguments -C -s -S \\`,
      ...specs.map((s) => `    ${s} \\`),
      `    '1:command:->command' \\`,
      `    '*::argument:->argument' && ret=0`,
      '  case $state in',
      '    command)',
      `      local -a commands=(${described.join(' ')})`,
      `      _describe -t commands command commands && ret=0 ;;`,
      '    argument)',
      '      case $line[1] in',
      ...command.commands.map((c) => `        ${shellWord(c.name)}) ${fn(c)} && ret=0 ;;`),
      '      esac ;;',
      '  esac',
      '  return ret',
    );
  } else {
    const positionals = command.positionals.map((p, i) => {
      const name = escapeColons(command.positionalNames[i] ?? 'argument');
      const last = i === command.positionals.length - 1;
      return shellWord(`${last && command.variadic ? '*' : String(i + 1)}:${name}:${action(p)}`);
    });
    const all = [...specs, ...positionals];
    lines.push(all.length > 0 ? `  _arguments -s -S \\\n${all.map((s) => `    ${s}`).join(' \\\n')}` : '  _message "no arguments"');
  }
  lines.push('}');
  return lines.join('\n');
}

/** `_arguments` specs for one option: each spelling excludes the others unless it repeats. */
function optionSpecs(option: OptionSpec): string[] {
  const exclusion = option.repeatable ? '*' : `(${option.names.join(' ')})`;
  const description = `[${option.description.replace(/\\/g, '\\\\').replace(/([[\]])/g, '\\$1')}]`;
  const value = option.value === undefined ? '' : `:${escapeColons(option.placeholder ?? 'value')}:${action(option.value)}`;
  return option.names.map((name) => {
    // A long option's value may follow an = or come as the next word, as commander accepts.
    const spelling = option.value !== undefined && name.startsWith('--') ? `${name}=` : name;
    return shellWord(`${exclusion}${spelling}${description}${value}`);
  });
}

function action(value: ValueCompletion): string {
  switch (value.kind) {
    case 'choices':
      return `(${valueCode(value).slice('choices:'.length)})`;
    case 'files':
      return '_files';
    case 'directories':
      return '_files -/';
    case 'none':
      return ' ';
  }
}

function escapeColons(text: string): string {
  return text.replace(/:/g, '\\:');
}
