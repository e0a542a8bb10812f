import { allCommands, functionName, shellWord, valueCode } from './shell-words.js';
import type { CommandSpec, OptionSpec, ValueCompletion } from './spec.js';

/**
 * A bash completion script for the program. The command tree is written into the script as
 * case tables, so a Tab never starts Node: completing is as fast as any shell function.
 */
export function bashScript(program: CommandSpec): string {
  const fn = functionName(program.name);
  const commands = allCommands(program);
  const key = (c: CommandSpec) => shellWord(c.path.join(' '));

  const subcommandCases = commands
    .filter((c) => c.commands.length > 0)
    .map((c) => `    ${key(c)}) echo ${shellWord(c.commands.map((s) => s.name).join(' '))} ;;`);
  const optionCases = commands.map((c) => `    ${key(c)}) echo ${shellWord(offered(c.options).join(' '))} ;;`);
  const valueCases = commands.flatMap((c) =>
    c.options
      .filter((o): o is OptionSpec & { value: ValueCompletion } => o.value !== undefined)
      .map((o) => `    ${o.names.map((n) => shellWord(`${c.path.join(' ')}|${n}`)).join('|')}) echo ${shellWord(valueCode(o.value))} ;;`),
  );
  const positionalCases = commands.flatMap((c) =>
    c.positionals.map((p, i) => {
      const last = i === c.positionals.length - 1;
      const index = last && c.variadic ? `${i}|[${i + 1}-9]|[1-9][0-9]*` : String(i);
      const pattern = index
        .split('|')
        .map((n) => `${shellWord(`${c.path.join(' ')}|`)}${n}`)
        .join('|');
      return `    ${pattern}) echo ${shellWord(valueCode(p))} ;;`;
    }),
  );

  return `# bash completion for ${program.name}, generated from its command definitions.
# Load it in this shell:   source <(${program.name} completion bash)
# or for every new shell:  ${program.name} completion bash > ~/.local/share/bash-completion/completions/${program.name}

${fn}_subcommands() {
  case "$1" in
${subcommandCases.join('\n')}
  esac
}

${fn}_options() {
  case "$1" in
${optionCases.join('\n')}
  esac
}

# What the value of option $2 of command "$1" completes to; fails for a flag.
${fn}_value() {
  case "$1|$2" in
${valueCases.join('\n')}
    *) return 1 ;;
  esac
}

# What positional argument number $2 (from 0) of command "$1" completes to.
${fn}_positional() {
  case "$1|$2" in
${positionalCases.join('\n')}
    *) echo none ;;
  esac
}

${fn}_reply() {
  local IFS=$'\\n'
  case "$1" in
    choices:*) COMPREPLY+=($(IFS=' '; compgen -W "\${1#choices:}" -- "$2")) ;;
    files) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- "$2")) ;;
    directories) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- "$2")) ;;
  esac
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev='' option='' path='' word spec
  local -i i=1 operands=0 options_done=0
  COMPREPLY=()
  # Walk the words before the cursor: a command name (only before any operand) leads into that
  # command, an option that takes a value also takes the next word, "--" ends the options.
  while (( i < COMP_CWORD )); do
    word=\${COMP_WORDS[i]}
    if (( ! options_done )) && [[ $word == -- ]]; then
      options_done=1
    elif (( ! options_done )) && [[ $word == -?* ]]; then
      # bash splits --dir=x into "--dir" "=" "x".
      if [[ \${COMP_WORDS[i+1]} == = ]]; then
        i+=2
      elif ${fn}_value "$path" "$word" >/dev/null; then
        i+=1
      fi
    elif (( operands == 0 && ! options_done )) && [[ " $(${fn}_subcommands "$path") " == *" $word "* ]]; then
      path=\${path:+$path }$word
    else
      operands+=1
    fi
    i+=1
  done

  (( COMP_CWORD > 0 )) && prev=\${COMP_WORDS[COMP_CWORD-1]}
  if [[ $cur == = && $prev == -?* ]]; then
    option=$prev cur=''
  elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
    option=\${COMP_WORDS[COMP_CWORD-2]}
  elif [[ $prev == -?* ]] && (( ! options_done )); then
    option=$prev
  fi
  if [[ -n $option ]] && spec=$(${fn}_value "$path" "$option"); then
    ${fn}_reply "$spec" "$cur"
    return 0
  fi

  if (( ! options_done )) && [[ $cur == -* ]]; then
    ${fn}_reply "choices:$(${fn}_options "$path")" "$cur"
    return 0
  fi
  if (( operands == 0 && ! options_done )); then
    ${fn}_reply "choices:$(${fn}_subcommands "$path")" "$cur"
  fi
  ${fn}_reply "$(${fn}_positional "$path" "$operands")" "$cur"
  return 0
}

complete -F ${fn} ${shellWord(program.name)}
`;
}

/** The spellings offered on Tab: every visible option, long names first as --help shows them. */
function offered(options: readonly OptionSpec[]): string[] {
  return options.filter((o) => !o.hidden).flatMap((o) => [...o.names].reverse());
}
