// Everything exported here is public API.
export { backoffDelay, type BackoffOptions } from './backoff-delay';
export { createShutdown, type ShutdownOptions, type ShutdownStep } from './create-shutdown';
export { redactUrl } from './redact-url';
export { sleep } from './sleep';
