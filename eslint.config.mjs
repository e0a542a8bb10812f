// Flat ESLint config: typescript-eslint with type-checked rules for all projects, and
// Nx module boundaries so the layering (apps -> core -> features -> protocol) is a lint error.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layering = [
  // type:cli: command-line helpers (shell completion) that know nothing of fileshare.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:cli'] },
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:feature', 'type:protocol'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:protocol'] },
  { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [] },
];

// Tests may also use the LAN rig (type:tool); production code may not.
const layeringForTests = layering.map((c) =>
  c.sourceTag === 'type:tool' ? c : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:tool'] },
);

const testFiles = ['**/*.test.ts', '**/*.test.tsx', '**/test/**/*.ts', '**/test/**/*.tsx'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs', '**/coverage/**'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: layering },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: layeringForTests },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
