/** The `*.trace` files of a directory tree, in a fixed order (sorted, depth first), as run-all and conform-all read them. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function traceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? traceFiles(path) : name.endsWith('.trace') ? [path] : [];
    });
}
