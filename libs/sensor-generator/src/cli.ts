#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './run-cli';

// The package's own package.json, one folder up both in the sources and in the published package.
const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

const stop = new AbortController();
// The first Ctrl-C (or a supervisor's SIGTERM) ends the stream after a whole line; once the
// listener is gone, a second one kills the process as usual.
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  version,
  signal: stop.signal,
}).then((code) => {
  process.exitCode = code;
});
