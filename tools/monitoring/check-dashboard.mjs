// Lints grafana/dashboards/sensors.json (`npx nx lint monitoring`): importable into any Grafana
// (the data source is a variable, never a fixed uid), every query scoped by the job and instance
// variables, one unit per panel, and every query valid PromQL (promtool parses them as rules).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const file = join(import.meta.dirname, 'grafana/dashboards/sensors.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];
const variables = new Set(dashboard.templating.list.map((variable) => variable.name));
for (const name of ['datasource', 'job', 'instance']) {
  if (!variables.has(name)) problems.push(`no "${name}" variable`);
}
const expressions = [];
for (const panel of dashboard.panels) {
  const where = `panel "${panel.title}"`;
  const variable = panel.datasource?.type === 'grafana-postgresql-datasource' ? '${postgres}' : '${datasource}';
  if (panel.datasource?.uid !== variable) problems.push(`${where}: data source is not ${variable}`);
  if (!panel.fieldConfig?.defaults?.unit) problems.push(`${where}: no unit`);
  if (panel.fieldConfig?.overrides?.some((o) => o.properties.some((p) => p.id === 'unit'))) {
    problems.push(`${where}: a second unit in an override (one axis, one unit: split the panel)`);
  }
  // Panels that read Postgres (SQL, not PromQL) have nothing to scope by job and instance.
  for (const target of panel.targets.filter((t) => t.expr !== undefined)) {
    for (const [selector] of target.expr.matchAll(
      /\b[a-z_]+_[a-z_]+\{[^}]*\}|\b(?:sensors|process)_[a-z_]+\b(?!\{)/g,
    )) {
      if (!selector.includes('job=~"$job"') || !selector.includes('instance=~"$instance"')) {
        problems.push(`${where}: ${selector} is not scoped by $job and $instance`);
      }
    }
    expressions.push(target.expr.replaceAll('$job', '.*').replaceAll('$instance', '.*'));
  }
}

const folder = mkdtempSync(join(tmpdir(), 'dashboard-queries-'));
try {
  const rules = expressions.map(
    (expr, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr)}`,
  );
  writeFileSync(join(folder, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
  execFileSync('promtool', ['check', 'rules', join(folder, 'queries.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (err) {
  problems.push(`a query is not valid PromQL:\n${err.stderr ?? err.message}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`${file}:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`dashboard ok: ${dashboard.panels.length} panels, ${expressions.length} queries`);
