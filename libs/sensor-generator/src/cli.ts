#!/usr/bin/env node
import { runCli } from './run-cli';

const stop = new AbortController();
// The first Ctrl-C (or a supervisor's SIGTERM) ends the stream after a whole line; once the
// listener is gone, a second one kills the process as usual.
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: stop.signal }).then(
  (code) => {
    process.exitCode = code;
  },
);
