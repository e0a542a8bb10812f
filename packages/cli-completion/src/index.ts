import { Argument, type Command } from 'commander';
import { bashScript } from './bash.js';
import { describeProgram } from './spec.js';
import { zshScript } from './zsh.js';

export { describeProgram, type CommandSpec, type OptionSpec, type ValueCompletion } from './spec.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script of `program` for `shell`, from the program as it is defined now. */
export function completionScript(program: Command, shell: Shell): string {
  const spec = describeProgram(program);
  return shell === 'bash' ? bashScript(spec) : zshScript(spec);
}

export interface CompletionCommand {
  /** True once `completion <shell>` ran and wrote its script: the caller has nothing else to do. */
  readonly printed: boolean;
}

const HELP_AFTER = (name: string) => `
Load completion in the current shell:
  bash:  source <(${name} completion bash)
  zsh:   source <(${name} completion zsh)      (after compinit)

Load it in every new shell:
  bash:  mkdir -p ~/.local/share/bash-completion/completions
         ${name} completion bash > ~/.local/share/bash-completion/completions/${name}
  zsh:   mkdir -p ~/.zfunc && ${name} completion zsh > ~/.zfunc/_${name}
         and in ~/.zshrc, before compinit: fpath+=(~/.zfunc)
`;

/**
 * Adds `completion <shell>` to `program`. The script is generated from the program when asked,
 * after every other command was added, so it lists exactly what the program accepts. It is
 * written with the program's own output (`configureOutput`), like `--help`.
 */
export function addCompletionCommand(program: Command): CompletionCommand {
  const state = { printed: false };
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh); see completion --help')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .addHelpText('after', HELP_AFTER(program.name()))
    .action((shell: Shell, _options: unknown, command: Command) => {
      command.configureOutput().writeOut?.(completionScript(program, shell));
      state.printed = true;
    });
  return state;
}
