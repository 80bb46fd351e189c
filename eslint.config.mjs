import { defineConfig } from 'eslint/config';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Who may import whom. Tests (files under a `tests/` folder) may also use the test-only
 * `@sensors/testing` library; production code never.
 */
function boundaries({ tests }) {
  const also = tests ? ['layer:testing'] : [];
  return [
    'error',
    {
      // Tests are not part of a build, so they may use the unbuilt test helpers.
      enforceBuildableLibDependency: !tests,
      banTransitiveDependencies: true,
      allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
      depConstraints: [
        // The reading's model stands alone: every other project builds on it.
        { sourceTag: 'layer:model', onlyDependOnLibsWithTags: [...also] },
        // Domain libraries (generator, enrichment, persistence) know only the model.
        { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:model', ...also] },
        // Platform libraries (messaging, runtime) are generic plumbing.
        { sourceTag: 'layer:platform', onlyDependOnLibsWithTags: ['layer:model', 'layer:platform', ...also] },
        { sourceTag: 'layer:testing', onlyDependOnLibsWithTags: ['layer:model', 'layer:platform', 'layer:domain'] },
        { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:e2e'] },
        { sourceTag: 'type:test-support', notDependOnLibsWithTags: ['type:app', 'type:e2e'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', ...also] },
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'layer:testing'] },
        // Tools (fault drill, bench) drive the built apps through the libraries and the harness.
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'layer:testing'] },
      ],
    },
  ];
}

export default defineConfig([
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'tmp'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cts', '**/*.mjs'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ tests: false }) },
  },
  {
    files: ['**/tests/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ tests: true }) },
  },
  {
    // Type-aware rules: a promise nobody awaits or handles is how errors go missing, and an
    // `any` that flows on unchecked is how a wrong shape reaches the database.
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Passing on a caught `unknown` as it was thrown is right (as `only-throw-error` allows).
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    files: ['**/tests/**/*.ts'],
    rules: {
      // A fake of an async dependency is `async` so that its throw is a rejection, as the real
      // one's is; dropping the keyword would change what the test tests.
      '@typescript-eslint/require-await': 'off',
      // Jest types its asymmetric matchers (`expect.stringContaining(…)`) as `any`; the rest of
      // the no-unsafe family still catches an `any` that is used.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // Every library's package.json lists what its code imports.
    files: ['**/package.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        { ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}', '{projectRoot}/tests/**/*'] },
      ],
    },
    languageOptions: { parser: await import('jsonc-eslint-parser') },
  },
]);
