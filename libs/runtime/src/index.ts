// Everything exported here is public API.
export { applyConfigFile } from './apply-config-file';
export { backoffDelay, type BackoffOptions } from './backoff-delay';
export { Batcher, type BatcherOptions } from './batcher';
export { createShutdown, type ShutdownOptions, type ShutdownStep } from './create-shutdown';
export { limitHeapGrowth } from './limit-heap-growth';
export { logBase } from './log-base';
export { booleanOption, integerOption, numberOption, readUrlList } from './option-parsers';
export { redactUrl } from './redact-url';
export { retry, type RetryOptions } from './retry';
export { sleep } from './sleep';
export { StartupError, startupFailureFields } from './startup-error';
export { DEFAULT_AMQP_URL, sharedOptions, toSharedConfig, type SharedConfig } from './shared-options';
export { startProgressLog, type EventLogger } from './start-progress-log';
export { serializeError, type SerializedError } from './serialize-error';
export { startOpsServer, type OpsServer, type OpsServerOptions, type Readiness } from './start-ops-server';
export { counterFrom, createMetricsRegistry, gaugeFrom, registerBuildInfo } from './metrics';
export { usesDefaultPassword } from './uses-default-password';
