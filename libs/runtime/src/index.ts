// Everything exported here is public API.
export { applyConfigFile, type ConfigFileOptions } from './apply-config-file';
export { applyEnvironment, type EnvironmentOptions, type RenamedVariable } from './apply-environment';
export { backoffDelay, type BackoffOptions } from './backoff-delay';
export { Batcher, type BatcherOptions } from './batcher';
export { createShutdown, type ShutdownOptions, type ShutdownStep } from './create-shutdown';
export { limitHeapGrowth } from './limit-heap-growth';
export { booleanOption, integerOption, numberOption, readUrlList } from './option-parsers';
export { logRedaction } from './log-redaction';
export { redactConfig } from './redact-config';
export { redactUrl } from './redact-url';
export { RETRY_DELAYS, retry, type RetryOptions } from './retry';
export { sleep } from './sleep';
export { InterpolationError, interpolateVariables } from './interpolate-variables';
export { startProgressLog, type EventLogger } from './start-progress-log';
export { serializeError, type SerializedError } from './serialize-error';
export { startOpsServer, type OpsServer, type OpsServerOptions, type Readiness } from './start-ops-server';
export { counterFrom, createMetricsRegistry, gaugeFrom } from './metrics';
export { usesDefaultPassword } from './uses-default-password';
