import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/*
 * The source tree's layers, highest first (README, "Source map"). A file may import only from
 * its own folder or from a layer below its own; folders of one layer do not import each other.
 * An import that runs up, or sideways, is a layer in the wrong place: storage that reads the
 * query language, a query operator that writes HTTP.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['main.ts'],
  ['cli'],
  ['server.ts'],
  ['admin'],
  ['http', 'cluster', 'inputs'],
  ['schedule', 'metrics'],
  ['coordinator', 'ingest'],
  ['shards'],
  ['lifecycle'],
  ['operators'],
  ['query'],
  ['engine', 'meta', 'config.ts'],
  ['storage'],
  ['regex.ts', 'time-precision.ts'],
  ['errors.ts'],
  ['util'],
  ['log.ts', 'startup-error.ts'],
];

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function layerOf(part: string): number {
  return LAYERS.findIndex((layer) => layer.includes(part));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top-level entry of src/ a path lies in: its folder, or the file itself. */
function topOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!;
}

test('every folder and top-level file of src/ has a layer', (t) => {
  const unplaced = readdirSync(SRC).filter((entry) => layerOf(entry) < 0);
  t.deepEqual(unplaced, [], 'place each in LAYERS');
});

test('imports run only down the layers, never up or sideways', (t) => {
  const wrong: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = topOf(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), fileName);
      if (!target.startsWith(SRC)) continue;
      const to = topOf(target.replace(/\.js$/, '.ts'));
      if (to === from) continue;
      if (layerOf(to) <= layerOf(from)) wrong.push(`${path.relative(SRC, file)} imports ${fileName}`);
    }
  }
  t.true(sourceFiles(SRC).length > 100, 'the source files were found');
  t.deepEqual(wrong, []);
});
