/** A setting that cannot be used, named with where it came from. */
export class ConfigError extends Error {
  readonly option: string | undefined;
  readonly source: string | undefined;
  constructor(message: string, option?: string, source?: string) {
    super(message);
    this.name = 'ConfigError';
    this.option = option;
    this.source = source;
  }
}
