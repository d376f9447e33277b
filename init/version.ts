// The init reports the project version so the builder can smoke-test the binary it
// produced and a person can tell which build booted. esbuild inlines the JSON import.
import pkg from '../package.json' with { type: 'json' };

export const initVersion: string = pkg.version;
