// The flags node runs with in the images: the ENTRYPOINT of services/Dockerfile and
// gateway/Dockerfile, between `node` and `--import`. `npm start` and bench/mixed start every
// process with them too, so what runs locally and what the bench measures is what is deployed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function imageNodeFlags(root: string, dockerfile: string): string[] {
  const line = readFileSync(join(root, dockerfile), 'utf8').split('\n').findLast((l) => l.startsWith('ENTRYPOINT '));
  const argv = line === undefined ? [] : (JSON.parse(line.slice('ENTRYPOINT '.length)) as string[]);
  const end = argv.indexOf('--import');
  if (argv[0] !== 'node' || end < 0) throw new Error(`${dockerfile}: expected ENTRYPOINT ["node", <flags>, "--import", ...]`);
  return argv.slice(1, end);
}

/** The Dockerfile that builds the code under `path` (e.g. gateway, services/member/src/main.ts). */
export const dockerfileOf = (path: string): string => (path.startsWith('gateway') ? 'gateway/Dockerfile' : 'services/Dockerfile');
