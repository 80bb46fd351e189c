// Proves that lint enforces the module boundaries: each forbidden import below must fail
// `@nx/enforce-module-boundaries`, and each allowed one must pass. Run from the workspace root.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const cases = [
  { file: 'libs/enrichment/src/violation.ts', imports: '@sensors/persistence', allowed: false },
  { file: 'libs/sensor-model/src/violation.ts', imports: '@sensors/enrichment', allowed: false },
  { file: 'libs/persistence/src/violation.ts', imports: '@sensors/messaging', allowed: false },
  { file: 'libs/messaging/src/violation.ts', imports: '@sensors/persistence', allowed: false },
  { file: 'apps/publisher/src/violation.ts', imports: '@sensors/testing', allowed: false },
  { file: 'apps/publisher/src/violation.ts', imports: '../../consumer/src/config', allowed: false },
  // Configuration builds on runtime's redactUrl, so runtime may not import it back.
  { file: 'libs/runtime/src/violation.ts', imports: '@sensors/config', allowed: false },
  { file: 'libs/enrichment/src/allowed.ts', imports: '@sensors/sensor-model', allowed: true },
  { file: 'apps/consumer/src/allowed.ts', imports: '@sensors/persistence', allowed: true },
  { file: 'apps/publisher/src/allowed.ts', imports: '@sensors/config', allowed: true },
  { file: 'libs/messaging/tests/allowed.ts', imports: '@sensors/testing', allowed: true },
];

// The files linted here exist only in memory, so no tsconfig includes them: lint them without
// type information, and without the rules that need it.
const eslint = new ESLint({ overrideConfig: tseslint.configs.disableTypeChecked });
let failures = 0;
for (const { file, imports, allowed } of cases) {
  const [result] = await eslint.lintText(`import { x } from '${imports}';\nexport const y = x;\n`, { filePath: file });
  const violations = result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
  const ok = allowed ? violations.length === 0 : violations.length > 0;
  if (!ok) failures++;
  const verdict = violations.length > 0 ? `rejected: ${violations[0].message}` : 'accepted';
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${file} importing ${imports}: ${verdict}`);
}
if (failures > 0) {
  console.error(`${failures} boundary check(s) did not hold.`);
  process.exit(1);
}
console.log('Module boundaries hold.');
