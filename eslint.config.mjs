import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'tmp'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cts', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            // The reading's model stands alone: every other project builds on it.
            { sourceTag: 'layer:model', onlyDependOnLibsWithTags: [] },
            // Domain libraries (generator, enrichment, persistence) know only the model.
            { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:model'] },
            // Platform libraries (messaging, runtime) are generic plumbing.
            { sourceTag: 'layer:platform', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:e2e'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
];
