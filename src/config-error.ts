/** A configuration the gateway cannot serve with (missing credentials, a bad target): the operator's to fix. */
export class ConfigError extends Error {}
