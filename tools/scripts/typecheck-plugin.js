// An Nx plugin that infers a `typecheck` target for every project with a tsconfig.json: it
// runs `tsc --noEmit` on each config the project's tsconfig.json references (or on
// tsconfig.json itself when it references none), since Jest and SWC strip types unchecked.
// A config the project's `@nx/js:tsc` build compiles is left to the build, which checks it
// anyway (`npm test` runs both), so a library's sources are not checked twice.
// (@nx/js/typescript infers one too, but only for composite project references, which this
// workspace does not use.)
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/**
 * The tsconfig files to check in a project: those its tsconfig.json references, or itself,
 * less the one its `@nx/js:tsc` build type-checks.
 * @param {string} root
 * @param {string} workspaceRoot
 */
function configsOf(root, workspaceRoot) {
  const text = readFileSync(join(workspaceRoot, root, 'tsconfig.json'), 'utf8');
  const references = [...text.matchAll(/"path"\s*:\s*"\.\/([^"]+)"/g)].map((match) => match[1]);
  /** @type {{ targets?: { build?: { executor?: string, options?: { tsConfig?: string } } } }} */
  const project = JSON.parse(readFileSync(join(workspaceRoot, root, 'project.json'), 'utf8'));
  const build = project.targets?.build;
  const built = build?.executor === '@nx/js:tsc' ? build.options?.tsConfig : undefined;
  const configs = references.filter((config) => join(root, config) !== built);
  return references.length > 0 ? configs : ['tsconfig.json'];
}

/** @type {import('@nx/devkit').NxPluginV2} */
module.exports = {
  name: 'sensors-typecheck',
  createNodesV2: [
    '**/tsconfig.json',
    (files, _options, context) =>
      files
        .filter(
          (file) => file !== 'tsconfig.json' && existsSync(join(context.workspaceRoot, dirname(file), 'project.json')),
        )
        .map((file) => {
          const root = dirname(file);
          const configs = configsOf(root, context.workspaceRoot);
          return [
            file,
            {
              projects: {
                [root]: {
                  targets: {
                    typecheck: {
                      command: configs.map((config) => `tsc -p ${config} --noEmit`).join(' && '),
                      options: { cwd: root },
                      cache: true,
                      inputs: ['default', '^default', '{workspaceRoot}/tsconfig.base.json'],
                      outputs: [],
                    },
                  },
                },
              },
            },
          ];
        }),
  ],
};
