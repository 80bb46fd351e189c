import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The scripts are ES modules run by plain Node; Jest runs CommonJS, so each call runs in a
// Node process of its own.
function readServiceExports(text: string): Record<string, string> {
  const module = JSON.stringify(join(__dirname, '../read-service-exports.mjs'));
  const script = `import { readServiceExports } from ${module};
    process.stdout.write(JSON.stringify(readServiceExports(${JSON.stringify(text)})));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString()) as Record<
    string,
    string
  >;
}

describe('readServiceExports', () => {
  it('reads the variables of export lines and ignores every other line', () => {
    const text = [
      'Starting the local PostgreSQL...',
      'export SENSORS_AMQP_URL=amqp://sensors:sensors@127.0.0.1:5672',
      'export RABBITMQCTL="docker compose exec -T rabbitmq rabbitmqctl"',
      '  export INDENTED=no',
      '',
    ].join('\n');
    expect(readServiceExports(text)).toEqual({
      SENSORS_AMQP_URL: 'amqp://sensors:sensors@127.0.0.1:5672',
      RABBITMQCTL: 'docker compose exec -T rabbitmq rabbitmqctl',
    });
  });

  it('gives nothing for no output (the services already answered)', () => {
    expect(readServiceExports('')).toEqual({});
  });
});
