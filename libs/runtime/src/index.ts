// Everything exported here is public API.
export { backoffDelay, type BackoffOptions } from './backoff-delay';
export { Batcher, type BatcherOptions } from './batcher';
export { createShutdown, type ShutdownOptions, type ShutdownStep } from './create-shutdown';
export { limitHeapGrowth } from './limit-heap-growth';
export { loggerOptions, type LoggerSettings } from './logger-options';
export { logRedaction } from './log-redaction';
export { redactUrl } from './redact-url';
export { RETRY_DELAYS, retry, type RetryOptions } from './retry';
export { StartupError, startupFailureFields } from './startup-error';
export { startProgressLog, type EventLogger } from './start-progress-log';
export { serializeError, type SerializedError } from './serialize-error';
export { startOpsServer, type OpsServer, type OpsServerOptions, type Readiness } from './start-ops-server';
export {
  counterFrom,
  countersFrom,
  createMetricsRegistry,
  gaugeFrom,
  gaugesFrom,
  registerBuildInfo,
  type MetricReaders,
} from './metrics';
export { registerConnectionMetrics, type ConnectionGauges } from './register-connection-metrics';
export { usesDefaultPassword } from './uses-default-password';
export { WaitList } from './wait-list';
