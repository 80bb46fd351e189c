// Everything exported here is public API.
export { applyConfigFile, type ConfigFileOptions } from './apply-config-file';
export { applyEnvironment, type EnvironmentOptions, type RenamedVariable } from './apply-environment';
export { backoffDelay, type BackoffOptions } from './backoff-delay';
export { Batcher, type BatcherOptions } from './batcher';
export { createShutdown, type ShutdownOptions, type ShutdownStep } from './create-shutdown';
export { limitHeapGrowth } from './limit-heap-growth';
export { loggerOptions, type LoggerSettings } from './logger-options';
export { booleanOption, integerOption, numberOption, readUrlList } from './option-parsers';
export { parseOptions, type ParsedOptions, type ParseOptionsSettings } from './parse-options';
export { logRedaction } from './log-redaction';
export { redactConfig } from './redact-config';
export { redactUrl } from './redact-url';
export type { RenamedOption } from './rename-options';
export { RETRY_DELAYS, retry, type RetryOptions } from './retry';
export { StartupError, startupFailureFields } from './startup-error';
export { InterpolationError, interpolateVariables } from './interpolate-variables';
export { startProgressLog, type EventLogger } from './start-progress-log';
export { serializeError, type SerializedError } from './serialize-error';
export {
  readServiceOptions,
  serviceOptions,
  type LoggingConfig,
  type OpsConfig,
  type ServiceConfig,
  type ServiceOptionsSettings,
} from './service-options';
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
