// Everything exported here is public API.
export { applyConfigFile, type ConfigFileOptions } from './apply-config-file';
export { applyEnvironment, type EnvironmentOptions, type RenamedVariable } from './apply-environment';
export { InterpolationError, interpolateVariables } from './interpolate-variables';
export { booleanOption, integerOption, numberOption, readUrlList } from './option-parsers';
export { parseOptions, type ParsedOptions, type ParseOptionsSettings } from './parse-options';
export { redactConfig } from './redact-config';
export type { RenamedOption } from './rename-options';
export {
  readServiceOptions,
  serviceOptions,
  type LoggingConfig,
  type OpsConfig,
  type ServiceConfig,
  type ServiceOptionsSettings,
} from './service-options';
