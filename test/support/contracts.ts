// Test support (not runtime code): reads the RPCs declared in proto/ straight from the contracts
// with `buf build`, independently of the generated stubs, so a test can prove that a running
// service registers every one of them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface DescriptorJson {
  file: { package?: string; service?: { name: string; method?: { name: string; clientStreaming?: boolean; serverStreaming?: boolean }[] }[] }[];
}

let cache: DescriptorJson | undefined;

function descriptors(): DescriptorJson {
  cache ??= JSON.parse(
    execFileSync(`${root}/node_modules/.bin/buf`, ['build', '--exclude-source-info', '-o', '-#format=json'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    }),
  ) as DescriptorJson;
  return cache;
}

/** Full gRPC paths ("/pkg.Service/Method") of every unary RPC of a service, as declared in proto/. */
export function declaredMethods(fullServiceName: string): string[] {
  const paths: string[] = [];
  for (const file of descriptors().file) {
    for (const service of file.service ?? []) {
      if (`${file.package}.${service.name}` !== fullServiceName) continue;
      for (const method of service.method ?? []) {
        if (method.clientStreaming || method.serverStreaming) continue;
        paths.push(`/${fullServiceName}/${method.name}`);
      }
    }
  }
  return paths;
}

/** Every service declared under proto/dailyfeed. */
