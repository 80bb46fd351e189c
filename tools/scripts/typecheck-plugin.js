// An Nx plugin that infers a `typecheck` target for every project with a tsconfig.json: it
// runs `tsc --noEmit` on each config the project's tsconfig.json references (or on
// tsconfig.json itself when it references none), since Jest and SWC strip types unchecked.
// (@nx/js/typescript infers one too, but only for composite project references, which this
// workspace does not use.)
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/**
 * The tsconfig files to check in a project: those its tsconfig.json references, or itself.
 * @param {string} root
 * @param {string} workspaceRoot
 */
function configsOf(root, workspaceRoot) {
  const text = readFileSync(join(workspaceRoot, root, 'tsconfig.json'), 'utf8');
  const references = [...text.matchAll(/"path"\s*:\s*"\.\/([^"]+)"/g)].map((match) => match[1]);
  return references.length > 0 ? references : ['tsconfig.json'];
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
